"""Account managers read every client and change only their own (issue 11, point 5: an account manager
could open and edit a colleague's clients). Clerks and managers change any client."""

import pytest

from debitor.auth.models import Role
from debitor.db import db
from tests import factories as f
from tests.conftest import post_form


@pytest.fixture
def book(app):
    org = f.organisation()
    mine, theirs = f.staff(Role.ACCOUNT_MANAGER, "am1@staff.test"), f.staff(Role.ACCOUNT_MANAGER, "am2@staff.test")
    f.staff(Role.CLERK, "clerk@staff.test")
    own = f.client(org, "Свой", account_manager_id=mine.id)
    agency = f.client(org, "Агентство", account_manager_id=mine.id)
    sub = f.client(org, "Субклиент", parent_id=agency.id)
    other = f.client(org, "Чужой", account_manager_id=theirs.id)
    draft = f.draft(org, other)
    db.session.commit()
    return {"own": own, "sub": sub, "other": other, "draft": draft}


def signed_in(app, email):
    c = app.test_client()
    assert post_form(c, "/staff/", {"email": email, "password": f.PASSWORD}).status_code == 303
    return c


def edit_urls(client_id):
    return [
        f"/staff/clients/{client_id}/edit",
        f"/staff/clients/{client_id}/contacts/new",
        f"/staff/clients/{client_id}/portal-users/new",
        f"/staff/invoices/new?client_id={client_id}",
    ]


def test_an_account_manager_reads_a_colleagues_client_but_cannot_change_it(app, book):
    c = signed_in(app, "am1@staff.test")
    other = book["other"]
    page = c.get(f"/staff/clients/{other.id}")
    assert page.status_code == 200 and f"/staff/clients/{other.id}/edit" not in page.get_data(as_text=True)
    for url in [*edit_urls(other.id), f"/staff/invoices/{book['draft'].id}/edit"]:
        assert c.get(url).status_code == 403, url
    r = post_form(c, f"/staff/clients/{other.id}/contacts/new", {"name": "X", "email": "x@x.test"},
                  page=f"/staff/clients/{book['own'].id}/contacts/new")  # fmt: skip
    assert r.status_code == 403
    db.session.refresh(other)
    assert "x@x.test" not in [x.email for x in other.contacts]


def test_a_draft_for_a_colleagues_client_cannot_be_slipped_into_the_form(app, book):
    c = signed_in(app, "am1@staff.test")
    data = {"client_id": book["other"].id, "lines-0-description": "Размещение рекламы", "lines-0-quantity": "1",
            "lines-0-unit": "шт", "lines-0-price": "1.00"}  # fmt: skip
    r = post_form(c, f"/staff/invoices/new?client_id={book['own'].id}", data)
    assert r.status_code == 403


def test_an_account_manager_changes_own_clients_and_an_own_agencys_sub_clients(app, book):
    c = signed_in(app, "am1@staff.test")
    for client in (book["own"], book["sub"]):
        page = c.get(f"/staff/clients/{client.id}").get_data(as_text=True)
        assert f"/staff/clients/{client.id}/edit" in page
        for url in edit_urls(client.id):
            assert c.get(url).status_code == 200, url


def test_a_clerk_changes_any_client(app, book):
    c = signed_in(app, "clerk@staff.test")
    for url in edit_urls(book["other"].id):
        assert c.get(url).status_code == 200, url
