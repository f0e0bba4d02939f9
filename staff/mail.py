"""Staff: every email the system sent or queued (the outbox), and what the local mail sink received."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

import sqlalchemy as sa
from flask import abort, current_app, request

from debitor.db import db
from debitor.outbox.models import SECRET_LINK_NOTE, OutboxMessage, OutboxState
from debitor.outbox.services import SECRET_HEADER
from staff.blueprint import bp
from web.common import render


@bp.get("/mail")
def mail():
    state = request.args.get("state", "")
    q = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(200)
    if state in {s.value for s in OutboxState}:
        q = q.where(OutboxMessage.state == OutboxState(state))
    return render(
        "staff/mail.html",
        "staff/_mail_rows.html",
        messages=list(db.session.scalars(q)),
        state=state,
        sink=sink_messages(),
    )


@bp.get("/mail/<int:message_id>")
def mail_message(message_id: int):
    msg = db.session.get(OutboxMessage, message_id) or abort(404)
    return render("staff/mail_message.html", message=msg)


URL = re.compile(r"https?://\S+")


def _date(header) -> datetime | None:
    try:
        return parsedate_to_datetime(str(header)) if header else None
    except (TypeError, ValueError):
        return None


def masked(text: str, *, everything: bool) -> str:
    """The sink's copy as staff may read it: the recipient's copy of a message that carries a one-time link
    (``everything``: the worker marked it) shows no links at all, and no message shows a reset link."""
    note = str(SECRET_LINK_NOTE)
    return URL.sub(lambda m: note if everything or "/reset/" in m.group() else m.group(), text)


def sink_messages(limit: int = 50) -> list[dict] | None:
    """Messages in the dev mail sink's Maildir, newest first; None when no sink is configured."""
    directory = current_app.config.get("MAIL_SINK_DIR")
    if not directory or not Path(directory).is_dir():
        return None
    files = [p for sub in ("new", "cur") for p in (Path(directory) / sub).glob("*") if p.is_file()]
    files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    items = []
    for path in files[:limit]:
        with open(path, "rb") as fh:
            msg = BytesParser(policy=policy.default).parse(fh)
        body = msg.get_body(preferencelist=("plain",))
        text = body.get_content() if body else ""
        text = masked(text, everything=bool(msg[SECRET_HEADER]))
        items.append(
            {
                "to": msg["To"],
                "subject": msg["Subject"],
                "received_at": _date(msg["Date"]) or datetime.fromtimestamp(path.stat().st_mtime, UTC),
                "text": text,
            }
        )
    return items
