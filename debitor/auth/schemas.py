"""Auth inputs: login, password change and reset, staff and portal user creation."""

from __future__ import annotations

from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validates_schema

from debitor.auth.models import Role
from debitor.languages import languages
from debitor.schemas import N_, InputSchema, length, one_of

EMAIL_ERRORS = {"invalid": N_("Not a valid email address"), "required": N_("Enter an email address")}
PASSWORD = length(min=10, max=128)
LOCALE = one_of(languages, N_("Unknown language: %(value)s"))


class LoginInput(InputSchema):
    email = fields.Email(required=True, error_messages=EMAIL_ERRORS)
    password = fields.String(required=True, error_messages={"required": N_("Enter your password")})
    remember = fields.Boolean(load_default=False)


class ForgotInput(InputSchema):
    email = fields.Email(required=True, error_messages=EMAIL_ERRORS)


class NewPasswordInput(InputSchema):
    password = fields.String(required=True, validate=PASSWORD)
    confirm = fields.String(required=True)

    @validates_schema
    def _same(self, data, **kwargs):
        if data.get("password") != data.get("confirm"):
            raise ValidationError(_("The passwords do not match"), "confirm")


class ChangePasswordInput(NewPasswordInput):
    current = fields.String(required=True, error_messages={"required": N_("Enter your current password")})


class StaffUserInput(InputSchema):
    email = fields.Email(required=True, error_messages=EMAIL_ERRORS)
    name = fields.String(required=True, validate=length(min=2, max=200))
    role = fields.String(
        required=True,
        validate=one_of([r.value for r in Role], N_("Unknown role: %(value)s")),
    )
    locale = fields.String(load_default="ru", validate=LOCALE)
    password = fields.String(required=True, validate=PASSWORD)


class PortalUserInput(InputSchema):
    email = fields.Email(required=True, error_messages=EMAIL_ERRORS)
    name = fields.String(required=True, validate=length(min=2, max=200))
    position = fields.String(load_default="", validate=length(max=200))
    locale = fields.String(load_default="ru", validate=LOCALE)
    password = fields.String(required=True, validate=PASSWORD)


class PortalInviteInput(InputSchema):
    """A portal user invited by staff: they set their own password from the emailed link."""

    email = fields.Email(required=True, error_messages=EMAIL_ERRORS)
    name = fields.String(required=True, validate=length(min=2, max=200))
    position = fields.String(load_default="", validate=length(max=200))
    locale = fields.String(load_default="ru", validate=LOCALE)
