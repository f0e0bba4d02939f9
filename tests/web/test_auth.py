"""Logins, CSRF, rate limits, password change and the emailed one-time reset link."""

import re

import pytest

from debitor.auth.models import Role
from debitor.db import db
from tests import factories as f
from tests.conftest import post_form, run_jobs


@pytest.fixture
def people():
    org = f.organisation()
    c = f.client(org, "Ромашка")
    data = {"clerk": f.staff(Role.CLERK, "clerk@staff.test"), "client": f.portal_user(c, "acc@romashka.test")}
    db.session.commit()
    return data


def login(client, url, email, password=f.PASSWORD):
    return post_form(client, url, {"email": email, "password": password})


def test_client_and_staff_log_in_on_their_own_pages(client, people):
    r = login(client, "/", "acc@romashka.test")
    assert r.status_code == 303 and r.headers["Location"] == "/home"
    assert "Ромашка" in client.get("/home").get_data(as_text=True)
    assert client.get("/staff/home").status_code == 403  # a client session never opens staff pages
    staff = client.application.test_client()
    r = login(staff, "/staff/", "clerk@staff.test")
    assert r.headers["Location"] == "/staff/home"
    assert login(staff.application.test_client(), "/staff/", "acc@romashka.test").status_code == 400


def test_wrong_password_says_so_without_telling_which(client, people):
    r = login(client, "/", "acc@romashka.test", "wrong-password")
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and "Неверный" in body
    assert login(client, "/", "nobody@romashka.test", "wrong-password").get_data(as_text=True).count("Неверный") == 1


def test_post_without_csrf_token_is_rejected(client, people):
    r = client.post("/", data={"email": "acc@romashka.test", "password": f.PASSWORD})
    assert r.status_code == 400
    assert client.get("/home").status_code == 302  # not logged in


def test_login_is_rate_limited_per_account_and_address(client, people):
    for _ in range(5):
        assert login(client, "/", "acc@romashka.test", "wrong-password").status_code == 400
    r = login(client, "/", "acc@romashka.test")  # even the right password waits now, from this address
    assert r.status_code == 429
    assert "Слишком много" in r.get_data(as_text=True)


def from_address(app, address):
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = address
    return c


def test_good_sign_ins_never_count(app, people):
    for _ in range(12):  # more than both limits
        c = from_address(app, "198.51.100.7")
        assert login(c, "/staff/", "clerk@staff.test").status_code == 303


def test_a_stranger_failing_with_an_email_does_not_lock_its_owner_out(app, people):
    stranger = from_address(app, "203.0.113.66")
    for _ in range(5):
        assert login(stranger, "/staff/", "clerk@staff.test", "wrong-password").status_code == 400
    assert login(stranger, "/staff/", "clerk@staff.test").status_code == 429
    assert login(from_address(app, "198.51.100.7"), "/staff/", "clerk@staff.test").status_code == 303


def test_many_addresses_guessing_one_account_are_stopped_but_its_usual_address_is_not(app, people):
    assert login(from_address(app, "198.51.100.7"), "/staff/", "clerk@staff.test").status_code == 303  # usual
    for n in range(20):  # a botnet: four tries from each of five addresses, under each address's own limits
        c = from_address(app, f"203.0.113.{n // 4}")
        assert login(c, "/staff/", "clerk@staff.test", f"guess-{n}").status_code == 400
    assert login(from_address(app, "203.0.113.99"), "/staff/", "clerk@staff.test").status_code == 429
    assert login(from_address(app, "198.51.100.7"), "/staff/", "clerk@staff.test").status_code == 303
    assert login(from_address(app, "203.0.113.99"), "/staff/", "acc@romashka.test", "x").status_code == 400  # others


def test_login_is_rate_limited_per_address(client, people):
    for n in range(10):
        login(client, "/staff/", f"guess{n}@staff.test", "wrong-password")
    assert login(client, "/staff/", "clerk@staff.test").status_code == 429


def test_logout_needs_post_and_ends_session(client, people):
    login(client, "/", "acc@romashka.test")
    assert client.get("/logout").status_code == 405
    post_form(client, "/logout", {}, page="/home")
    assert client.get("/home").status_code == 302


def test_password_change_ends_other_sessions(client, app, people):
    other = app.test_client()
    login(client, "/", "acc@romashka.test")
    login(other, "/", "acc@romashka.test")
    r = post_form(
        client,
        "/account/password",
        {"current": "nope-nope-nope", "password": "new-password-123", "confirm": "new-password-123"},
    )
    assert r.status_code == 400 and 'data-error-for="current"' in r.get_data(as_text=True)
    r = post_form(
        client,
        "/account/password",
        {"current": f.PASSWORD, "password": "new-password-123", "confirm": "new-password-123"},
    )
    assert r.status_code == 303
    assert client.get("/home").status_code == 200
    assert other.get("/home").status_code == 302


def test_forgot_password_email_link_works_once(client, app, smtp, people):
    r = post_form(client, "/staff/forgot", {"email": "clerk@staff.test"})
    assert r.status_code == 303
    assert run_jobs(app) == 1
    (message,) = smtp.messages
    assert message["To"] == "clerk@staff.test"
    link = re.search(r"http://testserver(/staff/reset/\S+)", message.get_body(("plain",)).get_content()).group(1)
    r = post_form(client, link, {"password": "brand-new-pass-1", "confirm": "brand-new-pass-1"})
    assert r.status_code == 303
    assert login(app.test_client(), "/staff/", "clerk@staff.test", "brand-new-pass-1").status_code == 303
    again = client.get(link)
    assert again.status_code == 400 and "недействительна" in again.get_data(as_text=True)


def test_forgot_password_does_not_reveal_accounts(client, app, smtp, people):
    known = post_form(client, "/forgot", {"email": "acc@romashka.test"})
    unknown = post_form(client, "/forgot", {"email": "stranger@romashka.test"})
    assert known.status_code == unknown.status_code == 303
    run_jobs(app)
    assert [m["To"] for m in smtp.messages] == ["acc@romashka.test"]


def test_open_redirect_is_refused(client, people):
    token_page = client.get("/")
    assert token_page.status_code == 200
    r = post_form(client, "/?next=https://evil.example/", {"email": "acc@romashka.test", "password": f.PASSWORD})
    assert r.headers["Location"] == "/home"


@pytest.mark.parametrize(
    ("page", "other", "label"), [("/", "/staff/", "Вход для сотрудников"), ("/staff/", "/", "Личный кабинет клиента")]
)
def test_each_sign_in_page_links_to_the_other_as_a_link_not_as_text(client, page, other, label):
    body = client.get(page).get_data(as_text=True)
    assert f'href="{other}" data-testid="other-sign-in">{label}</a>' in body
    assert "&lt;a" not in body  # no markup printed as text (issue 12, point 7)


def test_signing_in_works_with_rate_limits_switched_off(client, people, monkeypatch):
    from debitor.extensions import limiter

    monkeypatch.setattr(limiter, "enabled", False)  # RATELIMIT_ENABLED = False (the table's bench does it):
    monkeypatch.setattr(limiter, "_storage", None)  # Flask-Limiter then makes no storage
    assert login(client, "/staff/", "clerk@staff.test").status_code == 303
