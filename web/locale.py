"""The language of a request: chosen by ``?lang=``, the signed-in user, the session, then the default."""

from __future__ import annotations

from flask import has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from debitor.languages import languages


def select_locale() -> str:
    langs = languages()
    if not has_request_context():
        return langs[0]
    if request.args.get("lang") in langs:
        return request.args["lang"]
    if current_user and current_user.is_authenticated and current_user.locale in langs:
        return current_user.locale
    if session.get("lang") in langs:
        return session["lang"]
    return langs[0]


def language() -> str:
    """The language being rendered: the request's (selected once per request and kept by Flask-Babel), or the
    one a job forces for an email (``force_locale``)."""
    return str(get_locale() or "ru")
