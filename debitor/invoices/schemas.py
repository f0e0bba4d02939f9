"""Invoice input (the staff draft editor) and per-audience output."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validates_schema

from debitor.clients.schemas import KopecksField
from debitor.money import MAX_KOPECKS
from debitor.schemas import N_, Day, Id, InputSchema, length

MAX_QUANTITY = Decimal(10**12)  # a trillion units (impressions): what a line's NUMERIC(18, 3) holds, with room


class QuantityField(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        try:
            qty = Decimal(str(value).replace(",", ".").replace(" ", "").replace("\u00a0", ""))
        except InvalidOperation as exc:
            raise ValidationError(_("Not a number: %(v)s", v=value)) from exc
        if not qty.is_finite() or qty <= 0:
            raise ValidationError(_("Quantity must be greater than zero"))
        if qty.as_tuple().exponent < -3:
            raise ValidationError(_("At most three decimals"))
        if qty > MAX_QUANTITY:
            raise ValidationError(_("At most %(max)s", max=f"{MAX_QUANTITY:,}".replace(",", " ")))
        return qty


class LineInput(InputSchema):
    description = fields.String(required=True, validate=length(min=2, max=500))
    quantity = QuantityField(required=True)
    unit = fields.String(load_default="усл.", validate=length(min=1, max=20))
    price = KopecksField(required=True)


class DraftInput(InputSchema):
    client_id = Id(required=True, error_messages={"required": N_("Choose a client")})
    contract_id = Id(load_default=None, allow_none=True)
    period_start = Day(load_default=None, allow_none=True)
    period_end = Day(load_default=None, allow_none=True)
    lines = fields.List(fields.Nested(LineInput), required=True)

    @validates_schema
    def _check(self, data, **kwargs):
        if not data.get("lines"):
            raise ValidationError(_("An invoice needs at least one line"), "lines")
        total = 0
        for n, line in enumerate(data["lines"]):
            amount = line["quantity"] * line["price"]
            total += amount
            if amount > MAX_KOPECKS or total > MAX_KOPECKS:
                message = _("The amount is too large for an invoice (at most 10 trillion)")
                raise ValidationError({"lines": {n: {"price": [message]}}})
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            raise ValidationError(_("The period ends before it starts"), "period_end")


class InvoicePortalView(Schema):
    """What a client may see of an invoice (never internal notes or draft content)."""

    id = fields.Integer()
    number = fields.String()
    state = fields.String(attribute="state.value")
    issued_on = fields.Date()
    due_on = fields.Date()
    total_kopecks = fields.Integer()
    paid_kopecks = fields.Integer()
    outstanding_kopecks = fields.Integer()
    currency = fields.String()
