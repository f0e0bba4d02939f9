"""Authentication, users and one-time password-reset links."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import generate_password_hash

from debitor.auth.models import PortalUser, Role, StaffUser
from debitor.db import db, utcnow
from debitor.errors import DomainError
from debitor.outbox.models import SECRET_LINK
from debitor.outbox.services import queue_email, secret_link_resolver
from debitor.timeline.services import record
from debitor.urls import absolute_url

MODELS = {"staff": StaffUser, "client": PortalUser}
RESET_ENDPOINTS = {"staff": "staff.reset", "client": "portal.reset"}
_DUMMY_HASH = generate_password_hash("timing-equaliser")


def find_user(kind: str, email: str):
    model = MODELS[kind]
    return db.session.scalar(sa.select(model).where(sa.func.lower(model.email) == email.strip().lower()))


def load_user(user_id: str):
    """Flask-Login loader: ``kind:id:epoch``; an old epoch (password changed since) is refused."""
    try:
        kind, ident, epoch = user_id.split(":")
        user = db.session.get(MODELS[kind], int(ident))
    except (ValueError, KeyError):
        return None
    if user is None or user.session_epoch != int(epoch) or not user.is_active:
        return None
    return user


def authenticate(kind: str, email: str, password: str):
    """The user for these credentials, or None. Hashes even for unknown emails (no timing oracle)."""
    user = find_user(kind, email)
    if user is None:
        from werkzeug.security import check_password_hash

        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    user.last_login_at = utcnow()
    return user


def _email_in_use(email: str) -> bool:
    return any(find_user(kind, email) is not None for kind in MODELS)


def create_staff_user(data: dict, *, actor=None) -> StaffUser:
    if _email_in_use(data["email"]):
        raise DomainError(_l("A user with this email already exists"), "email")
    user = StaffUser(
        email=data["email"].lower(),
        name=data["name"],
        role=Role(data["role"]),
        locale=data.get("locale", "ru"),
    )
    user.set_password(data["password"])
    db.session.add(user)
    db.session.flush()
    record("staff_user_created", actor=actor, data={"email": user.email, "role": user.role.value})
    return user


def create_portal_user(client_id: int, data: dict, *, actor=None) -> PortalUser:
    if _email_in_use(data["email"]):
        raise DomainError(_l("A user with this email already exists"), "email")
    user = PortalUser(
        client_id=client_id,
        email=data["email"].lower(),
        name=data["name"],
        position=data.get("position", ""),
        locale=data.get("locale", "ru"),
    )
    user.set_password(data["password"])
    db.session.add(user)
    db.session.flush()
    record("portal_user_created", actor=actor, client=client_id, data={"email": user.email})
    return user


def change_password(user, current: str, new: str) -> None:
    if not user.check_password(current):
        raise DomainError(_l("The current password is wrong"), "current")
    user.set_password(new)
    record("password_changed", actor=user, client=getattr(user, "client_id", None))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _fingerprint(user) -> str:
    # Changes whenever the password does, which makes every earlier link useless: one-time links.
    return hashlib.sha256(f"{user.password_hash}:{user.session_epoch}".encode()).hexdigest()[:16]


def reset_token(user, purpose: str = "reset") -> str:
    """A link token that sets the password once: ``reset`` lives an hour, ``invite`` a week."""
    return _serializer().dumps({"k": user.kind, "id": user.id, "f": _fingerprint(user), "p": purpose})


def user_for_reset_token(token: str):
    cfg = current_app.config
    try:
        data, signed_at = _serializer().loads(token, max_age=cfg["INVITE_MAX_AGE"], return_timestamp=True)
        user = db.session.get(MODELS[data["k"]], int(data["id"]))
    except (SignatureExpired, BadSignature, KeyError, TypeError, ValueError):
        return None
    limit = cfg["INVITE_MAX_AGE"] if data.get("p") == "invite" else cfg["PASSWORD_RESET_MAX_AGE"]
    if (utcnow() - signed_at).total_seconds() > limit:
        return None
    if user is None or not user.is_active or data.get("f") != _fingerprint(user):
        return None
    return user


def _link_spec(user, purpose: str, endpoint: str) -> dict:
    """How the worker mints ``user``'s one-time link when it sends the email (see ``password_link``): the
    fingerprint of today's password, so that a link asked for before a password change is never made."""
    args = {"kind": user.kind, "user_id": user.id, "purpose": purpose, "endpoint": endpoint}
    return {"resolver": "password_link", "args": {**args, "fingerprint": _fingerprint(user)}}


@secret_link_resolver("password_link")
def password_link(*, kind: str, user_id: int, purpose: str, endpoint: str, fingerprint: str) -> str | None:
    """The link that sets ``user``'s password once; None if the user is gone, inactive or has changed the
    password since the email was asked for."""
    user = db.session.get(MODELS[kind], user_id)
    if user is None or not user.is_active or _fingerprint(user) != fingerprint:
        return None
    return absolute_url(endpoint, token=reset_token(user, purpose))


def invite_portal_user(client, data: dict, *, actor=None) -> PortalUser:
    """Create a portal user with an unusable random password and email a link to set their own."""
    user = create_portal_user(client.id, {**data, "password": secrets.token_urlsafe(32)}, actor=actor)
    with force_locale(user.locale):
        subject = _("Access to the Debitor client portal")
        text = render_template("email/portal_invite.txt", user=user, client=client, url=SECRET_LINK)
        html = render_template("email/portal_invite.html", user=user, client=client, url=SECRET_LINK)
    queue_email(
        to=[user.email],
        subject=subject,
        text=text,
        html=html,
        dedupe_key=f"invite:portal:{user.id}",
        client_id=client.id,
        secret_link=_link_spec(user, "invite", "portal.reset"),
    )
    return user


def request_password_reset(kind: str, email: str) -> bool:
    """Queue a reset link if the address belongs to an active user. Returns whether one was queued;
    callers must not tell the visitor (no account enumeration)."""
    user = find_user(kind, email)
    if user is None or not user.is_active:
        return False
    with force_locale(user.locale):
        subject = _("Password reset for Debitor")
        text = render_template("email/password_reset.txt", user=user, url=SECRET_LINK)
        html = render_template("email/password_reset.html", user=user, url=SECRET_LINK)
    queue_email(
        to=[user.email],
        subject=subject,
        text=text,
        html=html,
        dedupe_key=f"pwreset:{user.kind}:{user.id}:{secrets.token_hex(8)}",
        client_id=getattr(user, "client_id", None),
        secret_link=_link_spec(user, "reset", RESET_ENDPOINTS[kind]),
    )
    record("password_reset_requested", actor=user, client=getattr(user, "client_id", None))
    return True


def reset_password(user, new: str) -> None:
    user.set_password(new)
    record("password_reset", actor=user, client=getattr(user, "client_id", None))
