"""EnterpriseData export for 1С:Бухгалтерия 3.0: the invoices, acts and credit notes of a period, with the
organisation, counterparties and contracts they refer to, as one message of 1C's universal exchange format.

Format version 1.8 (``http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.8``): every БП 3.0 release of the last
years loads it. Element names and their order follow the 1.8 XDTO package; its object types are
*sequenced*, so 1C rejects an element that is out of order, and the builders below write each object's
elements in the package's order. What becomes what:

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

Every object carries a ``Ссылка`` GUID derived from the organisation's INN and the object's kind and id
(uuid5), so a re-export of the same or an overlapping period gives 1C the same GUIDs and it updates its
objects instead of adding copies. Amounts are kopecks written as decimals with two places, never floats;
prices include VAT (``СуммаВключаетНДС``), as they do in Debitor.
"""

from __future__ import annotations

import io
import logging
import os
import re
import tempfile
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesNSImpl

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from debitor.clients.models import Client
from debitor.contracts.models import Contract
from debitor.dates import company_tz
from debitor.db import db, utcnow
from debitor.documents.services import act_date
from debitor.invoices.models import Invoice, InvoiceKind, InvoiceLine, InvoiceState
from debitor.orgs.models import Organisation

log = logging.getLogger(__name__)

FORMAT_VERSION = "1.8"
ED_NS = f"http://v8.1c.ru/edi/edi_stnd/EnterpriseData/{FORMAT_VERSION}"
MSG_NS = "http://www.1c.ru/SSL/Exchange/Message"
XS_NS = "http://www.w3.org/2001/XMLSchema"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

# The root of every GUID this module writes. Never change it: 1C would take every object for a new one.
GUID_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, "urn:debitor:onec:enterprise-data")

# Debitor's VAT rates (percent) → EnterpriseData's СтавкиНДС. 0 comes only from an organisation on the
# simplified tax system (VatMode.NONE, "Без НДС"); Debitor issues no 0 % (export) invoices. НДС22 (from
# 2026-01-01) and НДС5 / НДС7 (УСН payers, from 2025) exist in the БП releases that support those rates.
VAT_RATES = {
    Decimal(0): "БезНДС",
    Decimal(5): "НДС5",
    Decimal(7): "НДС7",
    Decimal(10): "НДС10",
    Decimal(18): "НДС18",
    Decimal(20): "НДС20",
    Decimal(22): "НДС22",
}
CURRENCIES = {"RUB": ("643", "руб."), "USD": ("840", "USD"), "EUR": ("978", "EUR")}  # ОКВ code, name
SERVICE_ITEM = "Услуги"  # the one Номенклатура every line refers to
SERVICE_UNIT = ("876", "усл. ед")  # ОКЕИ "условная единица": services have no physical unit
EXPORT_PREFIX = "enterprise-data"

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot carry
_CREATION_DATE = re.compile(rb"<msg:CreationDate>[^<]*</msg:CreationDate>")
_NO_ATTRS = AttributesNSImpl({}, {})


# --- values -------------------------------------------------------------------------------------------------


def money(kopecks: int) -> str:
    """Kopecks as 1C's ТипСумма: rubles with exactly two decimals (``12200000`` → ``"122000.00"``)."""
    return f"{Decimal(kopecks).scaleb(-2):.2f}"


def quantity(value: Decimal | int | str) -> str:
    """A quantity without trailing zeros (``Decimal("2.500")`` → ``"2.5"``, at most 3 decimals in 1C)."""
    return format(Decimal(value).normalize(), "f")


def datetime_1c(on: date) -> str:
    """A business date as 1C's xs:dateTime of a document (``2026-01-05T00:00:00``)."""
    return f"{on.isoformat()}T00:00:00"


def vat_rate_code(rate: Decimal | int | None) -> str:
    """The EnterpriseData СтавкаНДС of a rate in percent; ValueError for a rate 1C has no value for."""
    code = VAT_RATES.get(Decimal(rate or 0))
    if code is None:
        raise ValueError(f"no EnterpriseData VAT rate for {rate} %")
    return code


