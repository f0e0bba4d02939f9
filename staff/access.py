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


def can(*roles: Role) -> bool:
    user = current_user._get_current_object()
    return isinstance(user, StaffUser) and user.has_role(*roles)
