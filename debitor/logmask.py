"""One-time links out of logs: a password reset or invitation opens ``/reset/<token>``, and whatever logs a
request's path (gunicorn's access log, Flask's "Exception on …", a Referer) would otherwise keep the token."""

from __future__ import annotations

import logging
import re

SECRET_PATH = re.compile(r"(/reset/)[^/?#\s\"']+")


def masked(text: str) -> str:
    return SECRET_PATH.sub(r"\1…", text)


class MaskSecretPaths(logging.Filter):
    """Masks reset tokens in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = masked(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(masked(a) if isinstance(a, str) else a for a in record.args)
        return True
