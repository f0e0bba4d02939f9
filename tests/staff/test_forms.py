"""Bad input gets a clear error on the field that caused it, and nothing is saved."""

import re

import pytest
import sqlalchemy as sa

from debitor.auth.models import Role, StaffUser
from debitor.clients.models import Client, ClientInn
from debitor.db import db
from tests import factories as f
from tests.conftest import post_form


@pytest.fixture
def staff_client(app):
    org = f.organisation()
    f.client(org, "Существующий", inn="7709123453")
    f.staff(Role.ADMIN, "admin@staff.test")
    db.session.commit()
    c = app.test_client()
    assert post_form(c, "/staff/", {"email": "admin@staff.test", "password": f.PASSWORD}).status_code == 303
    return c


GOOD = {
    "legal_name": "ООО «Новый клиент»",
    "short_name": "Новый клиент",
    "inn": "5003123458",
    "kpp": "500301001",
    "payment_terms_days": "14",
    "credit_limit": "100 000,00",
    "language": "ru",
    "contact_name": "Бухгалтерия",
    "contact_email": "buh@new.test",
}


def count(model):
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def field_errors(body: str) -> dict[str, str]:
    return dict(re.findall(r'data-error-for="([^"]+)">([^<]+)<', body))


def test_valid_client_is_created(staff_client):
    r = post_form(staff_client, "/staff/clients/new", GOOD)
    assert r.status_code == 303
    client = db.session.scalar(sa.select(Client).where(Client.inn == "5003123458"))
    assert client.credit_limit_kopecks == 100_000_00 and client.contacts[0].email == "buh@new.test"


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"inn": "5003123459"}, "inn", "контрольн"),
        ({"inn": "500312345"}, "inn", "10 или 12"),
        ({"inn": "7709123453"}, "inn", "Существующий"),
        ({"contact_email": "buh@@new"}, "contact_email", "адрес"),
        ({"kpp": "5003"}, "kpp", "КПП"),
        ({"payment_terms_days": "400"}, "payment_terms_days", "365"),
        ({"credit_limit": "много"}, "credit_limit", "много"),
        ({"legal_name": ""}, "legal_name", "Обязательное"),
        ({"extra_inns": "7709123453"}, "extra_inns", "Существующий"),
        ({"extra_inns": "1234567890"}, "extra_inns.0", "контрольн"),
    ],
)
def test_bad_client_input_names_the_field_and_saves_nothing(staff_client, change, field, text):
    before = count(Client), count(ClientInn)
    r = post_form(staff_client, "/staff/clients/new", {**GOOD, **change})
    body = r.get_data(as_text=True)
    assert r.status_code == 400
    errors = field_errors(body)
    assert field in errors, errors
    assert text.lower() in errors[field].lower(), errors[field]
    assert (count(Client), count(ClientInn)) == before
    assert 'value="Новый клиент"' in body or field == "short_name"  # what was typed is kept


@pytest.mark.parametrize(
    ("change", "field", "text"),
    [
        ({"role": "superuser"}, "role", "superuser"),
        ({"email": "not-an-email"}, "email", "адрес"),
        ({"password": "short"}, "password", "10"),
        ({"email": "admin@staff.test"}, "email", "уже"),
    ],
)
def test_bad_staff_user_input(staff_client, change, field, text):
    good = {
        "name": "Новый Сотрудник",
        "email": "new@staff.test",
        "role": "clerk",
        "locale": "ru",
        "password": "long-enough-password",
    }
    before = count(StaffUser)
    r = post_form(staff_client, "/staff/users/new", {**good, **change})
    assert r.status_code == 400
    errors = field_errors(r.get_data(as_text=True))
    assert text.lower() in errors.get(field, "").lower(), errors
    assert count(StaffUser) == before
    assert post_form(staff_client, "/staff/users/new", good).status_code == 303
    assert count(StaffUser) == before + 1
