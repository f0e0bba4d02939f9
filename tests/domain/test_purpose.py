from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from debitor.payments.purpose import InvoiceRef, PurposeRefs, extract, parse_amount

D = date
CONDO_34 = (
    "Щ150/2. Оплата за техническое обслуживание систем ПС, СОУЭ, АДУ, ВПВ за март 2022г. по сч.34 от 31.03.2022, "
    "Без налога (НДС)"
)
CONDO_LS = "ЛС 1234567; ул. Тестовая, д.123/2, кв.321;екатеринова екатерина екатериновна. НДС не облагается"

# (purpose, [(invoice number, date)], contracts, VAT in kopecks, "без НДС")
CASES = [
    # how people write our invoice numbers
    ("Оплата по счету № 42 от 05.01.2026", [(42, D(2026, 1, 5))], (), None, False),
    ("Оплата по счёту №42 от 5.01.26", [(42, D(2026, 1, 5))], (), None, False),
    ("Оплата по сч. 42 за размещение рекламы", [(42, None)], (), None, False),
    ("Опл. счета N42", [(42, None)], (), None, False),
    ("Оплата по сч.34 от 31.03.2022", [(34, D(2022, 3, 31))], (), None, False),
    ("Оплата по счетам №№ 12, 13 и 15", [(12, None), (13, None), (15, None)], (), None, False),
    (
        "Оплата счета 12,13,15 от 01.02.2026",
        [(12, D(2026, 2, 1)), (13, D(2026, 2, 1)), (15, D(2026, 2, 1))],
        (),
        None,
        False,
    ),
    ("Оплата по сч № 12/13", [(12, None), (13, None)], (), None, False),
    ("Оплата по сч-ту 1042", [(1042, None)], (), None, False),
    ("Оплата по Счет-оферта 77 за услуги", [(77, None)], (), None, False),
    ("Оплата по счету на оплату № 0042 от 05.01.2026", [(42, D(2026, 1, 5))], (), None, False),
    ("ОПЛАТА ПО СЧ.№ 42 ОТ 05.01.2026Г. В Т.Ч. НДС 22% 7573.77", [(42, D(2026, 1, 5))], (), 757377, False),
    ("Payment for inv. 42", [(42, None)], (), None, False),
    ("Payment of invoice #42 dated 05.01.2026", [(42, D(2026, 1, 5))], (), None, False),
    ("Оплата по счету 2026-42", [(42, None)], (), None, False),
    ("Оплата по счету 42/2026 от 05.01.2026", [(42, D(2026, 1, 5))], (), None, False),
    (
        "Оплата по сч. 12 от 01.02.2026, сч. 13 от 03.02.2026",
        [(12, D(2026, 2, 1)), (13, D(2026, 2, 3))],
        (),
        None,
        False,
    ),
    (
        "Оплата по счету № 12 от 01.01.2026г, № 13 от 02.01.2026г",
        [(12, D(2026, 1, 1)), (13, D(2026, 1, 2))],
        (),
        None,
        False,
    ),
    ("Оплата по счету 42 от 5 января 2026 г.", [(42, D(2026, 1, 5))], (), None, False),
    ("Оплата по СЧЕТУ №00042 ОТ 5 ЯНВАРЯ 2026 ГОДА", [(42, D(2026, 1, 5))], (), None, False),
    ("Оплата по счету № 42 от 05/01/2026", [(42, D(2026, 1, 5))], (), None, False),
    ("Оплата по счету № 42 от 05-01-2026", [(42, D(2026, 1, 5))], (), None, False),
    ("Оплата по счету № 42 от 31.02.2026", [(42, None)], (), None, False),
    ("Оплата по счету от 05.01.2026 № 42", [(42, D(2026, 1, 5))], (), None, False),
    ("Оплата сч.42от05.01.2026", [(42, D(2026, 1, 5))], (), None, False),
    ("Оплата по счетам 12-15 за январь 2026", [(12, None), (13, None), (14, None), (15, None)], (), None, False),
    (
        "Опл по сч 101 и 102 от 10.03.2026 по дог. 15-Р",
        [(101, D(2026, 3, 10)), (102, D(2026, 3, 10))],
        ("15-Р",),
        None,
        False,
    ),
    ("Оплата по счёту № 1 от 01.01.2026 ООО «Ёлка»", [(1, D(2026, 1, 1))], (), None, False),
    ("Оплата\u00a0по\u00a0счету\u00a0№\u00a042\u00a0от\u00a005.01.2026", [(42, D(2026, 1, 5))], (), None, False),
    ("Оплата по счету за размещение рекламы № 42 от 05.01.2026", [(42, D(2026, 1, 5))], (), None, False),
    ("Оплата по счету № 42 от 05.01.2026, тел. 8-800-555-35-35", [(42, D(2026, 1, 5))], (), None, False),
    ("Оплата по УИН 18810177200123456789 по сч 9", [(9, None)], (), None, False),
    ("Оплата по счету 42, 18026,52", [(42, None)], (), None, False),
    # contracts are not invoices
    ("Оплата по счету № 42 от 05.01.2026 по договору № 15 от 01.01.2025", [(42, D(2026, 1, 5))], ("15",), None, False),
    ("Оплата по договору № 15 от 01.01.2025", [], ("15",), None, False),
    (
        "Оплата по договору возмездного оказания услуг № 15/2025-Р от 01.01.2025, без НДС",
        [],
        ("15/2025-Р",),
        None,
        True,
    ),
    ("Предоплата по дог. 77 за февраль 2026", [], ("77",), None, False),
    ("Оплата по договору от 01.01.2025 № ДУ-16", [], ("ДУ-16",), None, False),
    # VAT notes
    ("В т.ч. НДС 22% 22000.00", [], (), 2200000, False),
    ("Сумма 10000-00, НДС(20%) 1666.67", [], (), 166667, False),
    ("Оплата за рекламу, в том числе НДС 20 % - 1666-67", [], (), 166667, False),
    ("Оплата по счету 7 НДС 20 % - 1 666,67 руб.", [(7, None)], (), 166667, False),
    ("Оплата по счету № 42, в т.ч. НДС 20% - 100.00, НДС 22% - 220.00", [(42, None)], (), 32000, False),
    (
        "по счету № 42 на сумму 122 000,00 руб., в т.ч. НДС (22%) 22 000 руб. 00 коп.",
        [(42, None)],
        (),
        2200000,
        False,
    ),
    ("Оплата 12 000 руб. 00 коп., НДС 20%", [], (), None, False),
    ("Оплата за услуги, НДС не облагается", [], (), None, True),
    ("Оплата по сч. 42 Без НДС", [(42, None)], (), None, True),
    # numbers that are something else
    (
        "ИНН 7709123453 КПП 770901001 р/с 40702810200000012345 БИК 044525225 к/с 30101810400000000225",
        [],
        (),
        None,
        False,
    ),
    ("Возврат излишне перечисленных средств по п/п № 123 от 05.01.2026", [], (), None, False),
    ("Оплата за 1 кв. 2026 по акту № 5 от 31.03.2026", [], (), None, False),
    ("Оплата за январь 2026, сумма 12000.00", [], (), None, False),
    ("в счет оплаты 12 000 руб.", [], (), None, False),
    ("Оплата за счет средств бюджета", [], (), None, False),
    ("Оплата счета 42а", [], (), None, False),
    ("Пополнение по лицевому счету 12345", [], (), None, False),
    ("Оплата по заявке № 17 от 05.01.2026 (заказ №88)", [], (), None, False),
    ("Оплата по с/ф 42 от 31.01.2026", [], (), None, False),
    ("Оплата по счету К-7", [], (), None, False),
    ("Оплата 22% от суммы", [], (), None, False),
    # the public 1CClientBankExchange fixtures' purposes (/work/shared/fixtures/onec)
    ("Оплата по счету N 1024 от 01.01.23г 18026,52", [(1024, D(2023, 1, 1))], (), None, False),
    ("Оплата услуги по договору 12345", [], ("12345",), None, False),
    ("ЛС: 50133547364", [], (), None, False),
    (CONDO_LS, [], (), None, True),
    (CONDO_34, [(34, D(2022, 3, 31))], (), None, True),
    ("Some random string", [], (), None, False),
]


