"""Staff: the EnterpriseData export for 1С:Бухгалтерия — a period form and the XML download of that period."""

from __future__ import annotations

from flask import Response, abort, request
from flask_babel import gettext
from marshmallow import ValidationError, validates_schema

from debitor.dates import today
from debitor.onec.enterprise_data import export_enterprise_data, export_filename, month_bounds, period_too_long
from debitor.orgs.services import default_organisation
from debitor.schemas import Day, QuerySchema, error_messages
from staff.blueprint import bp
from web.common import render


class PeriodInput(QuerySchema):
    """A period of days for an export or a report: both dates, in order, at most a year apart."""

    date_from = Day(required=True)
    date_to = Day(required=True)

    @validates_schema
    def _period(self, data, **kwargs):
        start, end = data.get("date_from"), data.get("date_to")
        if start is None or end is None:
            return
        if end < start:
            raise ValidationError(gettext("The period ends before it starts"), "date_to")
        if period_too_long(start, end):
            raise ValidationError(gettext("The period can be at most a year long"), "date_to")


def _form() -> dict[str, str]:
    """The query string over the default period, the current month."""
    first, last = month_bounds(today())
    return {"date_from": first.isoformat(), "date_to": last.isoformat(), **request.args.to_dict()}


def _page(form: dict[str, str], errors: dict[str, list[str]] | None = None):
    return render("staff/onec_export.html", form=form, errors=errors or {}, status_code=400 if errors else 200)


@bp.get("/onec/export")
def onec_export():
    return _page(_form())


@bp.get("/onec/export.xml")
def onec_export_xml():
    """The EnterpriseData XML of ``date_from``..``date_to`` as an attachment; the form with the errors (400)
    for a bad period."""
    form = _form()
    try:
        period = PeriodInput().load(form)
    except ValidationError as err:
        return _page(form, error_messages(err))
    try:
        organisation = default_organisation()
    except LookupError:
        abort(404)
    content = export_enterprise_data(organisation, period["date_from"], period["date_to"])
    name = export_filename(period["date_from"], period["date_to"])
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(content, mimetype="application/xml", headers=headers)
