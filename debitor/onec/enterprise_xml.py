"""The EnterpriseData message itself: the XML of 1C's universal exchange format, object by object.

Format version 1.8 (``http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.8``): every БП 3.0 release of the last
years loads it. Element names and their order follow the 1.8 XDTO package; its object types are
*sequenced*, so 1C rejects an element that is out of order, and ``Builder`` writes each object's
elements in the package's order. Which documents go in and what becomes what is ``enterprise_data``'s.

Every object carries a ``Ссылка`` GUID derived from the organisation's INN and the object's kind and id
(uuid5), so a re-export of the same or an overlapping period gives 1C the same GUIDs and it updates its
objects instead of adding copies. Amounts are kopecks written as decimals with two places, never floats;
prices include VAT (``СуммаВключаетНДС``), as they do in Debitor.
"""

from __future__ import annotations

import io
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import XMLGenerator
from xml.sax.xmlreader import AttributesNSImpl

from debitor.clients.models import Client
from debitor.contracts.models import Contract
from debitor.documents.services import act_date
from debitor.invoices.models import Invoice, InvoiceLine
from debitor.orgs.models import Organisation

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

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 cannot carry
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


class Builder:
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


def _reversed_line(builder: Builder, row: ET.Element, line: InvoiceLine, rate_code: str) -> None:
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


def serialize(root: ET.Element) -> bytes:
    """UTF-8 XML with a declaration; a namespace-aware writer escapes every text and declares the namespaces."""
    ET.indent(root, space="\t")
    out = io.BytesIO()
    gen = XMLGenerator(out, encoding="UTF-8", short_empty_elements=True)
    gen.startDocument()
    _emit(gen, root)
    gen.endDocument()
    return out.getvalue() + b"\n"


def envelope(created: datetime) -> tuple[ET.Element, ET.Element]:
    """The message with its header (created at ``created``) and the empty Body the objects go in."""
    root = ET.Element("Message")
    header = ET.SubElement(root, f"{{{MSG_NS}}}Header")
    for name, text in (
        ("Format", ED_NS),
        ("CreationDate", created.strftime("%Y-%m-%dT%H:%M:%S")),
        ("AvailableVersion", FORMAT_VERSION),
    ):
        ET.SubElement(header, f"{{{MSG_NS}}}{name}").text = text
    return root, ET.SubElement(root, f"{{{ED_NS}}}Body")