@pytest.mark.parametrize(
    ("text", "invoices", "contracts", "vat", "no_vat"), CASES, ids=[f"case{i:02d}" for i in range(len(CASES))]
)
def test_extract(text, invoices, contracts, vat, no_vat):
    refs = extract(text)
    assert [(r.number, r.on) for r in refs.invoices] == invoices
    assert refs.contracts == contracts
    assert refs.vat_kopecks == vat
    assert refs.no_vat is no_vat


def test_reference_keeps_what_was_written():
    text = "Оплата по счету на оплату № 0042 от 05.01.2026"
    (ref,) = extract(text).invoices
    assert ref == InvoiceRef(42, "0042", (28, 32), date(2026, 1, 5), 2026)
    assert text[28:32] == "0042"


@pytest.mark.parametrize(
    ("text", "default_year", "expected"),
    [
        ("по счету 2026-42", None, [(42, "2026-42", 2026)]),
        ("по счету 42/2026", None, [(42, "42/2026", 2026)]),
        ("по счету 2026/42", None, [(42, "2026/42", 2026)]),
        ("по счету 42-2026", None, [(42, "42-2026", 2026)]),
        ("по сч. 42/26", 2026, [(42, "42/26", 2026)]),
        ("по сч. 42/25", 2026, [(42, "42/25", 2025)]),
        ("по сч. 42/26", None, [(42, "42", None), (26, "26", None)]),
        ("по сч № 12/13", 2026, [(12, "12", None), (13, "13", None)]),
        ("по сч. 42 от 31.02.2026", None, [(42, "42", 2026)]),  # impossible date: no ``on``, still a year
        ("сч. 42 от 05.01.2026", None, [(42, "42", 2026)]),
        ("сч. 42", 2026, [(42, "42", None)]),  # default_year dates nothing by itself
        ("сч. 5 от 01.01.2025 и 2025/7", 2026, [(5, "5", 2025), (7, "2025/7", 2025)]),
    ],
)
def test_years(text, default_year, expected):
    refs = extract(text, default_year=default_year)
    assert [(r.number, r.raw, r.year) for r in refs.invoices] == expected