def object_guid(organisation: Organisation, kind: str, ident: object) -> str:
    """The stable ``Ссылка`` of an object: uuid5 of ``"<kind>:<id>"`` in a namespace of the organisation's INN."""
    namespace = uuid.uuid5(GUID_ROOT, f"inn:{organisation.inn}")
    return str(uuid.uuid5(namespace, f"{kind}:{ident}"))


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


# --- the message ---------------------------------------------------------------------------------------------


def _add(parent: ET.Element, name: str, text: str | None = None) -> ET.Element:
    """A child in the EnterpriseData namespace; text is cleaned of what XML cannot carry (escaping is the
    serializer's job)."""
    element = ET.SubElement(parent, f"{{{ED_NS}}}{name}")
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


def _legal_form(inn: str) -> str:
    return "ФизическоеЛицо" if len(inn) == 12 else "ЮридическоеЛицо"  # a 12-digit INN: an individual (ИП)


class _Builder:
    """Writes the objects of one message. A reference to an object is written the same way wherever it
    occurs, with the same ``Ссылка`` as the object itself."""

    def __init__(self, organisation: Organisation):
        self.org = organisation

    def guid(self, kind: str, ident: object) -> str:
        return object_guid(self.org, kind, ident)

    # references (КлючевыеСвойства*) -----------------------------------------------------------------------

    def organisation_ref(self, parent: ET.Element, name: str = "Организация") -> ET.Element:
        org = self.org
        el = _add(parent, name)
        _add(el, "Ссылка", self.guid("organisation", org.id))
        _add(el, "Наименование", org.short_name or org.name)
        _add(el, "НаименованиеСокращенное", org.short_name or org.name)
        _add(el, "НаименованиеПолное", org.name)
        _add(el, "ИНН", org.inn)
        if org.kpp:
            _add(el, "КПП", org.kpp)
        _add(el, "ЮридическоеФизическоеЛицо", _legal_form(org.inn))
        return el

    def client_ref(self, parent: ET.Element, client: Client, name: str = "Контрагент") -> ET.Element:
        el = _add(parent, name)
        _add(el, "Ссылка", self.guid("client", client.id))
        _add(el, "Наименование", client.short_name)
        _add(el, "НаименованиеПолное", client.legal_name)
        _add(el, "ИНН", client.inn)
        if client.kpp:
            _add(el, "КПП", client.kpp)
        _add(el, "ЮридическоеФизическоеЛицо", _legal_form(client.inn))
        return el

    def currency_ref(self, parent: ET.Element, currency: str, name: str = "Валюта") -> ET.Element:
        if currency not in CURRENCIES:
            raise ValueError(f"no EnterpriseData currency code for {currency!r}")
        code, title = CURRENCIES[currency]
        el = _add(parent, name)
        classifier = _add(el, "ДанныеКлассификатора")
        _add(classifier, "Код", code)
        _add(classifier, "Наименование", title)
        return el

    def contract_ref(self, parent: ET.Element, contract: Contract, name: str = "Договор") -> ET.Element:
        el = _add(parent, name)
        _add(el, "Ссылка", self.guid("contract", contract.id))
        _add(el, "ВидДоговора", "СПокупателем")
        self.organisation_ref(el)
        self.client_ref(el, contract.client)
        self.currency_ref(el, contract.client.currency, "ВалютаВзаиморасчетов")
        _add(el, "РасчетыВУсловныхЕдиницах", "false")
        _add(el, "Наименование", f"Договор № {contract.number} от {contract.signed_on:%d.%m.%Y}")
        _add(el, "Дата", contract.signed_on.isoformat())
        _add(el, "Номер", contract.number)
        return el

    def document_key(self, parent: ET.Element, kind: str, ident: int, on: date, number: str, name: str):
        el = _add(parent, name)
        _add(el, "Ссылка", self.guid(kind, ident))
        _add(el, "Дата", datetime_1c(on))
        _add(el, "Номер", number)
        self.organisation_ref(el)
        return el

    def invoice_key(self, parent: ET.Element, invoice: Invoice, name: str = "КлючевыеСвойства") -> ET.Element:
        return self.document_key(parent, "invoice", invoice.id, invoice.issued_on, invoice.number, name)

    def act_key(self, parent: ET.Element, invoice: Invoice, name: str = "КлючевыеСвойства") -> ET.Element:
        return self.document_key(parent, "act", invoice.id, act_date(invoice), invoice.number, name)

    def service_ref(self, parent: ET.Element, name: str = "Номенклатура") -> ET.Element:
        el = _add(parent, name)
        _add(el, "Ссылка", self.guid("service", 1))
        _add(el, "НаименованиеПолное", SERVICE_ITEM)
        _add(el, "Наименование", SERVICE_ITEM)
        return el

    def settlements(self, parent: ET.Element, document: Invoice) -> ET.Element:
        """ДанныеВзаиморасчетов: the contract (if any) and the settlement currency."""
        el = _add(parent, "ДанныеВзаиморасчетов")
        if document.contract is not None:
            self.contract_ref(el, document.contract)
        self.currency_ref(el, document.currency, "ВалютаВзаиморасчетов")
        if document.currency == "RUB":  # other currencies: 1C takes the rate of the document's date
            _add(el, "КурсВзаиморасчетов", "1")
            _add(el, "КратностьВзаиморасчетов", "1")
        _add(el, "РасчетыВУсловныхЕдиницах", "false")
        return el

    def bank_account(self, parent: ET.Element) -> None:
        account = self.org.primary_account
        if account is None:
            return
        el = _add(parent, "БанковскийСчетОрганизации")
        _add(el, "Ссылка", self.guid("bank_account", account.id))
        _add(el, "НомерСчета", account.account)
        bank = _add(_add(el, "Банк"), "ДанныеКлассификатораБанков")
        _add(bank, "Наименование", account.bank_name)
        _add(bank, "БИК", account.bik)
        _add(bank, "КоррСчет", account.corr_account)
        self.organisation_ref(_add(el, "Владелец"), "ОрганизацииСсылка")

    # catalogs (Справочник.*) ---------------------------------------------------------------------------------

    def organisation(self, body: ET.Element) -> None:
        el = _add(body, "Справочник.Организации")
        self.organisation_ref(el, "КлючевыеСвойства")
        if self.org.ogrn:
            _add(el, "ОГРН", self.org.ogrn)

    def service_item(self, body: ET.Element) -> None:
        el = _add(body, "Справочник.Номенклатура")
        self.service_ref(el, "КлючевыеСвойства")
        _add(el, "ТипНоменклатуры", "Услуга")
        unit = _add(_add(el, "ЕдиницаИзмерения"), "ДанныеКлассификатора")
        _add(unit, "Код", SERVICE_UNIT[0])
        _add(unit, "Наименование", SERVICE_UNIT[1])

    def client(self, body: ET.Element, client: Client) -> None:
        self.client_ref(_add(body, "Справочник.Контрагенты"), client, "КлючевыеСвойства")

    def contract(self, body: ET.Element, contract: Contract) -> None:
        el = _add(body, "Справочник.Договоры")
        self.contract_ref(el, contract, "КлючевыеСвойства")
        if contract.ends_on:
            _add(el, "СрокДействия", contract.ends_on.isoformat())
        if contract.title:
            _add(el, "Комментарий", contract.title)
        _add(el, "СрокКонтроляОплатыВДнях", str(contract.payment_terms_days))

    # documents (Документ.*) ----------------------------------------------------------------------------------

    def invoice(self, body: ET.Element, invoice: Invoice, cancelled_by: Invoice | None) -> None:
        """Документ.ЗаказКлиента (БП: счёт на оплату покупателю)."""
        el = _add(body, "Документ.ЗаказКлиента")
        self.invoice_key(el, invoice)
        self.currency_ref(el, invoice.currency)
        _add(el, "Сумма", money(invoice.total_kopecks))
        self.client_ref(el, invoice.client)
        self.settlements(el, invoice)
        _add(el, "СуммаВключаетНДС", "true")
        self.bank_account(el)
        rate = vat_rate_code(invoice.vat_rate)
        services = _add(el, "Услуги")
        for line in invoice.lines:
            row = _add(services, "Строка")
            _add(row, "НомерСтрокиДокумента", str(line.position))
            self.service_ref(_add(row, "ДанныеНоменклатуры"))
            _line_amounts(row, line, rate)
            _add(row, "Содержание", line.description)
        if cancelled_by is not None:
            note = cancelled_by
            _add(el, "Комментарий", f"Аннулирован корректировочным счётом № {note.number} от {note.issued_on:%d.%m.%Y}")
        _add(el, "НалогообложениеНДСПродавца", "НеОблагаетсяНДС" if rate == "БезНДС" else "ОблагаетсяНДС")

    def act(self, body: ET.Element, invoice: Invoice) -> None:
        """Документ.РеализацияТоваровУслуг: the act of services rendered for an invoice."""
        el = _add(body, "Документ.РеализацияТоваровУслуг")
        self.act_key(el, invoice)
        _add(el, "ВидОперации", "РеализацияКлиенту")
        self.currency_ref(el, invoice.currency)
        _add(el, "Сумма", money(invoice.total_kopecks))
        _add(el, "СуммаВключаетНДС", "true")
        self.bank_account(el)
        self.client_ref(el, invoice.client)
        self.settlements(el, invoice)
        self.invoice_key(el, invoice, "Заказ")
        _add(el, "Комментарий", f"Акт к счёту № {invoice.number} от {invoice.issued_on:%d.%m.%Y}")
        rate = vat_rate_code(invoice.vat_rate)
        _add(el, "Налогообложение", _taxation(rate))
        services = _add(el, "Услуги")
        for line in invoice.lines:
            row = _add(services, "Строка")
            _add(row, "НомерСтрокиДокумента", str(line.position))
            self.service_ref(row)
            _line_amounts(row, line, rate)
            _add(row, "Содержание", line.description)

    def correction(self, body: ET.Element, note: Invoice) -> None:
        """Документ.КорректировкаРеализацииТоваров: a credit note reversing the act of the invoice it cancels."""
        invoice = note.corrects
        el = _add(body, "Документ.КорректировкаРеализацииТоваров")
        self.document_key(el, "credit_note", note.id, note.issued_on, note.number, "КлючевыеСвойства")
        _add(el, "Комментарий", f"Корректировочный счёт № {note.number} к счёту № {invoice.number}")
        self.currency_ref(el, note.currency)
        self.client_ref(el, note.client)
        if note.contract is not None:
            self.contract_ref(el, note.contract)
        _add(el, "СуммаВключаетНДС", "true")
        for name in ("ДокументРеализации", "ИсправляемыйДокументРеализации"):
            self.act_key(_add(el, name), invoice, "РеализацияТоваровУслугСсылка")
        _add(el, "ВидОперации", "СогласованноеИзменение")
        rate = vat_rate_code(invoice.vat_rate)
        services = _add(el, "Услуги")
        for line in invoice.lines:  # the act's lines, each brought down to nothing
            _reversed_line(self, _add(services, "Строка"), line, rate)
        _add(el, "Налогообложение", _taxation(rate))


