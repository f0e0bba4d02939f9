"""Shared marshmallow pieces: Russian identifier fields and a base schema that strips whitespace."""

from __future__ import annotations

import re

from flask_babel import gettext
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load

from debitor import identifiers


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated when errors are shown (``error_messages``)."""
    return message


# marshmallow's own messages, so that the catalogue carries their translations
BUILTIN = [
    N_("Missing data for required field."),
    N_("Not a valid integer."),
    N_("Not a valid email address."),
    N_("Not a valid string."),
    N_("Unknown field."),
    N_("Invalid input type."),
    N_("Not a valid list."),
    N_("Field may not be null."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
]


MAX_ID = 2**63 - 1  # what a BIGINT key holds: a bigger id in a path, a query or a form is no row's


def parse_id(text) -> int | None:
    """An id from a URL or a form: ASCII digits within a BIGINT, else None (``²``, ``٣``, 20 digits)."""
    text = str(text).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


WHOLE = re.compile(r"[-+]?[0-9]{1,40}")


class Whole(fields.Integer):
    """A whole number as a form or a JSON body gives it: ASCII digits only (``int()`` would take ``٣``),
    never a bool or a float. Give it a ``number_range``: that names the limits of a number too big."""

    default_error_messages = {"invalid": N_("Not a valid integer.")}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.make_error("invalid")
        if isinstance(value, str) and not WHOLE.fullmatch(value.strip()):
            raise self.make_error("invalid")
        return int(value)


class Id(fields.Integer):
    """A row's id in a query string or a form: a field error for anything that cannot be one."""

    def __init__(self, **kwargs):
        super().__init__(strict=False, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        found = parse_id(value) if isinstance(value, str | int) and not isinstance(value, bool) else None
        if found is None:
            raise ValidationError(gettext("Not a valid id: %(value)s", value=str(value)[:30]))
        return found


def one_of(values, message: str):
    """Like ``validate.OneOf`` but with a translatable message naming the bad value; ``values`` may be a
    function that gives them when a value is checked (e.g. the configured languages)."""

    def check(value):
        if value not in (values() if callable(values) else values):
            raise ValidationError(gettext(message, value=value))

    return check


def number_range(min: int, max: int):  # noqa: A002
    def check(value):
        if not min <= value <= max:
            raise ValidationError(gettext("Must be from %(min)s to %(max)s", min=min, max=max))

    return check


def length(min: int = 0, max: int | None = None):  # noqa: A002 - mirrors validate.Length
    def check(value):
        if len(value) < min or (max is not None and len(value) > max):
            if max is None:
                raise ValidationError(gettext("At least %(min)s characters", min=min))
            raise ValidationError(gettext("From %(min)s to %(max)s characters", min=min, max=max))

    return check


class InputSchema(Schema):
    """Strips surrounding whitespace and turns empty strings into missing values."""

    @pre_load
    def _strip(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        out = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = value.strip()
                if value == "":
                    continue
            out[key] = value
        return out


class QuerySchema(InputSchema):
    """A page's query string: parameters it does not know (``utm_source``, a mail client's, htmx's) are
    ignored, so that any link to a page opens it."""

    class Meta:
        unknown = EXCLUDE


DAY_YEARS = (1900, 2999)  # what a business date in a form or a link can be
RU_DATE = re.compile(r"([0-9]{2})\.([0-9]{2})\.([0-9]{4})")


class Day(fields.Date):
    """A date as a date input (2026-12-31) or a person (31.12.2026) writes it."""

    default_error_messages = {"invalid": N_("Not a valid date: use DD.MM.YYYY or YYYY-MM-DD")}

    def _deserialize(self, value, attr, data, **kwargs):
        found = RU_DATE.fullmatch(value.strip()) if isinstance(value, str) else None
        if found:
            value = f"{found.group(3)}-{found.group(2)}-{found.group(1)}"
        day = super()._deserialize(value, attr, data, **kwargs)
        if not DAY_YEARS[0] <= day.year <= DAY_YEARS[1]:  # 9999-12-31 + a day, or a year after it, is no date
            raise ValidationError(gettext("A date from %(min)s to %(max)s", min=DAY_YEARS[0], max=DAY_YEARS[1]))
        return day


def _checked(check):
    class Field(fields.String):
        def _deserialize(self, value, attr, data, **kwargs):
            value = super()._deserialize(value, attr, data, **kwargs)
            try:
                return check(value)
            except identifiers.IdentifierError as exc:
                raise ValidationError(str(exc)) from exc

    return Field


Inn = _checked(identifiers.validate_inn)
Kpp = _checked(identifiers.validate_kpp)
Ogrn = _checked(identifiers.validate_ogrn)
Bik = _checked(identifiers.validate_bik)


def error_messages(err: ValidationError) -> dict[str, list[str]]:
    """Flatten marshmallow's nested messages into field -> list of strings."""
    out: dict[str, list[str]] = {}
    for key, value in (err.messages if isinstance(err.messages, dict) else {"_schema": err.messages}).items():
        if isinstance(value, dict):
            for sub, msgs in error_messages(ValidationError(value)).items():
                out[f"{key}.{sub}"] = msgs
        else:
            out[key] = [gettext(str(v)) for v in (value if isinstance(value, list) else [value])]
    return out
