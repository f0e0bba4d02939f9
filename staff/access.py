"""Role checks for the staff workspace: ``role_required(...)`` on every view.

Admins pass every check. A portal (client) session gets 403 on staff pages; an anonymous visitor
is sent to the staff login.
"""

from __future__ import annotations

import functools

from flask import abort
from flask_login import current_user, login_required

from debitor.auth.models import Role, StaffUser

ALL_STAFF = tuple(Role)


def role_required(*roles: Role):
    allowed = roles or ALL_STAFF

    def decorator(view):
        view.allowed_roles = allowed  # read by the access-matrix test and the navigation

        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            user = current_user._get_current_object()
            if not isinstance(user, StaffUser) or not user.has_role(*allowed):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def may_edit_client(client) -> bool:
    """Who may change a client, its people and its drafts. Every staff role reads every client (a colleague's
    client calls while they are away); clerks, managers and admins change any, an account manager only the
    clients they manage, directly or as their agency's manager."""
    user = current_user._get_current_object()
    if not isinstance(user, StaffUser) or client is None:
        return False
    if user.has_role(Role.CLERK, Role.MANAGER):
        return True
    managers = {client.account_manager_id, client.parent.account_manager_id if client.parent else None}
    return user.role == Role.ACCOUNT_MANAGER and user.id in managers


def editable_client(client):
    """``client`` if the signed-in user may change it: 404 when there is none, 403 when it is another's."""
    if client is None:
        abort(404)
    if not may_edit_client(client):
        abort(403)
    return client


def can(*roles: Role) -> bool:
    user = current_user._get_current_object()
    return isinstance(user, StaffUser) and user.has_role(*roles)