def _taxation(rate_code: str) -> str:
    return "ПродажаНеОблагаетсяНДС" if rate_code == "БезНДС" else "ПродажаОблагаетсяНДС"


def _line_amounts(row: ET.Element, line: InvoiceLine, rate_code: str) -> None:
    _add(row, "Количество", quantity(line.quantity))
    _add(row, "Сумма", money(line.amount_kopecks))
    _add(row, "Цена", money(line.unit_price_kopecks))
    _add(row, "СтавкаНДС", rate_code)
    _add(row, "СуммаНДС", money(line.vat_kopecks))


def _reversed_line(builder: _Builder, row: ET.Element, line: InvoiceLine, rate_code: str) -> None:
    """A correction line: after the change 0, before it the act's line. Both "before" columns are filled
    (…ДоИзменения is read by БП, …ДоКорректировки by УТ/КА); they agree on a first correction."""
    qty, amount, price, vat = (
        quantity(line.quantity),
        money(line.amount_kopecks),
        money(line.unit_price_kopecks),
        money(line.vat_kopecks),
    )
    _add(row, "НомерСтрокиДокумента", str(line.position))
    builder.service_ref(row)
    for name, value in (("Количество", "0"), ("КоличествоДоКорректировки", qty), ("КоличествоДоИзменения", qty)):
        _add(row, name, value)
    for name, value in (("Сумма", money(0)), ("СуммаДоИзменения", amount), ("СуммаДоКорректировки", amount)):
        _add(row, name, value)
    for name, value in (("Цена", price), ("ЦенаДоИзменения", price), ("ЦенаДоКорректировки", price)):
        _add(row, name, value)
    _add(row, "СтавкаНДС", rate_code)
    _add(row, "СтавкаНДСДоИзменения", rate_code)
    for name, value in (("СуммаНДС", money(0)), ("СуммаНДСДоИзменения", vat), ("СуммаНДСДоКорректировки", vat)):
        _add(row, name, value)
    _add(row, "Содержание", line.description)
    _add(row, "СодержаниеДоИзменения", line.description)


