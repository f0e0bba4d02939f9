"""PDF documents: amounts in words, the GOST payment QR payload, the restrictive URL fetcher, what the
invoice / act / statement PDFs say, one stored version per source, and the statement's balances."""

from __future__ import annotations

import io
import logging
import re
from datetime import date
from types import SimpleNamespace
from unittest import mock

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from debitor.contracts.models import Contract
from debitor.db import db
from debitor.documents import services
from debitor.documents.models import DocumentKind, DocumentVersion
from debitor.documents.qr import payment_payload, qr_svg_data_uri
from debitor.documents.services import (
    STATIC_URL,
    FetchRefused,
    StaticFetcher,
    act_document,
    invoice_document,
    render_pdf,
    resolve_attachment,
    statement_document,
)
from debitor.documents.statement import statement_of_account
from debitor.documents.words import amount_in_words
from debitor.errors import DomainError
from debitor.invoices.models import InvoiceState
from debitor.invoices.services import cancel_with_credit_note
from debitor.orgs.models import VatMode
from tests import factories as f

# --- amounts in words ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kopecks", "words"),
    [
        (1_00, "Один рубль 00 копеек"),
        (2_00, "Два рубля 00 копеек"),
        (5_00, "Пять рублей 00 копеек"),
        (11_00, "Одиннадцать рублей 00 копеек"),
        (21_00, "Двадцать один рубль 00 копеек"),
        (1_000_001_00, "Один миллион один рубль 00 копеек"),
        (1_01, "Один рубль 01 копейка"),
        (2_02, "Два рубля 02 копейки"),
        (5_05, "Пять рублей 05 копеек"),
        (11_11, "Одиннадцать рублей 11 копеек"),
        (22_21, "Двадцать два рубля 21 копейка"),
        (122_000_00, "Сто двадцать две тысячи рублей 00 копеек"),
        (1_000_00, "Одна тысяча рублей 00 копеек"),
        (0, "Ноль рублей 00 копеек"),
        (-50_000_00, "Минус пятьдесят тысяч рублей 00 копеек"),
    ],
)
def test_amount_in_words_russian(kopecks, words):
    assert amount_in_words(kopecks) == words


def test_amount_in_words_english():
    assert amount_in_words(122_000_00, locale="en") == "One hundred twenty-two thousand rubles 00 kopecks"
    assert amount_in_words(1_01, locale="en") == "One ruble 01 kopeck"
    assert amount_in_words(1_000_001_00, locale="en") == "One million one rubles 00 kopecks"


def test_amount_in_words_refuses_floats_and_unknown_locales():
    with pytest.raises(TypeError):
        amount_in_words(1.5)
    with pytest.raises(ValueError):
        amount_in_words(100, locale="de")


# --- payment QR code ----------------------------------------------------------------------------------


def test_qr_payload_of_an_invoice_is_exact(app):
    org = f.organisation()
    inv = f.issued(org, f.client(org), on=date(2026, 1, 5), lines=((1, 122_000_00),))
    assert payment_payload(org, org.primary_account, inv) == (
        "ST00012|Name=ООО «Тест Медиа»|PersonalAcc=40702810200000012345|BankName=ПАО Сбербанк|BIC=044525225"
        "|CorrespAcc=30101810400000000225|PayeeINN=7709123453|KPP=770901001|Sum=12200000"
        f"|Purpose=Оплата по счёту № {inv.number} от 05.01.2026, в т.ч. НДС 22% - 22000.00 руб."
    )


def test_qr_payload_without_vat(app):
    org = f.organisation(VatMode.NONE)
    inv = f.issued(org, f.client(org), on=date(2026, 1, 5), lines=((1, 1_234_56),))
    payload = payment_payload(org, org.primary_account, inv)
    assert payload.endswith(f"|Sum=123456|Purpose=Оплата по счёту № {inv.number} от 05.01.2026, НДС не облагается")