def test_date_without_year_takes_default_year_but_gives_no_year():
    (ref,) = extract("Оплата по сч. 42 от 05.01", default_year=2026).invoices
    assert (ref.on, ref.year) == (date(2026, 1, 5), None)
    assert extract("Оплата по сч. 42 от 05.01").invoices[0].on is None


def test_date_after_a_list_dates_every_undated_number_before_it():
    refs = extract("Оплата по счетам 11 от 10.01.2026, 12, 13 от 01.02.2026 и 14")
    assert [(r.number, r.on) for r in refs.invoices] == [
        (11, date(2026, 1, 10)),
        (12, date(2026, 2, 1)),
        (13, date(2026, 2, 1)),
        (14, None),
    ]


def test_duplicates_are_dropped_by_number_and_date():
    refs = extract("сч. 42 от 05.01.2026; повторно по сч. 42 от 05.01.2026, сч. 42")
    assert [(r.number, r.on) for r in refs.invoices] == [(42, date(2026, 1, 5)), (42, None)]
    assert refs.invoices[0].span == (4, 6)


@pytest.mark.parametrize(
    ("text", "like"),
    [
        ("Оплата по с/ф 42", [42]),
        ("Оплата по сч/ф № 42 от 31.01.2026", [42]),
        ("ОПЛАТА ПО СЧЕТУ-ФАКТУРЕ 42 ОТ 05.01.2026", [42]),
        ("Оплата по УПД № 42 от 31.01.2026", [42]),
        ("Оплата № 77 от 05.01.2026 за рекламу", [77]),  # a bare number after no document word
        ("Оплата по договору № 15 от 01.01.2025 № 42", [42]),
        ("Оплата по п/п № 123", []),
    ],
)
def test_invoice_like(text, like):
    refs = extract(text)
    assert [r.number for r in refs.invoice_like] == like
    assert refs.invoices == ()


