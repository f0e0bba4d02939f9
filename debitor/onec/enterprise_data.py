"""EnterpriseData export for 1С:Бухгалтерия 3.0: the invoices, acts and credit notes of a period, with the
organisation, counterparties and contracts they refer to, as one message of 1C's universal exchange format.

This module chooses what goes into the message of a period and writes the files of the exchange folder;
``enterprise_xml`` writes the XML (format version, element order, GUIDs, amounts). What becomes what:

* an issued invoice (paid and cancelled ones too) → ``Документ.ЗаказКлиента``. EnterpriseData has no
  object of its own for a "счёт покупателю"; БП loads ЗаказКлиента as its *Счёт на оплату покупателю*.
  A cancelled invoice stays (it was sent and keeps its number; a счёт posts nothing) and names the credit
  note that cancelled it in ``Комментарий``.
* the act (акт оказанных услуг) of an invoice → ``Документ.РеализацияТоваровУслуг`` (ВидОперации
  РеализацияКлиенту, lines in ``Услуги``), dated and numbered like the act PDF: ``act_date`` (the end of the
  service period, else the issue date) and the invoice's number. An act exists from its date on, so a
  message never carries an act dated after ``now``, and it is selected by its own date, not the invoice's.
* a credit note → ``Документ.КорректировкаРеализацииТоваров`` of that act (ВидОперации
  СогласованноеИзменение, every line from its quantity and amount "до изменения" to zero): the storno of the
  revenue, in the credit note's period, which leaves the act of the earlier period untouched. A credit note
  dated before the act date cancelled the invoice before its act came into existence: there is no act and
  nothing to reverse, so such a credit note has no 1C counterpart (the cancelled invoice keeps its comment).
* the organisation → ``Справочник.Организации``; clients → ``Справочник.Контрагенты``; contracts →
  ``Справочник.Договоры`` (ВидДоговора СПокупателем); one service item ``Справочник.Номенклатура``
  ("Услуги", ТипНоменклатуры Услуга) for every line, the line's own text going to ``Содержание``.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from debitor.clients.models import Client
from debitor.contracts.models import Contract
from debitor.dates import company_tz
from debitor.db import db, utcnow
from debitor.documents.services import act_date
from debitor.invoices.models import Invoice, InvoiceKind, InvoiceState
from debitor.onec.enterprise_xml import Builder, envelope, serialize
from debitor.orgs.models import Organisation

log = logging.getLogger(__name__)

EXPORT_PREFIX = "enterprise-data"
_CREATION_DATE = re.compile(rb"<msg:CreationDate>[^<]*</msg:CreationDate>")


# --- periods ---------------------------------------------------------------------------------------------------


def year_after(start: date) -> date:
    """The same day a year later (29 February → 1 March)."""
    try:
        return start.replace(year=start.year + 1)
    except ValueError:
        return date(start.year + 1, 3, 1)


def period_too_long(start: date, end: date) -> bool:
    """An export covers at most a year: 2026-01-01..2026-12-31 is fine, ..2027-01-01 is not."""
    return end >= year_after(start)


def month_bounds(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


# --- what a period contains ------------------------------------------------------------------------------------


@dataclass
class PeriodDocuments:
    invoices: list[Invoice]  # → ЗаказКлиента, by issue date
    acts: list[Invoice]  # the invoices whose act → РеализацияТоваровУслуг, by act date
    corrections: list[Invoice]  # credit notes → КорректировкаРеализацииТоваров, by issue date
    cancelled_by: dict[int, Invoice]  # invoice id → the credit note that cancelled it

    @property
    def clients(self) -> list[Client]:
        found = {d.client_id: d.client for d in (*self.invoices, *self.acts, *self.corrections)}
        return [found[k] for k in sorted(found)]

    @property
    def contracts(self) -> list[Contract]:
        found = {d.contract_id: d.contract for d in (*self.invoices, *self.acts, *self.corrections) if d.contract_id}
        return [found[k] for k in sorted(found)]

    @property
    def empty(self) -> bool:
        return not (self.invoices or self.acts or self.corrections)


def _issued(organisation_id: int) -> sa.Select:
    return (
        sa.select(Invoice)
        .where(Invoice.organisation_id == organisation_id, Invoice.state != InvoiceState.DRAFT)
        .options(selectinload(Invoice.lines), joinedload(Invoice.client), joinedload(Invoice.contract))
    )


def _credit_notes(organisation_id: int, invoice_ids: Iterable[int]) -> dict[int, Invoice]:
    ids = sorted(set(invoice_ids))
    if not ids:
        return {}
    q = _issued(organisation_id).where(Invoice.kind == InvoiceKind.CREDIT_NOTE, Invoice.corrects_id.in_(ids))
    notes: dict[int, Invoice] = {}
    for note in db.session.scalars(q.order_by(Invoice.issued_on, Invoice.id)):
        notes.setdefault(note.corrects_id, note)
    return notes


def act_existed(invoice: Invoice, credit_note: Invoice | None, today: date) -> bool:
    """Whether the act of an issued invoice exists for 1C by ``today``: from its date on, unless the invoice
    was cancelled before that date (a credit note dated on or after the act date reverses an existing act)."""
    on = act_date(invoice)
    if on is None or on > today:
        return False
    if invoice.state != InvoiceState.CANCELLED:
        return True
    return credit_note is not None and credit_note.issued_on >= on


def period_documents(organisation: Organisation, start: date, end: date, today: date) -> PeriodDocuments:
    """The documents of ``start``..``end`` as they stand on ``today`` (the rules are in the module docstring)."""
    org_id = organisation.id
    in_period = _issued(org_id).where(Invoice.issued_on >= start, Invoice.issued_on <= end)
    documents = list(db.session.scalars(in_period.order_by(Invoice.issued_on, Invoice.id)))
    invoices = [d for d in documents if d.kind == InvoiceKind.INVOICE]
    notes = [d for d in documents if d.kind == InvoiceKind.CREDIT_NOTE]
    act_on = sa.func.coalesce(Invoice.period_end, Invoice.issued_on)
    candidates = _issued(org_id).where(Invoice.kind == InvoiceKind.INVOICE, act_on >= start, act_on <= min(end, today))
    candidates = list(db.session.scalars(candidates.order_by(act_on, Invoice.id)))
    cancelled = (i.id for i in (*invoices, *candidates) if i.state == InvoiceState.CANCELLED)
    cancelled_by = _credit_notes(org_id, cancelled)
    acts = [i for i in candidates if act_existed(i, cancelled_by.get(i.id), today)]
    corrections = [n for n in notes if n.corrects is not None and act_existed(n.corrects, n, today)]
    return PeriodDocuments(invoices, acts, corrections, cancelled_by)


# --- public API ------------------------------------------------------------------------------------------------


def export_enterprise_data(
    organisation: Organisation, date_from: date, date_to: date, *, now: datetime | None = None
) -> bytes:
    """The EnterpriseData message (UTF-8 XML bytes) of an organisation's documents of ``date_from``..``date_to``
    as they stand at ``now`` (timezone-aware; default: the current time). Reads only; the same data and
    ``now`` give the same bytes, and only the header's CreationDate depends on ``now`` beyond the documents."""
    if date_to < date_from:
        raise ValueError("the period ends before it starts")
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(company_tz())
    docs = period_documents(organisation, date_from, date_to, local.date())
    root, body = envelope(local)
    build = Builder(organisation)
    build.organisation(body)
    if not docs.empty:
        build.service_item(body)
    for client in docs.clients:
        build.client(body, client)
    for contract in docs.contracts:
        build.contract(body, contract)
    for invoice in docs.invoices:
        build.invoice(body, invoice, docs.cancelled_by.get(invoice.id))
    for invoice in docs.acts:
        build.act(body, invoice)
    for note in docs.corrections:
        build.correction(body, note)
    return serialize(root)


