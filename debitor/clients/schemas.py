"""Client input (staff forms, CLI) and output per audience."""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields

from debitor.languages import languages
from debitor.money import MAX_KOPECKS, MoneyError, format_money, parse_kopecks
from debitor.schemas import N_, Id, Inn, InputSchema, Kpp, Ogrn, Whole, length, number_range, one_of

EMAIL = {"invalid": N_("Not a valid email address")}


class KopecksField(fields.Field):
    def _deserialize(self, value, attr, data, **kwargs):
        try:
            kop = parse_kopecks(value)
        except MoneyError as exc:
            raise ValidationError(_("Not an amount: %(v)s", v=value)) from exc
        if kop < 0:
            raise ValidationError(_("Must not be negative"))
        if kop > MAX_KOPECKS:
            raise ValidationError(_("At most %(max)s", max=format_money(MAX_KOPECKS, locale=str(get_locale()))))
        return kop


class ContactInput(InputSchema):
    name = fields.String(required=True, validate=length(max=200))
    email = fields.Email(required=True, error_messages=EMAIL)
    phone = fields.String(load_default="", validate=length(max=40))


class ClientInput(InputSchema):
    legal_name = fields.String(required=True, validate=length(min=2, max=300))
    short_name = fields.String(required=True, validate=length(min=2, max=160))
    inn = Inn(required=True)
    kpp = Kpp(load_default=None)
    ogrn = Ogrn(load_default=None)
    legal_address = fields.String(load_default="")
    postal_address = fields.String(load_default="")
    language = fields.String(load_default="ru", validate=one_of(languages, N_("Unknown language: %(value)s")))
    payment_terms_days = Whole(load_default=10, validate=number_range(0, 365))
    credit_limit = KopecksField(load_default=0, data_key="credit_limit")
    account_manager_id = Id(load_default=None, allow_none=True)
    parent_id = Id(load_default=None, allow_none=True)
    extra_inns = fields.List(Inn(), load_default=list)
    contact_name = fields.String(load_default=None, validate=length(max=200))
    contact_email = fields.Email(load_default=None, error_messages=EMAIL)


class ClientPortalView(Schema):
    """What a client may see of itself."""

    legal_name = fields.String()
    short_name = fields.String()
    inn = fields.String()
    kpp = fields.String()
    payment_terms_days = fields.Integer()


class ClientStaffView(ClientPortalView):
    id = fields.Integer()
    ogrn = fields.String()
    credit_limit_kopecks = fields.Integer()
    account_manager_id = fields.Integer()
    parent_id = fields.Integer()
