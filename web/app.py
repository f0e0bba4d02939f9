"""Application factory."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from babel.numbers import format_decimal
from flask import Flask, render_template, request
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from debitor import config as config_mod
from debitor.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate
from debitor.logmask import MaskSecretPaths
from debitor.money import format_count, format_money
from debitor.schemas import MAX_ID
from debitor.work import finish
from web.locale import language, select_locale

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_overrides: dict | None = None) -> Flask:
    app = Flask(
        "debitor",
        root_path=str(ROOT),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_mapping(config_mod.load(config_overrides))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.url_map.converters["int"] = IdConverter
    if app.config["TRUSTED_PROXIES"]:
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.logger.addFilter(MaskSecretPaths())  # "Exception on /reset/<token>" must not keep the token
    _init_extensions(app)
    _register_blueprints(app)
    from web import access_rules

    access_rules.init_app(app)  # after the blueprints: it checks every route has an entry
    _register_template_helpers(app)
    _register_errors(app)
    _register_unit_of_work(app)
    _register_security_headers(app)
    from web.cli import register as register_cli

    register_cli(app)
    return app


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: ASCII digits within a BIGINT. A longer number, ``²`` or ``٣`` is no
    row's id: the route does not match (404) instead of overflowing the database's integer."""

    regex = r"[0-9]{1,19}"

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def _init_extensions(app: Flask) -> None:
    import debitor.models  # noqa: F401 - every table on the metadata

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(ROOT / "translations"))
    app.config.setdefault("RATELIMIT_STORAGE_URI", _limiter_storage(app))
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager.blueprint_login_views = {"staff": "staff.login", "portal": "portal.login"}
    login_manager.login_message = None

    from debitor.auth.services import load_user

    login_manager.user_loader(load_user)
    from debitor.collection.sending import drop_reason, record_drop
    from debitor.outbox.services import register_send_check

    register_send_check(drop_reason, record_drop)  # a collection letter paid before it went is not sent
    from debitor.collection.services import app_calendar
    from debitor.invoices.rules import set_calendar_source

    set_calendar_source(app_calendar)  # "overdue" everywhere counts working days, as the collection does
    from jobs.queues import init_app as init_queues

    init_queues(app)


def _limiter_storage(app: Flask) -> str:
    if app.config.get("REDIS_URL"):
        return app.config["REDIS_URL"]
    return "memory://"


def _register_blueprints(app: Flask) -> None:
    from portal.views import bp as portal_bp
    from staff.views import bp as staff_bp
    from web.common import bp as common_bp

    app.register_blueprint(common_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(staff_bp, url_prefix="/staff")


def _register_template_helpers(app: Flask) -> None:
    from debitor.labels import EVENT_LABELS, LABELS, STATE_BADGES, state_label

    def money(kopecks, currency="RUB"):
        return format_money(kopecks, currency, locale=language())

    def fdate(value: date | None, fmt=None):
        # Russian accountants read dates as 13.06.2026; English readers get "Jun 13, 2026"
        fmt = fmt or ("short" if language() == "ru" else "medium")
        return format_date(value, fmt) if value else "—"

    def fdatetime(value: datetime | None, fmt="medium"):
        return format_datetime(value, fmt) if value else "—"

    def qty(value):
        """1 500 / 3 / 2,5 — quantities without trailing zeros, grouped for the locale."""
        if value is None:
            return ""
        return format_decimal(Decimal(value).normalize(), format="#,##0.###", locale=language())

    def number(value) -> str:
        return format_count(value, language())

    def filesize(size: int | None) -> str:
        """A file's size as people read it: 812,4 КБ / 117,7 МБ (812.4 KB in English)."""
        size = size or 0
        value, unit = (size / 1024, _("KB")) if size < 1024 * 1024 else (size / (1024 * 1024), _("MB"))
        return f"{format_decimal(round(value, 1), format='#,##0.#', locale=language())}\u00a0{unit}"

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters.update(money=money, date=fdate, datetime=fdatetime, qty=qty, number=number, filesize=filesize)
    from debitor.urls import absolute_url
    from web.access_rules import allowed

    app.jinja_env.globals.update(
        absolute_url=absolute_url,
        allowed=allowed,  # a link or button shows when the access table lets the user follow it
        L=LABELS,
        EVENTS=EVENT_LABELS,
        BADGE=STATE_BADGES,
        state_label=state_label,
        current_locale=select_locale,
    )


def _register_errors(app: Flask) -> None:
    def handle(exc: HTTPException):
        code = exc.code or 500
        template = f"errors/{code}.html" if code in (403, 404, 429, 500, 400) else "errors/generic.html"
        return render_template(template, error=exc, code=code), code

    for code in (400, 403, 404, 405, 429):
        app.register_error_handler(code, handle)

    @app.errorhandler(413)
    def too_large(exc):
        from flask_babel import gettext

        mb = (app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        message = gettext("The file is too large: at most %(mb)s MB can be uploaded.", mb=mb)
        return render_template("errors/generic.html", code=413, error=None, message=message), 413

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return render_template("errors/500.html", code=500), 500


def _register_unit_of_work(app: Flask) -> None:
    """One transaction per request, committed once here: a 2xx or 3xx answer keeps what its view did; an
    error page (4xx, 5xx) or an exception leaves nothing behind. A streamed body runs after the commit and
    only reads."""

    @app.after_request
    def end_transaction(response):
        finish(commit=response.status_code < 400)
        return response

    @app.teardown_request
    def roll_back_on_exception(exc):
        if exc is not None:
            db.session.rollback()


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "font-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # A reset page's URL is its one-time link: not even the site's own assets get it as a Referer.
        reset_page = (request.endpoint or "").endswith(".reset")
        response.headers.setdefault("Referrer-Policy", "no-referrer" if reset_page else "same-origin")
        if app.config["ENV"] == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint and not request.endpoint.endswith("static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
