"""EnterpriseData export for 1C: the message envelope and namespaces, stable GUIDs, totals and VAT rates,
escaping, credit notes as corrections of acts, acts by their own date, the folder job and the staff route."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from debitor.auth.models import Role
from debitor.contracts.models import Contract
from debitor.dates import today
from debitor.db import db
from debitor.invoices.services import add_line, cancel_with_credit_note, issue_invoice
from debitor.onec.enterprise_data import exchange_dir, export_enterprise_data, export_to_folder, period_too_long
from debitor.onec.enterprise_xml import ED_NS, MSG_NS, object_guid, vat_rate_code
from debitor.orgs.models import VatMode
from tests import factories as f
from tests.conftest import post_form

NOW = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
JAN = (date(2026, 1, 1), date(2026, 1, 31))
FEB = (date(2026, 2, 1), date(2026, 2, 28))
MONEY = re.compile(r"^-?\d+\.\d{2}$")
MONEY_TAGS = {"Сумма", "Цена", "СуммаНДС", "СуммаДоИзменения", "СуммаДоКорректировки", "ЦенаДоИзменения",
              "ЦенаДоКорректировки", "СуммаНДСДоИзменения", "СуммаНДСДоКорректировки"}  # fmt: skip


def q(*names: str) -> str:
    """An ElementTree path of EnterpriseData elements."""
    return "/".join(f"{{{ED_NS}}}{name}" for name in names)


def local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def export(org, period, now=NOW) -> ET.Element:
    return ET.fromstring(export_enterprise_data(org, *period, now=now))


def body(root: ET.Element) -> ET.Element:
    return root.find(f"{{{ED_NS}}}Body")


def objects(root: ET.Element, kind: str) -> list[ET.Element]:
    return body(root).findall(q(kind))


def guid(element: ET.Element) -> str:
    return element.findtext(q("КлючевыеСвойства", "Ссылка"))


def number(element: ET.Element) -> str:
    return element.findtext(q("КлючевыеСвойства", "Номер"))


def rows(document: ET.Element) -> list[ET.Element]:
    return document.findall(q("Услуги", "Строка"))


def amounts(document: ET.Element, tag: str) -> Decimal:
    return sum((Decimal(row.findtext(q(tag))) for row in rows(document)), Decimal(0))


# --- the message ---------------------------------------------------------------------------------------------


def test_message_envelope_namespaces_and_values(app):
    org = f.organisation()
    client = f.client(org)
    inv = f.issued(org, client, on=date(2026, 1, 5), lines=((2, 50_000_00), (Decimal("1.5"), 10_000_00)))
    content = export_enterprise_data(org, *JAN, now=NOW)

    assert content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert b'<Body xmlns="http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.8">' in content  # objects unprefixed
    root = ET.fromstring(content)
    assert root.tag == "Message"  # the envelope itself has no namespace, as 1C writes it
    header = root.find(f"{{{MSG_NS}}}Header")
    assert header.findtext(f"{{{MSG_NS}}}Format") == ED_NS == "http://v8.1c.ru/edi/edi_stnd/EnterpriseData/1.8"
    assert header.findtext(f"{{{MSG_NS}}}CreationDate") == "2026-02-10T12:00:00"
    assert header.findtext(f"{{{MSG_NS}}}AvailableVersion") == "1.8"
    assert all(el.tag.startswith(f"{{{ED_NS}}}") for el in body(root).iter())
    assert [local(el) for el in body(root)] == [
        "Справочник.Организации",
        "Справочник.Номенклатура",
        "Справочник.Контрагенты",
        "Документ.ЗаказКлиента",
        "Документ.РеализацияТоваровУслуг",
    ]

    [order] = objects(root, "Документ.ЗаказКлиента")
    assert number(order) == inv.number
    assert order.findtext(q("КлючевыеСвойства", "Дата")) == "2026-01-05T00:00:00"
    assert order.findtext(q("КлючевыеСвойства", "Организация", "ИНН")) == "7709123453"
    assert order.findtext(q("КлючевыеСвойства", "Организация", "КПП")) == "770901001"
    assert order.findtext(q("Валюта", "ДанныеКлассификатора", "Код")) == "643"
    assert order.findtext(q("Контрагент", "ИНН")) == client.inn
    assert order.findtext(q("Контрагент", "ЮридическоеФизическоеЛицо")) == "ЮридическоеЛицо"
    assert order.findtext(q("СуммаВключаетНДС")) == "true"
    assert order.findtext(q("БанковскийСчетОрганизации", "НомерСчета")) == "40702810200000012345"
    assert order.findtext(q("БанковскийСчетОрганизации", "Банк", "ДанныеКлассификатораБанков", "БИК")) == "044525225"
    assert [r.findtext(q("Количество")) for r in rows(order)] == ["2", "1.5"]
    assert [r.findtext(q("Цена")) for r in rows(order)] == ["50000.00", "10000.00"]
    assert [r.findtext(q("Сумма")) for r in rows(order)] == ["100000.00", "15000.00"]
    assert rows(order)[0].findtext(q("Содержание")) == "Контекстная реклама"
    assert rows(order)[0].findtext(q("ДанныеНоменклатуры", "Номенклатура", "Наименование")) == "Услуги"

    [act] = objects(root, "Документ.РеализацияТоваровУслуг")
    assert number(act) == inv.number
    assert act.findtext(q("КлючевыеСвойства", "Дата")) == "2026-01-05T00:00:00"  # no service period: the issue date
    assert act.findtext(q("ВидОперации")) == "РеализацияКлиенту"
    assert act.findtext(q("Заказ", "Ссылка")) == guid(order)  # the act refers to its invoice
    [item] = objects(root, "Справочник.Номенклатура")
    assert item.findtext(q("ТипНоменклатуры")) == "Услуга"
    assert rows(act)[0].findtext(q("Номенклатура", "Ссылка")) == guid(item)


def test_guids_are_valid_stable_and_distinct(app):
    org = f.organisation()
    client = f.client(org)
    early = f.issued(org, client, on=date(2026, 1, 5))
    late = f.issued(org, client, on=date(2026, 1, 20))
    first, again = export(org, JAN), export(org, JAN)
    overlapping = export(org, (date(2026, 1, 15), date(2026, 2, 15)))

    refs = [el.text for root in (first, overlapping) for el in root.iter(f"{{{ED_NS}}}Ссылка")]
    assert refs and all(str(uuid.UUID(r)) == r for r in refs)

    def top_level(root):
        return [(local(el), guid(el)) for el in body(root)]

    assert top_level(first) == top_level(again)  # the same objects, the same GUIDs
    guids = [g for _kind, g in top_level(first)]
    assert len(guids) == len(set(guids)) == 7  # organisation, service, client, 2 invoices, 2 acts
    orders = {number(el): guid(el) for el in objects(first, "Документ.ЗаказКлиента")}
    overlapping_orders = {number(el): guid(el) for el in objects(overlapping, "Документ.ЗаказКлиента")}
    assert overlapping_orders == {late.number: orders[late.number]}  # the same invoice in another period
    assert early.number not in overlapping_orders
    acts = {number(el): guid(el) for el in objects(first, "Документ.РеализацияТоваровУслуг")}
    assert acts[late.number] != orders[late.number]  # an act is its own document

    # a reference carries the GUID of the object it refers to
    [counterparty] = objects(first, "Справочник.Контрагенты")
    [organisation] = objects(first, "Справочник.Организации")
    for order in objects(first, "Документ.ЗаказКлиента"):
        assert order.findtext(q("Контрагент", "Ссылка")) == guid(counterparty)
        assert order.findtext(q("КлючевыеСвойства", "Организация", "Ссылка")) == guid(organisation)

    # GUIDs depend on the organisation's INN, the kind and the id
    other = SimpleNamespace(inn="5003123458")
    assert object_guid(org, "invoice", 1) == object_guid(SimpleNamespace(inn=org.inn), "invoice", 1)
    assert len({object_guid(org, "invoice", 1), object_guid(other, "invoice", 1), object_guid(org, "act", 1),
                object_guid(org, "invoice", 2)}) == 4  # fmt: skip


def test_line_totals_equal_document_totals_and_money_has_two_decimals(app):
    org = f.organisation()
    client = f.client(org)
    invoices = [
        f.issued(org, client, on=date(2026, 1, 5), lines=((3, 333_33), (Decimal("0.5"), 1_01), (7, 99_999_99))),
        f.issued(org, client, on=date(2026, 1, 12), lines=((1, 1_00),)),
    ]
    root = export(org, JAN)
    by_number = {inv.number: inv for inv in invoices}
    for kind in ("Документ.ЗаказКлиента", "Документ.РеализацияТоваровУслуг"):
        documents = objects(root, kind)
        assert len(documents) == 2
        for doc in documents:
            inv = by_number[number(doc)]
            assert Decimal(doc.findtext(q("Сумма"))) == amounts(doc, "Сумма") == Decimal(inv.total_kopecks) / 100
            assert amounts(doc, "СуммаНДС") == Decimal(inv.vat_kopecks) / 100
    money_values = [el.text for el in root.iter() if local(el) in MONEY_TAGS]
    assert money_values and all(MONEY.match(v) for v in money_values)


def test_vat_rates_follow_the_invoice_date(app):
    org = f.organisation()
    client = f.client(org)
    f.issued(org, client, on=date(2025, 12, 10))
    f.issued(org, client, on=date(2026, 1, 10))
    root = export(org, (date(2025, 12, 1), date(2026, 1, 31)))
    rates = [
        (doc.findtext(q("КлючевыеСвойства", "Дата"))[:7], {r.findtext(q("СтавкаНДС")) for r in rows(doc)})
        for doc in objects(root, "Документ.ЗаказКлиента")
    ]
    assert rates == [("2025-12", {"НДС20"}), ("2026-01", {"НДС22"})]
    for act in objects(root, "Документ.РеализацияТоваровУслуг"):
        assert act.findtext(q("Налогообложение")) == "ПродажаОблагаетсяНДС"


def test_without_vat(app):
    org = f.organisation(VatMode.NONE)
    f.issued(org, f.client(org), on=date(2026, 1, 10), lines=((1, 1_234_56),))
    root = export(org, JAN)
    [order] = objects(root, "Документ.ЗаказКлиента")
    [act] = objects(root, "Документ.РеализацияТоваровУслуг")
    for doc in (order, act):
        assert [(r.findtext(q("СтавкаНДС")), r.findtext(q("СуммаНДС"))) for r in rows(doc)] == [("БезНДС", "0.00")]
    assert act.findtext(q("Налогообложение")) == "ПродажаНеОблагаетсяНДС"
    assert order.findtext(q("НалогообложениеНДСПродавца")) == "НеОблагаетсяНДС"


def test_vat_rate_codes():
    assert vat_rate_code(Decimal("20.00")) == "НДС20"
    assert vat_rate_code(22) == "НДС22"
    assert vat_rate_code(Decimal("10")) == "НДС10"
    assert vat_rate_code(Decimal("0.00")) == vat_rate_code(None) == "БезНДС"
    with pytest.raises(ValueError, match="13"):
        vat_rate_code(Decimal("13"))


def test_names_are_escaped_and_round_trip(app):
    org = f.organisation()
    client = f.client(org, 'Рога & Копыта "Опт" <М>', legal_name='ООО "Рога & Копыта" <Москва>')
    inv = f.draft(org, client, lines=())
    add_line(inv, 'Баннеры "под ключ" & <медийка>\x0b', 1, 100_00)  # \x0b: not allowed in XML 1.0, dropped
    issue_invoice(inv, on=date(2026, 1, 5))
    content = export_enterprise_data(org, *JAN, now=NOW)
    assert b"&amp;" in content and b"&lt;" in content and b"&gt;" in content
    assert "Рога & Копыта" not in content.decode()
    root = ET.fromstring(content)
    [counterparty] = objects(root, "Справочник.Контрагенты")
    assert counterparty.findtext(q("КлючевыеСвойства", "Наименование")) == 'Рога & Копыта "Опт" <М>'
    assert counterparty.findtext(q("КлючевыеСвойства", "НаименованиеПолное")) == 'ООО "Рога & Копыта" <Москва>'
    [order] = objects(root, "Документ.ЗаказКлиента")
    assert rows(order)[0].findtext(q("Содержание")) == 'Баннеры "под ключ" & <медийка>'


def test_an_empty_period_is_a_valid_message_without_documents(app):
    org = f.organisation()
    f.issued(org, f.client(org), on=date(2026, 1, 5))
    root = export(org, (date(2025, 6, 1), date(2025, 6, 30)))
    assert root.find(f"{{{MSG_NS}}}Header") is not None
    assert [local(el) for el in body(root)] == ["Справочник.Организации"]
    assert not [el for el in body(root) if local(el).startswith("Документ.")]


def test_a_credit_note_reverses_the_act_of_the_invoice_it_corrects(app):
    org = f.organisation()
    client = f.client(org)
    inv = f.issued(org, client, on=date(2026, 1, 5), lines=((2, 50_000_00), (1, 22_000_00)))
    note = cancel_with_credit_note(inv, reason="Ошибка в сумме", on=date(2026, 1, 20))
    root = export(org, JAN)

    [order] = objects(root, "Документ.ЗаказКлиента")  # the cancelled invoice stays, saying what cancelled it
    assert number(order) == inv.number
    assert order.findtext(q("Комментарий")) == f"Аннулирован корректировочным счётом № {note.number} от 20.01.2026"
    [act] = objects(root, "Документ.РеализацияТоваровУслуг")  # the act existed from 05.01 until the storno
    assert number(act) == inv.number
    [correction] = objects(root, "Документ.КорректировкаРеализацииТоваров")
    assert guid(correction) == object_guid(org, "credit_note", note.id)
    assert number(correction) == note.number == "К-1"
    assert correction.findtext(q("КлючевыеСвойства", "Дата")) == "2026-01-20T00:00:00"
    assert correction.findtext(q("ВидОперации")) == "СогласованноеИзменение"
    for name in ("ДокументРеализации", "ИсправляемыйДокументРеализации"):
        corrected = correction.find(q(name, "РеализацияТоваровУслугСсылка"))
        assert corrected.findtext(q("Ссылка")) == guid(act)
        assert corrected.findtext(q("Номер")) == inv.number
        assert corrected.findtext(q("Дата")) == "2026-01-05T00:00:00"
    assert amounts(correction, "СуммаДоИзменения") == Decimal(act.findtext(q("Сумма"))) == Decimal("122000.00")
    assert amounts(correction, "СуммаНДСДоИзменения") == amounts(act, "СуммаНДС")
    assert {r.findtext(q("Количество")) for r in rows(correction)} == {"0"}
    assert {r.findtext(q("Сумма")) for r in rows(correction)} == {"0.00"}
    assert [r.findtext(q("КоличествоДоИзменения")) for r in rows(correction)] == ["2", "1"]


def test_an_invoice_cancelled_before_its_act_date_has_no_act_and_nothing_to_reverse(app):
    org = f.organisation()
    inv = f.draft(org, f.client(org), period_start=date(2026, 1, 1), period_end=date(2026, 1, 31))
    issue_invoice(inv, on=date(2026, 1, 5))
    cancel_with_credit_note(inv, reason="Кампания не состоялась", on=date(2026, 1, 10))
    root = export(org, JAN)
    assert [number(el) for el in objects(root, "Документ.ЗаказКлиента")] == [inv.number]
    assert objects(root, "Документ.РеализацияТоваровУслуг") == []
    assert objects(root, "Документ.КорректировкаРеализацииТоваров") == []


def test_acts_are_dated_by_their_period_and_not_exported_before_that_date(app):
    org = f.organisation()
    client = f.client(org)
    january = f.draft(org, client, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31))
    issue_invoice(january, on=date(2026, 2, 3))  # January's services, invoiced in February
    february = f.draft(org, client, period_start=date(2026, 2, 1), period_end=date(2026, 2, 28))
    issue_invoice(february, on=date(2026, 2, 3))

    jan = export(org, JAN)
    assert objects(jan, "Документ.ЗаказКлиента") == []
    [act] = objects(jan, "Документ.РеализацияТоваровУслуг")
    assert number(act) == january.number
    assert act.findtext(q("КлючевыеСвойства", "Дата")) == "2026-01-31T00:00:00"

    feb = export(org, FEB)  # on 10 February, February's act does not exist yet
    assert sorted(number(el) for el in objects(feb, "Документ.ЗаказКлиента")) == sorted(
        [january.number, february.number]
    )
    assert objects(feb, "Документ.РеализацияТоваровУслуг") == []
    later = export(org, FEB, now=datetime(2026, 2, 28, 9, 0, tzinfo=UTC))
    assert [number(el) for el in objects(later, "Документ.РеализацияТоваровУслуг")] == [february.number]


def test_contracts_and_counterparties(app):
    org = f.organisation()
    client = f.client(org, "ИП Петров", legal_name="ИП Петров Пётр Петрович", inn="770512345650", kpp=None)
    contract = Contract(
        client=client,
        number="РК-118",
        title='Рамочный договор "Реклама"',
        signed_on=date(2025, 3, 14),
        starts_on=date(2025, 3, 14),
        ends_on=date(2026, 12, 31),
        payment_terms_days=15,
    )
    db.session.add(contract)
    inv = f.draft(org, client)
    inv.contract = contract
    issue_invoice(inv, on=date(2026, 1, 5))
    root = export(org, JAN)

    [counterparty] = objects(root, "Справочник.Контрагенты")
    assert counterparty.findtext(q("КлючевыеСвойства", "ЮридическоеФизическоеЛицо")) == "ФизическоеЛицо"
    assert counterparty.find(q("КлючевыеСвойства", "КПП")) is None
    [agreement] = objects(root, "Справочник.Договоры")
    key = agreement.find(q("КлючевыеСвойства"))
    assert key.findtext(q("ВидДоговора")) == "СПокупателем"
    assert key.findtext(q("Номер")) == "РК-118"
    assert key.findtext(q("Дата")) == "2025-03-14"
    assert key.findtext(q("Наименование")) == "Договор № РК-118 от 14.03.2025"
    assert key.findtext(q("Организация", "ИНН")) == org.inn
    assert key.findtext(q("Контрагент", "Ссылка")) == guid(counterparty)
    assert agreement.findtext(q("СрокДействия")) == "2026-12-31"
    assert agreement.findtext(q("Комментарий")) == 'Рамочный договор "Реклама"'
    assert agreement.findtext(q("СрокКонтроляОплатыВДнях")) == "15"
    for kind in ("Документ.ЗаказКлиента", "Документ.РеализацияТоваровУслуг"):
        [doc] = objects(root, kind)
        assert doc.findtext(q("ДанныеВзаиморасчетов", "Договор", "Ссылка")) == guid(agreement)


def test_period_limits():
    assert not period_too_long(date(2026, 1, 1), date(2026, 12, 31))
    assert period_too_long(date(2026, 1, 1), date(2027, 1, 1))
    assert not period_too_long(date(2024, 2, 29), date(2025, 2, 28))
    assert period_too_long(date(2024, 2, 29), date(2025, 3, 1))


# --- the folder job --------------------------------------------------------------------------------------------


def test_export_to_folder_writes_two_months_atomically_and_only_when_changed(app, tmp_path):
    org = f.organisation()
    client = f.client(org)
    f.issued(org, client, on=date(2026, 1, 20))
    f.issued(org, client, on=date(2026, 2, 2))
    config = {"ONEC_EXCHANGE_DIR": str(tmp_path)}
    out = tmp_path / "out"
    files = [out / "enterprise-data-7709123453-2026-01.xml", out / "enterprise-data-7709123453-2026-02.xml"]

    assert export_to_folder(config, now=NOW) == files
    assert sorted(out.iterdir()) == files  # no temporary file left behind
    assert files[0].read_bytes() == export_enterprise_data(org, *JAN, now=NOW)
    assert files[1].read_bytes() == export_enterprise_data(org, *FEB, now=NOW)
    before = [p.read_bytes() for p in files]

    later = NOW + timedelta(hours=5)  # the same documents: only the creation date would differ
    assert export_to_folder(config, now=later) == []
    assert [p.read_bytes() for p in files] == before

    f.issued(org, client, on=date(2026, 2, 9))
    assert export_to_folder(config, now=later) == [files[1]]
    assert files[0].read_bytes() == before[0]
    assert b"2026-02-10T17:00:00" in files[1].read_bytes()


def test_export_to_folder_reads_the_app_config(app, tmp_path, monkeypatch):
    org = f.organisation()
    f.issued(org, f.client(org), on=date(2026, 2, 2))
    monkeypatch.setitem(app.config, "ONEC_EXCHANGE_DIR", str(tmp_path / "exchange"))
    assert [p.name for p in export_to_folder(now=NOW)] == [
        "enterprise-data-7709123453-2026-01.xml",
        "enterprise-data-7709123453-2026-02.xml",
    ]
    assert (tmp_path / "exchange" / "out").is_dir()
    assert exchange_dir({"ONEC_EXCHANGE_DIR": ""}) == Path(app.instance_path) / "onec"


# --- the staff route ---------------------------------------------------------------------------------------------


def login(app, role: Role):
    user = f.staff(role)
    db.session.commit()
    test_client = app.test_client()
    response = post_form(test_client, "/staff/", {"email": user.email, "password": f.PASSWORD})
    assert response.status_code == 303
    return test_client


def test_staff_page_and_download(app):
    org = f.organisation()
    inv = f.issued(org, f.client(org), on=date(2026, 1, 5))
    db.session.commit()
    c = login(app, Role.CLERK)

    page = c.get("/staff/onec/export")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="date_from"' in html and 'name="date_to"' in html
    assert f'value="{today().replace(day=1).isoformat()}"' in html  # the current month by default

    response = c.get("/staff/onec/export.xml?date_from=2026-01-01&date_to=2026-01-31")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    assert response.headers["Content-Disposition"] == 'attachment; filename="enterprise-data-2026-01-01-2026-01-31.xml"'
    root = ET.fromstring(response.data)
    assert [number(el) for el in objects(root, "Документ.ЗаказКлиента")] == [inv.number]

    whole_year = c.get("/staff/onec/export.xml?date_from=2026-01-01&date_to=2026-12-31")
    assert whole_year.status_code == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_from=2026-02-01&date_to=2026-01-31", "date_to"),
        ("date_from=2026-01-01&date_to=2027-01-01", "date_to"),
        ("date_from=2026-13-01&date_to=2026-01-31", "date_from"),
        ("date_from=&date_to=2026-01-31", "date_from"),
    ],
)
def test_a_bad_period_is_a_400_with_the_error_and_no_file(app, query, field):
    c = login(app, Role.MANAGER)
    response = c.get(f"/staff/onec/export.xml?{query}")
    assert response.status_code == 400
    assert "Content-Disposition" not in response.headers
    assert response.mimetype == "text/html"
    assert f'data-error-for="{field}"' in response.get_data(as_text=True)


@pytest.mark.parametrize(("role", "status"), [(Role.ACCOUNT_MANAGER, 403), (Role.ADMIN, 200), (Role.CLERK, 200)])
def test_who_may_export(app, role, status):
    f.organisation()
    c = login(app, role)
    assert c.get("/staff/onec/export").status_code == status
    assert c.get("/staff/onec/export.xml?date_from=2026-01-01&date_to=2026-01-31").status_code == status