@pytest.mark.parametrize(
    ("text", "credit_notes"),
    [
        ("Зачет по К-7", [(7, "К-7")]),
        ("Оплата по счету к-7", [(7, "к-7")]),
        ("Оплата по сч. 42 с учетом K-3", [(3, "K-3")]),
        ("ул. Ленина, д.5 к-1, по сч. 42", []),  # корпус, not a credit note
    ],
)
def test_credit_notes(text, credit_notes):
    assert [(r.number, r.raw) for r in extract(text).credit_notes] == credit_notes


def test_acts_and_amounts_are_kept_apart():
    refs = extract("Оплата по акту № 5 от 31.03.2026 и сч. 6, сумма 12 000-00 руб., в т.ч. НДС 22% 2163-93")
    assert refs.acts == ("5",)
    assert [r.number for r in refs.invoices] == [6]
    assert refs.amounts_kopecks == (1200000,)
    assert refs.vat_kopecks == 216393


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("Сумма 122000-00 В т.ч. НДС 22% 22000-00", (12200000,)),
        ("Оплата по счету N 1024 от 01.01.23г 18026,52", (1802652,)),
        ("на сумму 12000 без НДС", (1200000,)),
        ("Оплата 12 000 руб. 00 коп. и 500 р.", (1200000, 50000)),
        ("за 2025-2026 годы, тел. +7 (495) 123-45-67, 05.01.2026, 22.50%", ()),
    ],
)
def test_amounts(text, amounts):
    assert extract(text).amounts_kopecks == amounts


@pytest.mark.parametrize(
    ("text", "kopecks"),
    [
        ("22000.00", 2200000),
        ("22 000,00", 2200000),
        ("22000-00", 2200000),
        ("1 666,67 руб.", 166667),
        ("12 000 руб. 00 коп.", 1200000),
        ("12\u00a0000 руб. 50 коп.", 1200050),
        ("700", 70000),
        (" 1666.67 ₽ ", 166667),
        ("abc", None),
        ("", None),
        ("1.005", None),
        ("12,5", None),
        ("-5", None),
        ("22%", None),
    ],
)
def test_parse_amount(text, kopecks):
    assert parse_amount(text) == kopecks


def test_nothing_in_empty_text():
    assert extract("") == PurposeRefs()


# pieces of real purposes, glued at random: exercises far more of the parser than random text does
_PIECES = (
    "по|счету|сч.|Сч|№|№№|N|No|#|от|ОТ|05.01.2026|5.1.26|31.02.2026|42|0042|12|/|-|,| и |2026|26|К-|к-|с/ф"
    "|счет-фактура|НДС|22%|22000.00|1 666,67|руб.|коп.|договору|дог.|акт|Без НДС|ИНН|7709123453|р/с|сумма|=|."
    "| |\u00a0|января|г.|inv|(|«|ё|İ|ß|–|٣|12 000|-00"
)
_FRAGMENTS = st.sampled_from(_PIECES.split("|"))


def _check(text: str, default_year: int | None) -> None:
    refs = extract(text, default_year=default_year)
    for ref in (*refs.invoices, *refs.invoice_like, *refs.credit_notes):
        assert ref.raw == text[ref.span[0] : ref.span[1]]
        assert ref.number > 0
    assert all(isinstance(a, int) for a in refs.amounts_kopecks)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(), default_year=st.none() | st.integers(1, 9999))
def test_any_text_never_raises(text, default_year):
    _check(text, default_year)
    parse_amount(text)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(_FRAGMENTS, max_size=16), default_year=st.none() | st.integers(1, 9999))
def test_purpose_like_text_never_raises(parts, default_year):
    _check("".join(parts), default_year)


def test_skipping_free_amounts_changes_nothing_else():
    text = "Оплата по счету № 42 от 05.01.2026, 1 200,00 руб. В т.ч. НДС 20% 200.00"
    full, quick = extract(text, default_year=2026), extract(text, default_year=2026, free_amounts=False)
    assert quick.invoices == full.invoices and quick.vat_kopecks == full.vat_kopecks == 200_00
    assert full.amounts_kopecks == (120_000,) and quick.amounts_kopecks == ()
