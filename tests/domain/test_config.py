"""Configuration: anything but development or testing is production, and production refuses weak keys
(issue 11, point 2: ``DEBITOR_ENV=Production`` started with the repository's dev key and insecure cookies)."""

import pytest

from debitor import config
from web.app import create_app

STRONG = "Zq8v2LkP0mXw7rTn4bYc9dHs1fGj6aUe"


@pytest.mark.parametrize("env", ["production", "Production", "production ", " PRODUCTION", "prod", "staging", ""])
def test_any_env_but_development_or_testing_is_production(env):
    with pytest.raises(RuntimeError, match="development key"):
        config.load({"ENV": env})  # the default key is the dev key
    cfg = config.load({"ENV": env, "SECRET_KEY": STRONG})
    assert cfg["ENV"] == "production" and cfg["SESSION_COOKIE_SECURE"] and cfg["REMEMBER_COOKIE_SECURE"]


@pytest.mark.parametrize("env", ["development", "Development ", "test", "testing"])
def test_development_and_tests_may_use_the_dev_key(env):
    cfg = config.load({"ENV": env})
    assert cfg["SECRET_KEY"] == config.INSECURE_KEY and not cfg["SESSION_COOKIE_SECURE"]


@pytest.mark.parametrize(
    ("key", "why"),
    [
        (config.INSECURE_KEY, "development key"),
        (config.INSECURE_KEY * 3, "development key"),
        ("short-but-random-7Gq", "at least 32"),
        (" " * 40, "at least 32"),
        ("\t\n" * 20, "at least 32"),
        ("a" * 64, "repeats"),
        ("abab" * 16, "repeats"),
    ],
)
def test_production_refuses_weak_keys(key, why):
    with pytest.raises(RuntimeError, match=why):
        config.load({"ENV": "production", "SECRET_KEY": key})


def test_the_environment_variable_is_read_the_same_way(monkeypatch):
    monkeypatch.setenv("DEBITOR_ENV", "Production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError):
        config.load()
    monkeypatch.setenv("SECRET_KEY", STRONG)
    assert config.load()["ENV"] == "production"


def test_production_sends_hsts_and_development_does_not(app):
    prod = create_app({"ENV": "production", "SECRET_KEY": STRONG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "max-age=" in prod.test_client().get("/healthz").headers["Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in app.test_client().get("/healthz").headers


def test_a_reset_page_sends_no_referer(client):
    assert client.get("/reset/not-a-token").headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/").headers["Referrer-Policy"] == "same-origin"


def test_behind_a_trusted_proxy_the_clients_address_is_the_forwarded_one(monkeypatch):
    from flask import request

    from web import access_rules

    behind = create_app({"ENV": "test", "TRUSTED_PROXIES": 1, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    direct = create_app({"ENV": "test", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setitem(access_rules.RULES, ("whoami", "GET"), access_rules.PUBLIC)  # else the guard refuses it
    for app in (behind, direct):
        app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr or "")
    headers = {"X-Forwarded-For": "203.0.113.9"}
    assert behind.test_client().get("/whoami", headers=headers).get_data(as_text=True) == "203.0.113.9"
    assert direct.test_client().get("/whoami", headers=headers).get_data(as_text=True) == "127.0.0.1"


def test_the_languages_are_the_configured_ones_everywhere(app, monkeypatch):
    from marshmallow import ValidationError

    from debitor.auth.schemas import LOCALE
    from debitor.languages import default_language, supported

    assert supported("en") and default_language() == "ru"
    monkeypatch.setitem(app.config, "LANGUAGES", ("ru",))  # a deployment that speaks Russian only
    assert not supported("en")
    with pytest.raises(ValidationError):
        LOCALE("en")  # the user form's language check reads the same list
    with app.test_request_context("/?lang=en"):
        from web.locale import select_locale

        assert select_locale() == "ru"
