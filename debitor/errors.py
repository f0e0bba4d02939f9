"""Domain errors that views turn into messages and form errors."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the business was broken; ``field`` names the input that caused it, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field

    def as_errors(self) -> dict[str, list[str]]:
        return {self.field or "_schema": [str(self.message)]}
