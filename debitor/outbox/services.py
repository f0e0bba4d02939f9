"""Queue outgoing email in the caller's transaction; deliver after commit, once.

``queue_email`` adds an ``OutboxMessage`` keyed by ``dedupe_key`` (the same key twice is one message)
and remembers its id on the session; after the transaction commits the id is enqueued for the
worker. If Redis is unreachable at that moment the periodic sweep delivers it later, so nothing is
lost; ``deliver`` locks the row and skips messages already sent, so nothing is sent twice.
"""

from __future__ import annotations

import html as html_lib
import logging
import smtplib
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate

import sqlalchemy as sa
from flask import current_app

from debitor.db import db, utcnow
from debitor.outbox.models import SECRET_LINK, OutboxMessage, OutboxState
from debitor.states import transition

log = logging.getLogger(__name__)
PENDING_KEY = "debitor_outbox_pending"
SECRET_HEADER = "X-Debitor-Secret-Link"  # marks a delivered message that carries one (the dev sink masks it)
_resolvers: dict[str, Callable[..., str | None]] = {}
# Asked before each send: ``check(message_id)`` says why the message must not go any more (or None), and
# ``dropped(message_id, reason)`` records it on the sender's side (collection letters: debitor.collection.sending)
_send_checks: list[tuple[Callable[[int], str | None], Callable[[int, str], None]]] = []


LINK_WITHDRAWN = "The one-time link is no longer valid; not sent."  # shown translated (OutboxMessage.error_text)


class LinkWithdrawn(Exception):
    """The one-time link can no longer be made (the user is gone, inactive or changed the password)."""


def secret_link_resolver(name: str):
    """Register ``func(**args) -> url | None`` as the way to mint the links of ``secret_link={"resolver":
    name, "args": {...}}``; None means the link is withdrawn and the message is not sent."""

    def register(func):
        _resolvers[name] = func
        return func

    return register


def register_send_check(check: Callable[[int], str | None], dropped: Callable[[int, str], None]) -> None:
    """Have ``deliver`` ask ``check`` before it sends; a reason drops the message and tells ``dropped``."""
    if (check, dropped) not in _send_checks:
        _send_checks.append((check, dropped))


def queue_email(
    *,
    to: list[str],
    subject: str,
    text: str,
    html: str = "",
    dedupe_key: str,
    client_id: int | None = None,
    invoice_id: int | None = None,
    attachments: list[str] | None = None,
    secret_link: dict | None = None,
) -> OutboxMessage:
    """``secret_link`` ({"resolver", "args"}) when ``text`` (and ``html``) carry SECRET_LINK in place of
    a one-time link."""
    existing = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key))
    if existing is not None:
        return existing
    if not to:
        raise ValueError("an email needs at least one recipient")
    if secret_link is not None and (secret_link["resolver"] not in _resolvers or SECRET_LINK not in text):
        raise ValueError("a secret link needs a registered resolver and its place in the text")
    msg = OutboxMessage(
        kind="email",
        dedupe_key=dedupe_key,
        recipients=", ".join(to),
        subject=subject,
        body_text=text,
        body_html=html,
        client_id=client_id,
        invoice_id=invoice_id,
        next_attempt_at=utcnow(),
        attachments=list(attachments or []),
        secret_link=secret_link,
    )
    db.session.add(msg)
    db.session.flush()
    db.session.info.setdefault(PENDING_KEY, []).append(msg.id)
    return msg


def build_message(msg: OutboxMessage) -> EmailMessage:
    cfg = current_app.config
    email = EmailMessage()
    email["From"] = cfg["MAIL_FROM"]
    email["To"] = msg.recipients
    email["Subject"] = msg.subject
    email["Date"] = formatdate(msg.created_at.timestamp(), usegmt=True)
    domain = cfg["MAIL_FROM"].rsplit("@", 1)[-1].strip("> ")
    # A stable Message-ID: if a crash ever made us retry after a send, receivers can drop the copy.
    email["Message-ID"] = f"<outbox-{msg.id}-{msg.dedupe_key.replace(':', '.')[:60]}@{domain}>"
    email["X-Debitor-Outbox-Id"] = str(msg.id)
    text, html = msg.body_text, msg.body_html
    if msg.secret_link:
        url = _resolvers[msg.secret_link["resolver"]](**msg.secret_link["args"])
        if url is None:
            raise LinkWithdrawn
        email[SECRET_HEADER] = "yes"
        text, html = text.replace(SECRET_LINK, url), html.replace(SECRET_LINK, html_lib.escape(url))
    email.set_content(text)
    if html:
        email.add_alternative(html, subtype="html")
    if msg.attachments:
        from debitor.documents.services import resolve_attachment

        for spec in msg.attachments:
            filename, content = resolve_attachment(spec)
            email.add_attachment(content, maintype="application", subtype="pdf", filename=filename)
    return email


def smtp_send(email: EmailMessage) -> None:
    cfg = current_app.config
    cls = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    with cls(cfg["MAIL_HOST"], int(cfg["MAIL_PORT"]), timeout=cfg["MAIL_TIMEOUT"]) as smtp:
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(email)


def deliver(message_id: int) -> str:
    """Send one outbox message if it is still pending. Returns the resulting state.

    The row is locked (FOR UPDATE on PostgreSQL) until the caller's transaction ends, so two workers cannot
    both send it; the job commits the outcome (``jobs.tasks``).
    """
    msg = db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update())
    if msg is None:
        return "missing"
    if msg.state != OutboxState.PENDING or (msg.next_attempt_at and msg.next_attempt_at > utcnow()):
        return msg.state.value  # not yet: the sweep delivers it when it is due (a letter's sending hours)
    for check, dropped in _send_checks:
        reason = check(msg.id)
        if reason:
            msg.last_error = reason
            transition(msg, OutboxState.DROPPED, event="email_dropped", invoice=msg.invoice_id, data=_about(msg))
            dropped(msg.id, reason)
            return msg.state.value
    msg.attempts += 1
    try:
        smtp_send(build_message(msg))
    except LinkWithdrawn:
        msg.last_error = LINK_WITHDRAWN
        transition(msg, OutboxState.FAILED, event="email_failed", invoice=msg.invoice_id, data=_about(msg))
        return msg.state.value
    except (OSError, smtplib.SMTPException) as exc:
        msg.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if msg.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            transition(msg, OutboxState.FAILED, event="email_failed", invoice=msg.invoice_id, data=_about(msg))
        else:
            msg.next_attempt_at = utcnow() + timedelta(seconds=30 * 2 ** (msg.attempts - 1))
        log.warning("outbox %s: attempt %s failed: %s", msg.id, msg.attempts, msg.last_error)
        return msg.state.value
    msg.sent_at = utcnow()
    msg.last_error = ""
    transition(msg, OutboxState.SENT, event="email_sent", invoice=msg.invoice_id, data=_about(msg))
    return msg.state.value


def _about(msg: OutboxMessage) -> dict:
    about = {"subject": msg.subject, "to": msg.recipients}
    return {**about, "error": msg.last_error} if msg.last_error else about


def due_message_ids(limit: int = 500) -> list[int]:
    """Pending messages whose next attempt is due (the sweep's work list)."""
    q = (
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.next_attempt_at <= utcnow())
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(db.session.scalars(q))


__all__ = ["SECRET_LINK", "queue_email", "deliver", "due_message_ids", "register_send_check", "secret_link_resolver"]