def test_qr_payload_truncates_and_never_splits_on_a_pipe():
    org = SimpleNamespace(name="ООО «" + "Б" * 170 + "»", short_name="ООО «Альфа|Омега»", inn="7709123453", kpp=None)
    account = SimpleNamespace(
        account="40702810200000012345",
        bank_name="ПАО «Очень длинное название банка | филиал Центральный» г. Москва",
        bik="044525225",
        corr_account="30101810400000000225",
    )
    invoice = SimpleNamespace(
        number="7|" + "9" * 300, issued_on=date(2025, 12, 31), vat_rate=None, vat_kopecks=0, total_kopecks=99
    )
    payload = payment_payload(org, account, invoice)
    fields = dict(part.split("=", 1) for part in payload.split("|")[1:])
    assert list(fields) == ["Name", "PersonalAcc", "BankName", "BIC", "CorrespAcc", "PayeeINN", "Sum", "Purpose"]
    assert fields["Name"] == "ООО «Альфа/Омега»"  # the full name does not fit 160: the short one is used
    assert fields["BankName"] == "ПАО «Очень длинное название банка / филиал Це"  # 45 characters
    assert len(fields["BankName"]) <= 45 and len(fields["Purpose"]) <= 210
    assert fields["Purpose"].startswith("Оплата по счёту № 7/999") and fields["Sum"] == "99"
    assert payload.count("|") == 8


def test_qr_image_is_an_svg_data_uri():
    uri = qr_svg_data_uri("ST00012|Name=ООО «Тест»")
    assert uri.startswith("data:image/svg+xml") and "svg" in uri


# --- the restrictive URL fetcher ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1/x",
        "https://example.com/style.css",
        "ftp://127.0.0.1/x",
        STATIC_URL + "../pyproject.toml",
        STATIC_URL + "css/../../web/app.py",
        STATIC_URL + "%2e%2e/pyproject.toml",
        STATIC_URL + "css/",
        "file://evil.example/etc/passwd",
    ],
)
def test_fetcher_refuses_anything_outside_static(url):
    with pytest.raises(FetchRefused):
        StaticFetcher().fetch(url)


def test_fetcher_serves_static_files_and_data_uris():
    css = StaticFetcher().fetch(STATIC_URL + "css/pdf.css?v=1")
    assert css.content_type == "text/css" and b"@font-face" in css.read()
    font = StaticFetcher().fetch(STATIC_URL + "fonts/DejaVuSans.ttf")
    assert len(font.read()) > 100_000
    assert StaticFetcher().fetch("data:text/plain;base64,b2s=").read() == b"ok"


def test_fetcher_refuses_a_symlink_out_of_the_static_folder(tmp_path):
    (tmp_path / "leak.css").symlink_to("/etc/passwd")
    (tmp_path / "ok.css").write_text("p {}")
    fetcher = StaticFetcher(tmp_path)
    assert fetcher.fetch((tmp_path / "ok.css").as_uri()).read() == b"p {}"
    with pytest.raises(FetchRefused):
        fetcher.fetch((tmp_path / "leak.css").as_uri())


def test_render_leaves_out_what_the_fetcher_refuses(caplog):
    html = (
        '<link rel="stylesheet" href="file:///etc/passwd"><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
        '<img src="../../pyproject.toml"><p>Hello</p>'
    )
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF") and b"/Image" not in pdf
    assert "Hello" in pdf_text(pdf)
    assert caplog.text.count("FetchRefused") == 3


# --- what the PDFs say ----------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    """All pages' text with every run of whitespace (incl. the no-break spaces of 100 000,00) as one space."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def invoice_2026(app):
    org = f.organisation()
    org.director_name, org.accountant_name = "Иванов И. И.", "Петрова А. А."
    client = f.client(org, legal_name="ООО «Ромашка»", kpp="770101001", legal_address="г. Москва, ул. Лесная, д. 5")
    contract = Contract(client=client, number="РК-118", signed_on=date(2025, 3, 14), starts_on=date(2025, 3, 14))
    db.session.add(contract)
    inv = f.draft(org, client, lines=((1, 122_000_00),))
    inv.contract = contract
    from debitor.invoices.services import issue_invoice

    issue_invoice(inv, on=date(2026, 1, 5))
    return inv


def test_invoice_pdf_says_what_an_accountant_checks(invoice_2026):
    inv = invoice_2026
    version = invoice_document(inv, "ru")
    text = pdf_text(version.content)
    assert f"Счёт на оплату № {inv.number} от 5 января 2026 г." in text
    assert "ИНН 7709123453" in text and "КПП 770901001" in text  # supplier, in the bank block and as a party
    assert f"ИНН {inv.client.inn}, КПП 770101001" in text and "ООО «Ромашка»" in text
    assert "БИК 044525225" in text and "40702810200000012345" in text and "30101810400000000225" in text
    assert "Договор № РК-118 от 14.03.2025" in text
    assert "Всего к оплате: 122 000,00" in text and "В том числе НДС 22 %: 22 000,00" in text
    assert "Всего наименований 1, на сумму 122 000,00 руб." in text
    assert "Сто двадцать две тысячи рублей 00 копеек" in text
    assert "Оплатить не позднее 15.01.2026" in text
    assert "Руководитель" in text and "Иванов И. И." in text and "Бухгалтер" in text and "Петрова А. А." in text
    assert version.filename == f"Счёт_{inv.number}_от_05.01.2026.pdf"
    assert version.kind == DocumentKind.INVOICE and version.client_id == inv.client_id
    assert version.size == len(version.content) and len(version.content_sha256) == 64


