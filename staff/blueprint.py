"""The staff blueprint, on which every staff module registers its routes (``staff.views`` imports them all)."""

from __future__ import annotations

from flask import Blueprint

from staff.access import may_edit_client
from web.auth_views import register_auth

bp = Blueprint("staff", __name__)
register_auth(bp, "staff", "staff.home", "/")


@bp.app_context_processor
def staff_helpers():
    return {"may_edit_client": may_edit_client}
