"""Staff (administrators): the working-day exceptions over the production calendar, and the key rate table."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask import flash, redirect, request
from flask_babel import gettext as _

from debitor.collection.services import set_calendar_exception, set_key_rate
from debitor.collection.workspace import calendar_exceptions, holidays_around, key_rate_rows
from debitor.dates import today
from debitor.db import db
from debitor.errors import DomainError
from staff.blueprint import bp
from web.common import render

WORKING = {"1": True, "0": False, "": None}  # the form's choice; empty: back to the production calendar


def _day(name: str) -> date:
    try:
        return date.fromisoformat(request.form.get(name, "").strip())
    except ValueError:
        raise DomainError(_("Give a date"), name) from None


def _saved(action, done: str, errors_page):
    """Run ``action`` in a savepoint: redirect with ``done``, or the page again with the field's error."""
    try:
        with db.session.begin_nested():
            action()
    except DomainError as error:
        return errors_page(error.as_errors())
    flash(done, "success")
    return redirect(request.path, code=303)


@bp.route("/collection/calendar", methods=["GET", "POST"])
def calendar():
    def page(errors=None):
        return render("staff/calendar.html", exceptions=calendar_exceptions(), holidays=holidays_around(today()),
                      errors=errors or {}, form=request.form, status_code=400 if errors else 200)  # fmt: skip

    if request.method != "POST":  # GET and HEAD
        return page()
    working = request.form.get("working", "")

    def change():
        if working not in WORKING:
            raise DomainError(_("Choose working or not"), "working")
        set_calendar_exception(_day("day"), WORKING[working], request.form.get("note", ""))

    return _saved(change, _("The calendar was changed."), page)


@bp.route("/collection/key-rates", methods=["GET", "POST"])
def key_rates():
    def page(errors=None):
        return render("staff/key_rates.html", rates=key_rate_rows(), errors=errors or {}, form=request.form,
                      status_code=400 if errors else 200)  # fmt: skip

    if request.method != "POST":  # GET and HEAD
        return page()

    def add():
        try:
            percent = Decimal(request.form.get("percent", "").strip().replace(",", "."))
        except InvalidOperation:
            raise DomainError(_("A key rate is a percentage from 0 to 100"), "percent") from None
        set_key_rate(_day("valid_from"), percent, request.form.get("note", ""))

    return _saved(add, _("The key rate was saved."), page)