def test_vat_rate_on_the_pdf_follows_the_issue_date(app):
    org = f.organisation()
    inv = f.issued(org, f.client(org), on=date(2025, 12, 31), lines=((1, 120_000_00),))
    text = pdf_text(invoice_document(inv, "ru").content)
    assert "В том числе НДС 20 %: 20 000,00" in text


def test_organisation_without_vat_says_so(app):
    org = f.organisation(VatMode.NONE)
    inv = f.issued(org, f.client(org), on=date(2026, 1, 5), lines=((1, 50_000_00),))
    text = pdf_text(invoice_document(inv, "ru").content)
    assert "Без НДС" in text and "В том числе НДС" not in text


def test_english_invoice_has_english_labels(invoice_2026):
    version = invoice_document(invoice_2026, "en")
    text = pdf_text(version.content)
    assert f"Invoice No. {invoice_2026.number} of 5 January 2026" in text
    assert "Including VAT 22 %: 22,000.00" in text and "Amount due: 122,000.00" in text
    assert "One hundred twenty-two thousand rubles 00 kopecks" in text
    assert "Supplier" in text and "Customer" in text and "Счёт на оплату" not in text
    assert version.filename == f"Invoice_{invoice_2026.number}_2026-01-05.pdf"


def test_credit_note_pdf_is_a_storno_of_the_invoice(app):
    org = f.organisation()
    inv = f.issued(org, f.client(org), on=date(2026, 2, 10), lines=((1, 50_000_00),))
    note = cancel_with_credit_note(inv, reason="ошибка в сумме", on=date(2026, 2, 12))
    text = pdf_text(invoice_document(note, "ru").content)
    assert f"Корректировочный счёт (сторно) № {note.number} от 12 февраля 2026 г." in text
    assert f"к счёту на оплату № {inv.number} от 10 февраля 2026 г." in text
    assert "-50 000,00" in text and "Минус пятьдесят тысяч рублей 00 копеек" in text
    assert "Оплатить не позднее" not in text


def test_act_pdf(invoice_2026):
    inv = invoice_2026
    version = act_document(inv, "ru")
    text = pdf_text(version.content)
    assert f"Акт № {inv.number} от 5 января 2026 г." in text
    assert "Исполнитель" in text and "Заказчик" in text and f"ИНН {inv.client.inn}" in text
    assert "Вышеперечисленные услуги выполнены полностью и в срок." in text
    assert "Сто двадцать две тысячи рублей 00 копеек" in text and "В том числе НДС 22 %" in text
    assert version.kind == DocumentKind.ACT and version.subject == f"act:{inv.id}"


def test_drafts_and_credit_notes_have_no_act(app):
    org = f.organisation()
    client = f.client(org)
    with pytest.raises(DomainError):
        invoice_document(f.draft(org, client), "ru")
    inv = f.issued(org, client)
    note = cancel_with_credit_note(inv, reason="дубль")
    with pytest.raises(DomainError):
        act_document(note, "ru")
    with pytest.raises(DomainError):
        act_document(inv, "ru")  # cancelled


# --- one version per source -------------------------------------------------------------------------------


def test_same_invoice_is_rendered_once_per_locale(invoice_2026):
    inv = invoice_2026
    with mock.patch.object(services, "render_pdf", wraps=services.render_pdf) as render:
        first = invoice_document(inv, "ru")
        second = invoice_document(inv, "ru")
        assert second.id == first.id and render.call_count == 1
        english = invoice_document(inv, "en")
        assert english.id != first.id and render.call_count == 2
        assert invoice_document(inv, "en").id == english.id and render.call_count == 2
    db.session.commit()
    rows = db.session.scalars(sa.select(DocumentVersion).order_by(DocumentVersion.id)).all()
    assert [(r.subject, r.locale) for r in rows] == [(f"invoice:{inv.id}", "ru"), (f"invoice:{inv.id}", "en")]


