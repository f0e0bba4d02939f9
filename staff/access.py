"""The staff workspace's per-object rule: who may change a client (its form, people and drafts).

Who may open which staff page or send which form is not decided here but in the one access table,
``web/access_rules.py``, which a guard applies to every request before any view runs. The views
call ``editable_client`` for the finer rule that only they can check, the object in hand.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from debitor.auth.models import Role, StaffUser


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
