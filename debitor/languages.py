"""The languages Debitor speaks — UI, email and documents — from the configuration (``LANGUAGES``; the first
is the default). The one list every language check reads."""

from __future__ import annotations

from flask import current_app


def languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def default_language() -> str:
    return languages()[0]


def supported(lang: object) -> bool:
    return isinstance(lang, str) and lang in languages()