def test_the_html_is_deterministic_and_a_change_is_a_new_version(invoice_2026):
    inv = invoice_2026
    a = services.invoice_source(inv, "ru")
    b = services.invoice_source(inv, "ru")
    assert a.html == b.html and a.sha256 == b.sha256
    first = invoice_document(inv, "ru")
    with mock.patch.object(services, "asset_version", return_value="restyled"):  # a new look of the templates
        assert invoice_document(inv, "ru").id != first.id
    assert invoice_document(inv, "ru").id == first.id


def test_issued_documents_keep_the_requisites_they_were_issued_with(invoice_2026):
    inv = invoice_2026
    before_pdf, before_act = invoice_document(inv, "ru"), act_document(inv, "ru")
    before_qr = services.invoice_source(inv, "ru").qr_payload
    org, client, contract = inv.organisation, inv.client, inv.contract
    org.director_name, org.accountant_name, org.legal_address = "Сидоров С. С.", "Орлова О. О.", "г. Казань"
    org.primary_account.bank_name, org.primary_account.bik = "АО «Другой банк»", "049205603"
    client.legal_name, client.kpp = "ООО «Ромашка-2»", "771001001"
    contract.number = "РК-999"
    db.session.flush()
    with mock.patch.object(services, "render_pdf") as render:
        assert invoice_document(inv, "ru").id == before_pdf.id
        assert act_document(inv, "ru").id == before_act.id
        render.assert_not_called()
    assert services.invoice_source(inv, "ru").qr_payload == before_qr
    text = pdf_text(before_pdf.content)
    assert "Иванов И. И." in text and "ООО «Ромашка»" in text and "КПП 770101001" in text and "РК-118" in text
    assert "ПАО Сбербанк" in before_qr and "044525225" in before_qr

    later = f.draft(org, client, lines=((1, 10_000_00),))
    later.contract = contract
    from debitor.invoices.services import issue_invoice

    issue_invoice(later, on=date(2026, 2, 2))
    text = pdf_text(invoice_document(later, "ru").content)
    assert "Сидоров С. С." in text and "ООО «Ромашка-2»" in text and "КПП 771001001" in text and "РК-999" in text
    assert "АО «Другой банк»" in services.invoice_source(later, "ru").qr_payload
    assert later.requisites_id != inv.requisites_id


def test_invoices_issued_with_the_same_requisites_share_one_set(app):
    from debitor.invoices.models import RequisiteSet

    org = f.organisation()
    client = f.client(org)
    first, second = f.issued(org, client), f.issued(org, client)
    other = f.issued(org, f.client(org))
    note = cancel_with_credit_note(second, reason="дубль")
    assert first.requisites_id == second.requisites_id == note.requisites_id != other.requisites_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RequisiteSet)) == 2
    assert f.draft(org, client).requisites_id is None  # a draft has nothing frozen yet


def test_invoice_state_changes_do_not_make_a_new_version(invoice_2026):
    first = invoice_document(invoice_2026, "ru")
    # set by hand, not paid through the services: only the new state matters here, not how it was reached
    invoice_2026.paid_kopecks = invoice_2026.total_kopecks
    invoice_2026.state = InvoiceState.PAID
    with mock.patch.object(services, "render_pdf") as render:
        assert invoice_document(invoice_2026, "ru").id == first.id
        render.assert_not_called()


# --- attachments for the outbox ------------------------------------------------------------------------


def test_resolve_attachment(invoice_2026):
    name, content = resolve_attachment(f"invoice:{invoice_2026.id}:ru")
    assert name == f"Счёт_{invoice_2026.number}_от_05.01.2026.pdf" and content.startswith(b"%PDF")
    name, content = resolve_attachment(f"act:{invoice_2026.id}:en")
    assert name.startswith("Act_") and content.startswith(b"%PDF")
    client_id = invoice_2026.client_id
    name, content = resolve_attachment(f"statement:{client_id}:2026-01-01:2026-01-31:ru")
    assert name.startswith("Акт_сверки_") and content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "invoice",
        "invoice:1",
        "invoice:abc:ru",
        "invoice:999999:ru",
        "invoice:{id}:de",
        "bill:{id}:ru",
        "statement:{client}:2026-13-01:2026-01-31:ru",
        "invoice:{id}:ru:extra",
    ],
)
def test_resolve_attachment_refuses_bad_specs(invoice_2026, spec):
    with pytest.raises(ValueError):
        resolve_attachment(spec.format(id=invoice_2026.id, client=invoice_2026.client_id))


