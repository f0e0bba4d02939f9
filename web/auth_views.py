"""Login, logout, password change and reset, shared by the portal and the staff blueprints.

Each blueprint calls ``register_auth(bp, kind, home_endpoint)``; the two faces keep separate login
pages and user tables, and a session of one kind never opens the other's pages.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from debitor.auth import services as auth
from debitor.auth.schemas import ChangePasswordInput, ForgotInput, LoginInput, NewPasswordInput
from debitor.errors import DomainError
from debitor.extensions import limiter
from debitor.timeline.services import record
from web.common import load_form, render, safe_next

KNOWN_ADDRESS_DAYS = 90


def _account() -> str:
    return (request.form.get("email") or "").strip().lower() or "-"


def _failed(response) -> bool:
    """Only a refused sign-in counts against a limit: a wrong password, a bad form or token (400)."""
    return response.status_code == 400


def _known_address_key(kind: str, account: str) -> str:
    return f"login-known/{kind}/{account}/{get_remote_address()}"


def register_auth(bp: Blueprint, kind: str, home: str, login_rule: str) -> None:
    """Sign-in limits (failures only; a good password never counts): per address, per address and
    account, and per account from anywhere. The per-account one stops a guesser with many addresses, yet
    spares the addresses this account signed in from before, so nobody can lock an owner out from their
    usual address by failing with their email elsewhere."""
    tpl = "portal" if kind == "client" else "staff"

    def usual_address() -> bool:
        return bool(limiter.enabled and limiter.storage.get(_known_address_key(kind, _account())))

    def limit(key: str, key_func=None, exempt_when=None):
        return limiter.limit(
            lambda: current_app.config[key],
            methods=["POST"],
            key_func=key_func,
            scope=f"{kind}-{key.lower()}",
            deduct_when=_failed,
            exempt_when=exempt_when,
        )

    def own(view):
        """Flask-Limiter keys a view's limits by its function's name: each face's views need their own, or
        the portal's and the staff's limits would all apply to both."""
        view.__name__ = view.__qualname__ = f"{kind}_{view.__name__}"
        return view

    @bp.route(login_rule, methods=["GET", "POST"], endpoint="login")
    @limit("LOGIN_RATE_LIMIT")
    @limit("LOGIN_ACCOUNT_RATE_LIMIT", key_func=lambda: f"{get_remote_address()}|{_account()}")
    @limit("LOGIN_ACCOUNT_ANY_ADDRESS_LIMIT", key_func=_account, exempt_when=usual_address)
    @own
    def login():
        if current_user.is_authenticated and current_user.kind == kind:
            return redirect(url_for(home))
        errors, form = {}, {}
        if request.method == "POST":
            form = {"email": request.form.get("email", "")}
            data, errors = load_form(LoginInput())
            if data:
                user = auth.authenticate(kind, data["email"], data["password"])
                if user is None:
                    errors = {"_schema": [_("Wrong email or password")]}
                else:
                    logout_user()
                    if session.get("lang") in current_app.config["LANGUAGES"]:
                        user.locale = session["lang"]  # chosen on the sign-in page: keep it
                    login_user(user, remember=data["remember"])
                    if limiter.enabled:  # with limits switched off (RATELIMIT_ENABLED) there is no storage
                        known = _known_address_key(kind, _account())
                        limiter.storage.clear(known)  # kept 90 days from the latest sign-in, not the first
                        limiter.storage.incr(known, KNOWN_ADDRESS_DAYS * 86400)
                    record(
                        "login",
                        actor=user,
                        client=getattr(user, "client_id", None),
                        data={"ip": request.remote_addr or ""},
                    )
                    return redirect(safe_next(url_for(home)), code=303)
        status = 400 if errors else 200
        return render(f"{tpl}/login.html", errors=errors, form=form, status_code=status)

    @bp.post("/logout", endpoint="logout")
    def logout():
        logout_user()
        flash(_("You have signed out."), "info")
        return redirect(url_for(f"{bp.name}.login"), code=303)

    @bp.route("/forgot", methods=["GET", "POST"], endpoint="forgot")
    @limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"], scope=f"{kind}-reset")
    @own
    def forgot():
        errors, form = {}, {}
        if request.method == "POST":
            form = {"email": request.form.get("email", "")}
            data, errors = load_form(ForgotInput())
            if data:
                auth.request_password_reset(kind, data["email"])
                flash(
                    _("If this address belongs to an account, a link to set a new password is on its way."),
                    "info",
                )
                return redirect(url_for(f"{bp.name}.login"), code=303)
        return render(f"{tpl}/forgot.html", errors=errors, form=form, status_code=400 if errors else 200)

    @bp.route("/reset/<token>", methods=["GET", "POST"], endpoint="reset")
    def reset(token: str):
        user = auth.user_for_reset_token(token)
        if user is None:
            return render(f"{tpl}/reset.html", invalid=True, errors={}, status_code=400)
        errors = {}
        if request.method == "POST":
            data, errors = load_form(NewPasswordInput())
            if data:
                auth.reset_password(user, data["password"])
                flash(_("Your password is set. Sign in with it."), "success")
                return redirect(url_for(f"{bp.name}.login"), code=303)
        first = user.last_login_at is None  # an invitation, or an account that never signed in: no "new" password
        status = 400 if errors else 200
        return render(f"{tpl}/reset.html", invalid=False, first=first, errors=errors, status_code=status)

    @bp.route("/account/password", methods=["GET", "POST"], endpoint="password")
    def password():  # the signed-in user of this face only: the access table's rule
        errors = {}
        if request.method == "POST":
            data, errors = load_form(ChangePasswordInput())
            if data:
                try:
                    auth.change_password(current_user, data["current"], data["password"])
                except DomainError as exc:
                    errors = exc.as_errors()
                else:
                    # the new session epoch: other sessions end, this one stays
                    login_user(current_user._get_current_object())
                    flash(_("Password changed. Other sessions were signed out."), "success")
                    return redirect(url_for(home), code=303)
        return render(f"{tpl}/password.html", errors=errors, status_code=400 if errors else 200)
