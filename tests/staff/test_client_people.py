"""Staff add billing contacts and invite portal users; the invitation email leads to a first sign-in."""

import re

import pytest
import sqlalchemy as sa

from debitor.auth.models import PortalUser, Role
from debitor.clients.models import BillingContact
from debitor.db import db
from tests import factories as f
from tests.conftest import post_form, run_jobs


@pytest.fixture
def setup(app):
    org = f.organisation()
    am = f.staff(Role.ACCOUNT_MANAGER, "am@staff.test")
    client = f.client(org, "Ромашка", account_manager_id=am.id)
    db.session.commit()
    c = app.test_client()
    post_form(c, "/staff/", {"email": "am@staff.test", "password": f.PASSWORD})
    return c, client


def test_invited_portal_user_sets_a_password_and_signs_in(app, smtp, setup):
    c, client = setup
    url = f"/staff/clients/{client.id}/portal-users/new"
    r = post_form(c, url, {"name": "Анна Бухгалтер", "email": "Anna@Romashka.test", "position": "Главный бухгалтер"})
    assert r.status_code == 303
    run_jobs(app)
    (mail,) = smtp.messages
    text = mail.get_body(("plain",)).get_content()
    assert mail["To"] == "anna@romashka.test" and "Ромашка" in text
    link = re.search(r"http://testserver(/reset/\S+)", text).group(1)
    portal = app.test_client()
    assert post_form(portal, link, {"password": "my-own-password", "confirm": "my-own-password"}).status_code == 303
    assert post_form(portal, "/", {"email": "anna@romashka.test", "password": "my-own-password"}).status_code == 303
    assert "Ромашка" in portal.get("/home").get_data(as_text=True)
    assert portal.get(link).status_code == 400  # used once


def test_invite_refuses_an_address_already_in_use(setup):
    c, client = setup
    r = post_form(c, f"/staff/clients/{client.id}/portal-users/new", {"name": "Дубль", "email": "am@staff.test"})
    assert r.status_code == 400 and 'data-error-for="email"' in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PortalUser)) == 0


def test_billing_contacts(setup):
    c, client = setup
    url = f"/staff/clients/{client.id}/contacts/new"
    assert post_form(c, url, {"name": "Бухгалтерия", "email": "not-an-address"}).status_code == 400
    assert post_form(c, url, {"name": "Бухгалтерия", "email": "buh@romashka.test"}).status_code == 303
    again = post_form(c, url, {"name": "Ещё раз", "email": "BUH@romashka.test"})
    assert again.status_code == 400 and 'data-error-for="email"' in again.get_data(as_text=True)
    emails = db.session.scalars(sa.select(BillingContact.email).where(BillingContact.client_id == client.id)).all()
    assert len(emails) == 2 and emails.count("buh@romashka.test") == 1  # the factory's contact + this one