def test_resolve_attachment_of_a_draft_is_a_bad_spec(app):
    org = f.organisation()
    draft = f.draft(org, f.client(org))
    with pytest.raises(ValueError, match="bad attachment spec"):
        resolve_attachment(f"invoice:{draft.id}:ru")


# --- statement of account --------------------------------------------------------------------------------


@pytest.fixture
def statement_world(app):
    """January (before the period): invoice 100 000, payment 30 000. February (the period): invoices of
    50 000 and 20 000 (the latter reversed by a credit note), an unapplied payment of 40 000. Around it:
    a draft, an invoice cancelled without a credit note, another client's documents, March's documents."""
    org = f.organisation()
    client, other = f.client(org), f.client(org)
    f.issued(org, client, on=date(2026, 1, 10), lines=((1, 100_000_00),))
    f.payment(org, client, 30_000_00, on=date(2026, 1, 20))
    f.draft(org, client, lines=((1, 999_00),))
    f.issued(org, other, on=date(2026, 1, 11), lines=((1, 7_000_00),))
    f.payment(org, other, 7_000_00, on=date(2026, 2, 12))
    feb = f.issued(org, client, on=date(2026, 2, 5), lines=((1, 50_000_00),))
    wrong = f.issued(org, client, on=date(2026, 2, 7), lines=((1, 20_000_00),))
    note = cancel_with_credit_note(wrong, reason="ошибка", on=date(2026, 2, 9))
    # issued while there is no credit to settle it from (a cancelled invoice is never left paid)
    legacy = f.issued(org, client, on=date(2026, 2, 11), lines=((1, 5_000_00),))
    # by hand: no service makes this any more (cancelled before credit notes existed), old data still has it
    legacy.state = InvoiceState.CANCELLED  # never counted
    pay = f.payment(org, client, 40_000_00, on=date(2026, 2, 10))
    f.issued(org, client, on=date(2026, 3, 5), lines=((1, 1_000_00),))
    f.payment(org, client, 1_000_00, on=date(2026, 3, 1))
    db.session.flush()
    return SimpleNamespace(org=org, client=client, feb=feb, wrong=wrong, note=note, pay=pay)


def test_statement_balances(statement_world):
    w = statement_world
    st = statement_of_account(w.client.id, date(2026, 2, 1), date(2026, 2, 28))
    assert st.opening_kopecks == 70_000_00
    assert st.debit_kopecks == 70_000_00 and st.credit_kopecks == 60_000_00
    assert st.closing_kopecks == 80_000_00
    assert [(r.on.day, r.kind, r.debit_kopecks, r.credit_kopecks) for r in st.rows] == [
        (5, "invoice", 50_000_00, 0),
        (7, "invoice", 20_000_00, 0),
        (9, "credit_note", 0, 20_000_00),
        (10, "payment", 0, 40_000_00),
    ]
    assert st.rows[2].number == w.note.number and st.rows[2].corrects == w.wrong.number
    whole = statement_of_account(w.client.id, date(2025, 1, 1), date(2026, 12, 31))
    assert whole.opening_kopecks == 0 and whole.closing_kopecks == 80_000_00 + 1_000_00 - 1_000_00
    with pytest.raises(ValueError):
        statement_of_account(w.client.id, date(2026, 3, 1), date(2026, 2, 1))


def test_statement_pdf(statement_world):
    w = statement_world
    version = statement_document(w.client, date(2026, 2, 1), date(2026, 2, 28), "ru")
    text = pdf_text(version.content)
    assert "Акт сверки" in text and "взаимных расчётов за период: 01.02.2026 – 28.02.2026" in text
    assert f"между ООО «Тест Медиа» и {w.client.legal_name}" in text
    assert "Сальдо начальное 70 000,00" in text and "Обороты за период 70 000,00 60 000,00" in text
    assert "Сальдо конечное 80 000,00" in text
    assert "задолженность в пользу ООО «Тест Медиа» 80 000,00 руб. (Восемьдесят тысяч рублей 00 копеек)" in text
    assert version.subject == f"statement:{w.client.id}:2026-02-01:2026-02-28"
    english = pdf_text(statement_document(w.client, date(2026, 2, 1), date(2026, 2, 28), "en").content)
    assert "Statement of account" in english and "Closing balance 80,000.00" in english
