"""Pieces both faces share: rendering with HTMX partials, form loading, language switch, health."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user
from marshmallow import Schema, ValidationError
from werkzeug.wrappers import Response

from debitor.db import db
from debitor.errors import DomainError
from debitor.extensions import htmx
from debitor.languages import supported
from debitor.schemas import error_messages, parse_id

bp = Blueprint("common", __name__)


def render(template: str, partial: str | None = None, status_code: int = 200, **ctx):
    """The partial for an HTMX request (when given), the whole page otherwise; ``Vary: HX-Request``."""
    name = partial if partial and htmx and not htmx.boosted else template
    response = make_response(render_template(name, **ctx), status_code)
    response.headers["Vary"] = "HX-Request"
    return response


def paginate(query: sa.Select) -> tuple[list, dict]:
    """One page of an ordered query (``?page=N``) and what the pager macro needs: total, page, pages."""
    size = current_app.config["PAGE_SIZE"]
    raw = request.args.get("page", "1").strip()
    if raw.isascii() and raw.isdigit() and (len(raw) > 9 or int(raw) > MAX_PAGE):
        abort(404)  # a page beyond any list's pages (an OFFSET past any BIGINT)
    page = parse_id(raw) or 1
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = list(db.session.scalars(query.offset((page - 1) * size).limit(size)))
    return rows, {"total": total, "page": page, "pages": max((total + size - 1) // size, 1)}


MAX_PAGE = 10**9


def arg_id(name: str) -> int | None:
    """An id from the query string or the form (``?client_id=…``), None when it cannot be a row's id."""
    raw = request.values.get(name)
    return parse_id(raw) if raw is not None else None


def load_form(schema: Schema, data: dict | None = None) -> tuple[dict | None, dict[str, list[str]]]:
    """Validate submitted form data with a marshmallow schema: (data, {}) or (None, errors)."""
    raw = dict(request.form.items()) if data is None else data
    raw.pop("csrf_token", None)
    try:
        return schema.load(raw), {}
    except ValidationError as err:
        return None, error_messages(err)


def form_with_rows(name: str, fields: tuple[str, ...], filled: tuple[str, ...] | None = None) -> dict:
    """The submitted form with its table of inputs named ``name-N-field`` (N from 0) as one list under
    ``name``, in order, for a schema's ``List(Nested(...))``; a row with none of the ``filled`` fields (all
    of them by default) filled in is dropped. The one way form rows are read (an invoice's lines, a
    payment's split)."""
    pattern = re.compile(rf"{re.escape(name)}-([0-9]{{1,3}})-({'|'.join(map(re.escape, fields))})")
    rows: dict[int, dict] = {}
    raw = {}
    for key, value in request.form.items():
        if m := pattern.fullmatch(key):
            rows.setdefault(int(m.group(1)), {})[m.group(2)] = value
        elif key != "csrf_token" and not key.startswith(f"{name}-"):
            raw[key] = value
    raw[name] = [row for _, row in sorted(rows.items()) if any((row.get(k) or "").strip() for k in (filled or fields))]
    return raw


def form_page(
    template: str,
    schema: Schema,
    action: Callable[[dict], Response],
    *,
    form: dict | None = None,
    raw: Callable[[], dict] | None = None,
    **ctx,
):
    """A form view. GET shows ``template`` prefilled with ``form``; POST validates with ``schema`` and
    calls ``action(data)`` (one service call that returns the redirect; the request's unit of work commits).
    Invalid input or a ``DomainError`` re-renders the form with status 400, field errors and nothing saved:
    the action runs in a savepoint, so the page renders from a session without its half-done work.

    ``raw`` turns the request into the schema's input when it is not just ``request.form``.
    """
    errors: dict[str, list[str]] = {}
    form = form or {}
    if request.method == "POST":
        submitted = raw() if raw else {k: v for k, v in request.form.items() if k != "csrf_token"}
        form = {k: v for k, v in submitted.items() if "password" not in k}  # never echo passwords
        data, errors = load_form(schema, dict(submitted))
        if data is not None:
            try:
                with db.session.begin_nested():
                    return action(data)
            except DomainError as exc:
                errors = exc.as_errors()
    return render(template, form=form, errors=errors, status_code=400 if errors else 200, **ctx)


def safe_next(default: str) -> str:
    """A same-site relative redirect target from ``next``, never an open redirect."""
    target = request.values.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc:
        return target
    return default


@bp.post("/lang")
def set_language():
    lang = request.form.get("lang")
    if supported(lang):
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
    return redirect(safe_next(url_for("portal.home")), code=303)


@bp.get("/healthz")
def health():
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}