def export_filename(date_from: date, date_to: date) -> str:
    return f"{EXPORT_PREFIX}-{date_from.isoformat()}-{date_to.isoformat()}.xml"


def exchange_dir(config: Mapping[str, Any] | None = None) -> Path:
    """``ONEC_EXCHANGE_DIR``, or ``<instance>/onec`` when it is empty."""
    config = current_app.config if config is None else config
    return Path(config.get("ONEC_EXCHANGE_DIR") or Path(current_app.instance_path) / "onec")


def export_to_folder(config: Mapping[str, Any] | None = None, *, now: datetime | None = None) -> list[Path]:
    """Write the previous and the current month's export of every organisation to
    ``<ONEC_EXCHANGE_DIR>/out/enterprise-data-<inn>-<YYYY-MM>.xml`` (``config`` defaults to the app's).

    Each file is replaced atomically (a temporary file in the same folder, then ``os.replace``), so 1C never
    reads half a file. A file whose content is unchanged (ignoring the header's CreationDate) is left alone,
    so running this again is harmless. Returns the paths written this time. Reads only, commits nothing."""
    out = exchange_dir(config) / "out"
    out.mkdir(parents=True, exist_ok=True)
    now = now or utcnow()
    today = now.astimezone(company_tz()).date()
    current = month_bounds(today)
    months = (month_bounds(current[0] - timedelta(days=1)), current)
    written: list[Path] = []
    for org in db.session.scalars(sa.select(Organisation).order_by(Organisation.id)):
        for first, last in months:
            path = out / f"{EXPORT_PREFIX}-{org.inn}-{first:%Y-%m}.xml"
            if write_if_changed(path, export_enterprise_data(org, first, last, now=now)):
                written.append(path)
    log.info("EnterpriseData export: %s file(s) written to %s", len(written), out)
    return written


def _comparable(content: bytes) -> bytes:
    return _CREATION_DATE.sub(b"", content, count=1)


def write_if_changed(path: Path, content: bytes) -> bool:
    """Atomically replace ``path`` with ``content`` unless it already holds the same message; True if written."""
    try:
        if _comparable(path.read_bytes()) == _comparable(content):
            return False
    except FileNotFoundError:
        pass
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True
