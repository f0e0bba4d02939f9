"""The access matrix: every route, requested as anonymous, client A, client B and each staff role.

A route that is neither public nor guarded by ``client_required`` / ``role_required`` fails the test,
so a new page cannot be added without deciding who may see it.
"""

import re
from datetime import date

import pytest
import sqlalchemy as sa

from debitor.auth.models import Role, StaffUser
from debitor.db import db
from debitor.exports.models import Export, ExportState
from debitor.outbox.services import queue_email
from debitor.payments.importing import new_statement
from tests import factories as f
from tests.conftest import csrf_token, post_form

PUBLIC = {
    "static",
    "common.health",
    "common.set_language",
    "portal.login",
    "portal.forgot",
    "portal.reset",
    "staff.login",
    "staff.forgot",
    "staff.reset",
    "portal.logout",
    "staff.logout",
}
LOGIN_REQUIRED_ANY_KIND = {"portal.password": "client", "staff.password": "staff"}


@pytest.fixture
def world(app):
    org = f.organisation()
    a, b = f.client(org, "Клиент А"), f.client(org, "Клиент Б")
    inv_a = [f.issued(org, a, lines=((1, 111_11),)) for _ in range(3)]
    inv_b = f.issued(org, b, lines=((1, 999_99),))
    draft_a = f.draft(org, a)
    users = {"client_a": f.portal_user(a, "a@client.test"), "client_b": f.portal_user(b, "b@client.test")}
    for role in Role:
        users[role.value] = f.staff(role, f"{role.value}@staff.test")
    a.account_manager_id = users["account_manager"].id  # the routes are tried on A: their manager's own client
    msg = queue_email(to=["x@client.test"], subject="s", text="t", dedupe_key="matrix")
    pay = f.payment(org, a, 5_00)
    statement = new_statement("upload", "kl_to_1c.txt", b"1CClientBankExchange\r\n")
    export = Export(created_by_id=users["clerk"].id, format="csv", params={}, as_of=date(2026, 1, 1),
                    state=ExportState.DONE, filename="invoices.csv", content=b"\xef\xbb\xbf", size=3)  # fmt: skip
    db.session.add(export)
    db.session.commit()
    return {"a": a, "b": b, "inv_a": inv_a, "inv_b": inv_b, "draft_a": draft_a, "users": users, "msg": msg,
            "payment": pay, "statement": statement, "export": export}  # fmt: skip


def login_as(app, world, who):
    c = app.test_client()
    if who == "anonymous":
        return c
    user = world["users"][who]
    url = "/staff/" if isinstance(user, StaffUser) else "/"
    r = post_form(c, url, {"email": user.email, "password": f.PASSWORD})
    assert r.status_code == 303, who
    return c


def classify(app, endpoint):
    view = app.view_functions[endpoint]
    if endpoint in PUBLIC:
        return "public", None
    if endpoint in LOGIN_REQUIRED_ANY_KIND:
        return LOGIN_REQUIRED_ANY_KIND[endpoint], None
    if getattr(view, "portal_client_only", False):
        return "client", None
    if hasattr(view, "allowed_roles"):
        return "staff", set(view.allowed_roles)
    raise AssertionError(f"route {endpoint} is not guarded: add client_required or role_required")


def get_routes(app, world):
    params = {
        "invoice_id": world["inv_a"][0].id,
        "client_id": world["a"].id,
        "message_id": world["msg"].id,
        "payment_id": world["payment"].id,
        "statement_id": world["statement"].id,
        "export_id": world["export"].id,
    }
    routes = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = rule.rule
        for name in rule.arguments:
            value = str(params.get(name, "not-a-token"))
            url = url.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
        routes.append((rule.endpoint, url))
    return routes


WHO = ["anonymous", "client_a", "client_b", *[r.value for r in Role]]


@pytest.mark.parametrize("who", WHO)
def test_every_route_for_every_role(app, world, who):
    c = login_as(app, world, who)
    checked = 0
    for endpoint, url in get_routes(app, world):
        kind, roles = classify(app, endpoint)
        response = c.get(url, buffered=True)  # streamed downloads are read inside the request
        status = response.status_code
        if kind == "public":
            assert status in (200, 302, 400), (who, url, status)
            continue
        if who == "anonymous":
            expected = 302
        elif kind == "client":
            expected = (
                403
                if who not in ("client_a", "client_b")
                else (404 if who == "client_b" and "/invoices/" in url else 200)
            )
        else:  # staff pages
            is_staff = who not in ("client_a", "client_b")
            allowed = is_staff and (who == "admin" or roles is None or Role(who) in roles)
            expected = 200 if allowed else 403
            if allowed and endpoint.startswith("staff.export_") and who not in ("clerk", "admin"):
                expected = 404  # an export is its author's (and administrators'): another's is not found
            if allowed and status == 302:  # e.g. editing an issued invoice sends you back to it
                location = response.headers["Location"]
                assert "next=" not in location and location.startswith("/staff/"), (who, url, location)
                status = 200
        assert status == expected, f"{who} GET {url} ({endpoint}): {status}, expected {expected}"
        checked += 1
    assert checked >= 15


def test_anonymous_is_sent_to_the_right_login(app, world):
    c = app.test_client()
    assert c.get("/invoices").headers["Location"].startswith("/?next=")
    assert c.get("/staff/clients").headers["Location"].startswith("/staff/?next=")


def test_client_sees_only_its_own_data(app, world):
    c = login_as(app, world, "client_a")
    listing = c.get("/invoices").get_data(as_text=True)
    shown = set(re.findall(r"/invoices/(\d+)", listing))
    assert shown == {str(i.id) for i in world["inv_a"]}  # never B's, never drafts
    home = c.get("/home").get_data(as_text=True)
    assert "333,33" in home and "999,99" not in home  # A's balance: 3 × 111,11
    assert c.get(f"/invoices/{world['inv_b'].id}").status_code == 404
    assert c.get(f"/invoices/{world['draft_a'].id}").status_code == 404


def test_forbidden_post_changes_nothing(app, world):
    c = login_as(app, world, "clerk")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser))
    r = c.post(
        "/staff/users/new",
        data={
            "csrf_token": csrf_token(c, "/staff/home"),
            "email": "new@staff.test",
            "name": "New",
            "role": "admin",
            "password": "long-enough-pass",
        },
    )
    assert r.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffUser)) == before