# --- serialization ------------------------------------------------------------------------------------------

# Namespace declarations and where they go: the envelope declares msg (and xs/xsi, as 1C writes them), the
# Body makes the EnterpriseData namespace the default, so objects are written without a prefix, as 1C does.
_DECLARATIONS = {
    "Message": (("msg", MSG_NS), ("xs", XS_NS), ("xsi", XSI_NS)),
    f"{{{ED_NS}}}Body": ((None, ED_NS),),
}


def _name(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        uri, local = tag[1:].split("}", 1)
        return uri, local
    return None, tag


def _emit(gen: XMLGenerator, element: ET.Element) -> None:
    declared = _DECLARATIONS.get(element.tag, ())
    for prefix, uri in declared:
        gen.startPrefixMapping(prefix, uri)
    name = _name(element.tag)
    gen.startElementNS(name, None, _NO_ATTRS)
    if element.text:
        gen.characters(element.text)
    for child in element:
        _emit(gen, child)
        if child.tail:
            gen.characters(child.tail)
    gen.endElementNS(name, None)
    for prefix, _uri in declared:
        gen.endPrefixMapping(prefix)


def _serialize(root: ET.Element) -> bytes:
    """UTF-8 XML with a declaration; a namespace-aware writer escapes every text and declares the namespaces."""
    ET.indent(root, space="\t")
    out = io.BytesIO()
    gen = XMLGenerator(out, encoding="UTF-8", short_empty_elements=True)
    gen.startDocument()
    _emit(gen, root)
    gen.endDocument()
    return out.getvalue() + b"\n"


def _envelope(created: datetime) -> tuple[ET.Element, ET.Element]:
    root = ET.Element("Message")
    header = ET.SubElement(root, f"{{{MSG_NS}}}Header")
    for name, text in (
        ("Format", ED_NS),
        ("CreationDate", created.strftime("%Y-%m-%dT%H:%M:%S")),
        ("AvailableVersion", FORMAT_VERSION),
    ):
        ET.SubElement(header, f"{{{MSG_NS}}}{name}").text = text
    return root, ET.SubElement(root, f"{{{ED_NS}}}Body")


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
    root, body = _envelope(local)
    build = _Builder(organisation)
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
    return _serialize(root)


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
