"""1CClientBankExchange reader and writer: the public fixtures, every lenient and strict case, and
property tests (writer → reader round trips, arbitrary bytes, mutated files, fast paths = slow path).

The fixture figures below were worked out from the files themselves (iconv + grep/awk), not from the
parser's output.
"""

from __future__ import annotations

import io
import random
from contextlib import contextmanager, nullcontext
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from debitor.onec import blocks, errors, fields, parser
from debitor.onec.errors import E_ENCODING, StatementError, StatementWarning
from debitor.onec.parser import StatementReader, parse
from debitor.onec.statement import AccountSection, Document, Header
from debitor.onec.writer import statement_bytes, write_statement

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "onec"  # copies of ../shared/fixtures/onec


def examples(n: int) -> settings:
    return settings(max_examples=n, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


TYPED = tuple(name for name in Document.__slots__ if name not in ("line", "fields"))


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def typed(doc: Document) -> dict:
    return {name: getattr(doc, name) for name in TYPED}


@contextmanager
def slow_path_only():
    """Every line through the reference state machine: no tier 1, no tier 2 shortcut."""
    with (
        mock.patch.object(StatementReader, "_flat", lambda self, block, base: None),
        mock.patch.object(StatementReader, "_accept", lambda self, f: False),
        mock.patch.object(parser, "KNOWN", frozenset()),
    ):
        yield


def outcome(data: bytes, **kwargs):
    """The parse result or the error, in a form that can be compared."""
    try:
        result = parse(data, **kwargs)
    except StatementError as err:
        return ("error", err.message, err.line, err.key, str(err))
    return ("ok", result)


HEADER = [
    "1CClientBankExchange",
    "ВерсияФормата=1.03",
    "Кодировка=Windows",
    "Отправитель=Тестовый банк",
    "Получатель=1С:Бухгалтерия",
    "ДатаСоздания=06.01.2026",
    "ВремяСоздания=09:15:00",
    "ДатаНачала=05.01.2026",
    "ДатаКонца=05.01.2026",
    "РасчСчет=40702810900000000001",
]


def doc_lines(number: str = "1", amount: str = "1000.00", day: str = "05.01.2026", extra=()) -> list[str]:
    return [
        "СекцияДокумент=Платежное поручение",
        f"Номер={number}",
        f"Дата={day}",
        f"Сумма={amount}",
        "ПлательщикСчет=40702810400000000002",
        "ПлательщикИНН=7701234567",
        "ПлательщикКПП=770101001",
        "Плательщик1=ООО «Ромашка»",
        "ПолучательСчет=40702810900000000001",
        "ДатаПоступило=05.01.2026",
        "ПолучательИНН=7704123450",
        "Получатель1=ООО «Дебитор Медиа»",
        "ВидОплаты=01",
        "Очередность=5",
        f"НазначениеПлатежа=Оплата по счету № {number} от 05.01.2026. В т.ч. НДС 22% 180.33",
        *extra,
        "КонецДокумента",
    ]


def build(lines: list[str], *, newline: str = "\r\n", encoding: str = "cp1251") -> bytes:
    return (newline.join(lines) + newline).encode(encoding)


def simple(*docs: list[str], end: bool = True) -> list[str]:
    lines = list(HEADER)
    for doc in docs:
        lines += doc
    return lines + (["КонецФайла"] if end else [])


def error_of(data: bytes, **kwargs) -> StatementError:
    with pytest.raises(StatementError) as info:
        parse(data, **kwargs)
    return info.value


# ---- the public fixtures -------------------------------------------------------------------------


def test_kilylabs_one_day():
    st_ = parse(fixture("kilylabs_one_day_cp1251.txt"))
    assert st_.encoding == "cp1251"
    assert st_.finished is True
    assert st_.warnings == []
    h = st_.header
    assert (h.version, h.encoding_declared, h.sender, h.recipient) == (
        "1.02",
        "Windows",
        "Банк Клиент Онлайн",
        "1С:Предприятие",
    )
    assert (h.created_on, h.created_time) == (date(2016, 1, 12), time(10, 3, 13))
    assert (h.date_from, h.date_to) == (date(2016, 1, 11), date(2016, 1, 11))
    assert h.accounts == ["40702810200000000001"]
    assert st_.sections == [
        AccountSection(
            11, "40702810200000000001", date(2016, 1, 11), date(2016, 1, 11), 4532991, 4000000, 4118400, 4414591
        )
    ]
    docs = st_.documents
    assert [d.amount_kopecks for d in docs] == [
        8323,
        19974,
        27187,
        56177,
        134826,
        183513,
        276280,
        1000000,
        1000000,
        1412120,
        600000,
        1400000,
        2000000,
    ]
    assert sum(d.amount_kopecks for d in docs) == 8118400
    assert [d.line for d in docs] == [20, 51, 82, 113, 144, 175, 206, 237, 268, 299, 330, 361, 392]
    assert [d.kind for d in docs] == ["Банковский ордер"] * 6 + ["Платежное поручение"] * 7
    ours = "40702810200000000001"
    incoming = [d for d in docs if d.payee_account == ours]
    assert sum(d.amount_kopecks for d in incoming) == 4000000 == st_.sections[0].received_kopecks
    assert all(d.received_on == date(2016, 1, 11) for d in incoming)
    # payer accounts are anonymised (17 digits), so outgoing ones are those with ДатаСписано
    debited = [d for d in docs if d.debited_on is not None]
    assert len(debited) == 10
    assert sum(d.amount_kopecks for d in debited) == 4118400 == st_.sections[0].debited_kopecks
    first = docs[0]
    assert (first.number, first.date, first.payer_inn, first.payer_name, first.purpose) == (
        "697162",
        date(2016, 1, 11),
        "123123123123",
        "Some random payer",
        "Some random string",
    )
    assert (first.payer_account, first.payee_account, first.payment_kind, first.priority) == (
        "12312312312312312",
        "61304810100000000002",
        "17",
        "5",
    )
    assert (first.payer_bank, first.payer_bik, first.payer_corr_account) == (
        "ВТБ 24 (ПАО)",
        "044525716",
        "30101810100000000716",
    )
    assert first.fields["КвитанцияСодержание"] == "статус документа: Внешний"  # trailing space in the file
    last = docs[-1]
    assert (last.number, last.payer_kpp, last.payee_kpp, last.payer_bank, last.payer_bik) == (
        "1",
        "123123123",
        "123123123",
        "ПАО СБЕРБАНК",
        "044525225",
    )
    assert (last.debited_on, last.received_on) == (None, date(2016, 1, 11))


def test_odoo_kl_to_1c():
    st_ = parse(fixture("odoo-ru_kl_to_1c_cp1251.txt"))
    assert (st_.encoding, st_.finished, st_.warnings) == ("cp1251", True, [])
    h = st_.header
    assert (h.version, h.sender, h.recipient, h.created_time) == ("1.01", "", "1С", time(21, 0))
    assert h.accounts == ["00000000000000000001"]  # after a blank line in the header
    assert st_.sections == [
        AccountSection(11, "00000000000000000001", date(2023, 1, 2), date(2023, 1, 2), 11097800, 0, 10815912, 281888)
    ]
    (doc,) = st_.documents
    assert doc.line == 20
    assert (doc.number, doc.date, doc.amount_kopecks, doc.debited_on, doc.received_on) == (
        "3",
        date(2023, 3, 31),
        10815912,
        date(2023, 4, 3),
        None,
    )
    assert doc.payer_account == "00000000000000000001" == h.accounts[0]  # outgoing
    assert doc.amount_kopecks == st_.sections[0].debited_kopecks
    assert (doc.payer_inn, doc.payer_kpp, doc.payer_name) == ("0000000002", "000000002", "ООО Плательщик")
    assert doc.payer_bank == "Банк ГПБ (АО)"  # "= Банк ГПБ (АО)" in the file
    assert doc.payee_bank == 'ФИЛИАЛ "САМАРСКИЙ" АО "ОТП БАНК"'
    assert (doc.payee_inn, doc.payee_name, doc.uin) == ("0000000001", "ЭнергоСистемы", "")
    assert doc.purpose == "Оплата по счету N 1024 от 01.01.23г 18026,52"
    assert doc.fields["ВидПлатежа"] == "электронно"
    assert all(doc.fields[k] == "" for k in ("ПоказательКБК", "ОКАТО", "ПоказательТипа", "СрокАкцепта"))


def test_odoo_minimal_file():
    st_ = parse(fixture("odoo-ru_1c_to_kl_min_cp1251.txt"))
    assert (st_.encoding, st_.finished, st_.warnings, st_.documents, st_.sections) == ("cp1251", True, [], [], [])
    assert st_.header.fields == {"Поле": "Значение"}  # an unknown key, kept
    assert (st_.header.version, st_.header.accounts, st_.header.created_on) == ("", [], None)


def test_condo_utf8_that_says_windows():
    st_ = parse(fixture("condo_1_03_utf8.txt"))
    assert st_.encoding == "utf-8"
    assert st_.finished is True
    (warning,) = st_.warnings
    assert (warning.message, warning.line, warning.key) == (errors.W_ENCODING, 3, "Кодировка")
    assert str(warning) == "Line 3: the file says Кодировка=Windows, but its bytes are utf-8."
    assert st_.header.accounts == ["40702810801500116391"]
    assert st_.sections[0].opening_kopecks == 830000
    assert st_.sections[0].received_kopecks == 268183146
    assert st_.sections[0].debited_kopecks == 255473723
    assert st_.sections[0].closing_kopecks == 13539423
    docs = st_.documents
    assert [(d.line, d.number, d.amount_kopecks) for d in docs] == [
        (20, "61298", 70000),  # Сумма=700
        (50, "6032", 105298),
        (80, "656731", 116698),
        (109, "239", 1400000),  # Сумма=14000
    ]
    assert sum(d.amount_kopecks for d in docs) == 1691996
    ours = "40702810801500116391"
    assert sum(d.amount_kopecks for d in docs if d.payee_account == ours) == 221996
    assert sum(d.amount_kopecks for d in docs if d.payer_account == ours) == 1470000
    assert docs[0].kind == "Платежное требование"
    assert (docs[0].payment_kind, docs[0].received_on) == ("02", None)  # ДатаПоступило= is empty
    individual = docs[1]
    assert (individual.payer_inn, individual.payer_kpp, individual.payer_name) == ("", "", "Иванов Иван Иванович")
    assert (individual.uin, individual.purpose, individual.received_on) == (
        "50133547364",
        "ЛС: 50133547364",
        date(2022, 4, 15),
    )
    assert docs[2].payer_name == "ПЕТРОВ ПЁТР ПЕТРОВИЧ"
    assert docs[2].payer_inn == "667220109459"
    assert (docs[3].payee_kpp, docs[3].uin, docs[3].payee_inn) == ("0", "0", "662707160737")
    assert "по сч.34 от 31.03.2022" in docs[3].purpose


@pytest.mark.parametrize(
    "name",
    [
        "kilylabs_one_day_cp1251.txt",
        "odoo-ru_kl_to_1c_cp1251.txt",
        "odoo-ru_1c_to_kl_min_cp1251.txt",
        "condo_1_03_utf8.txt",
    ],
)
def test_fixtures_read_the_same_through_the_slow_path(name):
    data = fixture(name)
    fast = parse(data)
    with slow_path_only():
        slow = parse(data)
    assert fast == slow


# ---- lenient where the meaning is clear -----------------------------------------------------------


def test_line_ends_crlf_lf_and_cr_read_the_same():
    data = fixture("kilylabs_one_day_cp1251.txt")
    crlf = parse(data)
    assert parse(data.replace(b"\r\n", b"\n")) == crlf
    assert parse(data.replace(b"\r\n", b"\r")) == crlf
    mixed = data.replace(b"\r\n", b"\n", 100)
    assert parse(mixed) == crlf


def test_cp866_file():
    text = fixture("kilylabs_one_day_cp1251.txt").decode("cp1251")
    windows = parse(text.encode("cp1251"))
    dos = parse(text.replace("Кодировка=Windows", "Кодировка=DOS").encode("cp866"))
    assert dos.encoding == "cp866"
    assert dos.warnings == []
    assert dos.documents == windows.documents
    assert dos.sections == windows.sections
    lying = parse(text.encode("cp866"))  # still says Windows
    assert lying.documents == windows.documents
    assert [(w.message, w.line, w.params["declared"]) for w in lying.warnings] == [(errors.W_ENCODING, 3, "Windows")]


def test_lower_case_encoding_values():
    lines = [x.replace("«", '"').replace("»", '"') for x in simple(doc_lines())]
    assert parse(build([x.replace("Windows", "windows") for x in lines])).warnings == []
    dos = [x.replace("Кодировка=Windows", "Кодировка=dos") for x in lines]
    assert parse(build(dos, encoding="cp866")).warnings == []


def test_blank_lines_and_padding_change_nothing():
    clean = simple(doc_lines("1"), doc_lines("2"))
    padded = []
    for k, line in enumerate(clean):
        key, sep, value = line.partition("=")
        padded.append(f"  {key}\t =  {value} \t" if sep else f" {line}  ")
        if k % 4 == 0:
            padded.append("   " if k % 8 else "")
    a, b = parse(build(clean)), parse(build(padded))
    assert a.documents[0].fields == b.documents[0].fields
    assert [typed(d) for d in a.documents] == [typed(d) for d in b.documents]
    assert a.header.fields == b.header.fields
    assert b.warnings == []


def test_unknown_keys_are_kept():
    lines = simple(doc_lines(extra=["ИдентификаторПлатежа=abc-42", "X-Bank-Ref=7"]))
    lines.insert(3, "ПрограммаВыгрузки=iBank 2")
    st_ = parse(build(lines))
    assert st_.warnings == []
    assert st_.header.fields["ПрограммаВыгрузки"] == "iBank 2"
    assert st_.documents[0].fields["ИдентификаторПлатежа"] == "abc-42"
    assert st_.documents[0].fields["X-Bank-Ref"] == "7"


def test_repeated_header_keys_become_lists():
    lines = simple(doc_lines())
    lines[10:10] = ["РасчСчет=40702810900000000002", "Документ=Платежное поручение", "Документ=Банковский ордер"]
    header = parse(build(lines)).header
    assert header.accounts == ["40702810900000000001", "40702810900000000002"]
    assert header.document_kinds == ["Платежное поручение", "Банковский ордер"]


def test_missing_end_of_file_is_a_warning():
    st_ = parse(build(simple(doc_lines("1"), doc_lines("2"), end=False)))
    assert len(st_.documents) == 2
    assert st_.finished is False
    assert [w.message for w in st_.warnings] == [errors.W_NO_FILE_END]


def test_a_header_only_file():
    st_ = parse(build(HEADER))
    assert (st_.documents, st_.finished, [w.message for w in st_.warnings]) == ([], False, [errors.W_NO_FILE_END])
    assert st_.header.created_on == date(2026, 1, 6)


def test_utf8_bom_is_tolerated():
    data = build(simple(doc_lines()), encoding="utf-8")
    with_bom = parse(b"\xef\xbb\xbf" + data)
    assert with_bom == parse(data)
    assert with_bom.encoding == "utf-8"


def test_a_utf8_last_line_in_a_cp1251_file():
    data = fixture("kilylabs_one_day_cp1251.txt")
    assert data.endswith("КонецФайла\r\n".encode("cp1251"))
    mixed = data[: -len("КонецФайла\r\n")] + "КонецФайла\r\n".encode()
    st_ = parse(mixed)
    assert st_.finished is True
    assert len(st_.documents) == 13
    assert [(w.message, w.line) for w in st_.warnings] == [(errors.W_UTF8_LINE, 423)]
    assert str(st_.warnings[0]) == "Line 423 is UTF-8 inside a cp1251 file; it was read as UTF-8."


def test_a_utf8_line_with_a_byte_cp1251_lacks():
    lines = simple(doc_lines())
    data = build(lines)
    name = "Плательщик1=ООО «Ромашка»\r\n"
    utf8 = "Плательщик1=ИП Иванов\r\n".encode()  # И is D0 98 in UTF-8, 0x98 is not cp1251
    st_ = parse(data.replace(name.encode("cp1251"), utf8))
    assert st_.documents[0].payer_name == "ИП Иванов"
    assert [(w.message, w.line) for w in st_.warnings] == [(errors.W_UTF8_LINE, lines.index(name.strip()) + 1)]


def test_utf8_lines_deep_in_a_big_file():
    lines = simple(*(doc_lines(str(k)) for k in range(1500)))
    target = [k for k, line in enumerate(lines) if line.startswith("Плательщик1=")]
    a, b = target[1200], target[1300]
    data = b"".join(
        (
            line.replace("ООО", "ИП").encode("utf-8")
            if k == a
            else line.encode("utf-8")
            if k == b
            else line.encode("cp1251")
        )
        + b"\r\n"
        for k, line in enumerate(lines)
    )
    st_ = parse(data)
    assert len(st_.documents) == 1500
    assert [(w.message, w.line) for w in st_.warnings] == [(errors.W_UTF8_LINE, a + 1), (errors.W_UTF8_LINE, b + 1)]
    assert st_.documents[1200].payer_name == "ИП «Ромашка»"
    assert st_.documents[1300].payer_name == "ООО «Ромашка»"
    with slow_path_only():
        assert parse(data) == st_


def test_text_and_bytes_after_end_of_file_are_ignored():
    lines = simple(doc_lines())
    st_ = parse(build(lines) + b"\r\n\x1a")  # a DOS end-of-file mark
    assert st_.finished and len(st_.documents) == 1
    assert [(w.message, w.line) for w in st_.warnings] == [(errors.W_AFTER_END, len(lines) + 2)]
    st_ = parse(build([*lines, "", "что-то ещё"]))
    assert [(w.message, w.line) for w in st_.warnings] == [(errors.W_AFTER_END, len(lines) + 2)]


def test_key_value_lines_outside_sections_are_ignored_with_a_warning():
    lines = simple(doc_lines("1"), ["Лишнее=1"], doc_lines("2"))
    st_ = parse(build(lines))
    assert len(st_.documents) == 2
    assert [(w.message, w.line, w.key) for w in st_.warnings] == [
        (errors.W_OUTSIDE, lines.index("Лишнее=1") + 1, "Лишнее")
    ]


def test_values_and_names():
    doc = [x for x in doc_lines(amount="700.5") if not x.startswith(("Плательщик1=", "НазначениеПлатежа="))]
    doc[-1:-1] = [
        "Плательщик=ИНН 7701234567 ООО Ромашка",
        "НазначениеПлатежа1=Оплата по счету 1",
        "НазначениеПлатежа2=",
        "НазначениеПлатежа3=и по счету 2",
    ]
    parsed = parse(build(simple(doc))).documents[0]
    assert parsed.amount_kopecks == 70050
    assert parsed.payer_name == "ООО Ромашка"
    assert parsed.purpose == "Оплата по счету 1 и по счету 2"
    doc = [x.replace("ПлательщикСчет=40702810400000000002", "ПлательщикСчет=") for x in doc_lines(amount="700")]
    doc[-1:-1] = ["ПлательщикРасчСчет=40702810400000000002"]
    parsed = parse(build(simple(doc))).documents[0]
    assert (parsed.amount_kopecks, parsed.payer_account) == (70000, "40702810400000000002")


def test_amounts_need_ascii_digits():
    for amount in ("١٠٠", "١٠٠.٠٠", "²"):
        err = error_of(build(simple(doc_lines(amount=amount)), encoding="utf-8"))
        assert (err.message, err.key) == (errors.E_AMOUNT, "Сумма")


def test_reader_streams_and_counts_lines():
    lines = simple(
        [
            "СекцияРасчСчет",
            "РасчСчет=40702810900000000001",
            "НачальныйОстаток=-100.00",
            "ВсегоПоступило=200.00",
            "ВсегоСписано=0",
            "КонечныйОстаток=100",
            "КонецРасчСчет",
        ],
        doc_lines("1"),
        doc_lines("2"),
    )
    reader = StatementReader(io.BytesIO(build(lines)))
    assert reader.header.accounts == ["40702810900000000001"]
    docs = iter(reader)
    first = next(docs)
    assert first.number == "1"
    assert reader.sections == [AccountSection(11, "40702810900000000001", None, None, -10000, 20000, 0, 10000)]
    assert [d.number for d in docs] == ["2"]
    assert reader.finished is True
    assert reader.lines_read == len(lines)
    assert list(reader) == []  # one pass


def test_parse_takes_bytes_paths_and_streams(tmp_path):
    data = build(simple(doc_lines()))
    path = tmp_path / "kl_to_1c.txt"
    path.write_bytes(data)
    assert parse(data) == parse(str(path)) == parse(path) == parse(io.BytesIO(data)) == parse(bytearray(data))


def test_errors_and_warnings_speak_english_and_can_be_localized():
    err = error_of(build(simple(doc_lines(amount="12,50"))))
    assert str(err) == f"Line {len(HEADER) + 4}: Сумма is not an amount (rubles.kopecks with a dot): 12,50"
    assert err.params["value"] == "12,50"
    assert "12,50" in err.localized()  # inside the test app's context (Russian by default)
    warning = parse(build(simple(doc_lines(), end=False))).warnings[0]
    assert isinstance(warning, StatementWarning)
    assert warning.localized()
    assert hash(warning) == hash(StatementWarning(warning.message, {}, warning.line, warning.key))


# ---- strict where it is not -----------------------------------------------------------------------


def line_of(lines: list[str], text: str) -> int:
    return lines.index(text) + 1


@pytest.mark.parametrize(
    ("change", "message", "key"),
    [
        (("Сумма=1000.00", None), errors.E_MISSING, "Сумма"),
        (("Дата=05.01.2026", None), errors.E_MISSING, "Дата"),
        (("Сумма=1000.00", "Сумма="), errors.E_EMPTY_VALUE, "Сумма"),
        (("Дата=05.01.2026", "Дата=32.13.2026"), errors.E_DATE, "Дата"),
        (("Дата=05.01.2026", "Дата=5.1.2026"), errors.E_DATE, "Дата"),
        (("ДатаПоступило=05.01.2026", "ДатаПоступило=31.02.2026"), errors.E_DATE, "ДатаПоступило"),
        (("Сумма=1000.00", "Сумма=12,50"), errors.E_AMOUNT, "Сумма"),
        (("Сумма=1000.00", "Сумма=abc"), errors.E_AMOUNT, "Сумма"),
        (("Сумма=1000.00", "Сумма=1.005"), errors.E_AMOUNT, "Сумма"),
        (("Сумма=1000.00", "Сумма=700."), errors.E_AMOUNT, "Сумма"),
        (("Сумма=1000.00", "Сумма=-5.00"), errors.E_NEGATIVE, "Сумма"),
        (("Сумма=1000.00", "Сумма 1000.00"), errors.E_NOT_KEY_VALUE, None),
        (("Сумма=1000.00", "=1000.00"), errors.E_NO_KEY, None),
    ],
)
def test_bad_documents_name_the_line_and_the_key(change, message, key):
    old, new = change
    doc = doc_lines()
    doc = [new if x == old else x for x in doc if not (x == old and new is None)]
    lines = simple(doc_lines("0"), doc)
    err = error_of(build(lines))
    start = len(HEADER) + len(doc_lines("0")) + 1  # the second document's СекцияДокумент
    expected_line = start if new is None else line_of(lines, new)
    if message == errors.E_MISSING:
        expected_line = start
    assert (err.message, err.line, err.key) == (message, expected_line, key)
    assert f"Line {expected_line}" in str(err)
    if key:
        assert key in str(err)


@pytest.mark.parametrize(
    ("bad", "message", "key"),
    [
        ("Сумма=1 000.00", errors.E_AMOUNT, "Сумма"),
        ("Дата=31.02.2026", errors.E_DATE, "Дата"),
        ("ДатаСписано=2026-01-05", errors.E_DATE, "ДатаСписано"),
    ],
)
@pytest.mark.parametrize("tiers", ["fast", "slow"])
def test_bad_values_deep_in_a_big_file(bad, message, key, tiers):
    """The same errors when the document is read by tier 1 (a regular block far from the header)."""
    docs = [doc_lines(str(k)) for k in range(1500)]
    key_of = bad.partition("=")[0]
    docs[1200] = [x for x in docs[1200] if not x.startswith(key_of + "=")]  # a key may not repeat
    docs[1200].insert(10, bad)
    lines = simple(*docs)
    with slow_path_only() if tiers == "slow" else nullcontext():
        err = error_of(build(lines))
    assert (err.message, err.line, err.key) == (message, line_of(lines, bad), key)


@pytest.mark.parametrize("tiers", ["fast", "slow"])
@pytest.mark.parametrize(
    ("insert", "message", "key"),
    [
        ("Сумма 5", errors.E_NOT_KEY_VALUE, None),
        ("ПолучательКонецДокумента", errors.E_NOT_KEY_VALUE, None),  # ends like the marker, is not one
        ("", None, None),  # a blank line: fine
        ("СекцияДокумент=Платежное поручение", errors.E_DOCUMENT_NOT_CLOSED, "СекцияДокумент"),
        ("КонецФайла", errors.E_DOCUMENT_NOT_CLOSED, "КонецФайла"),
        ("СекцияРасчСчет", errors.E_DOCUMENT_NOT_CLOSED, "СекцияРасчСчет"),
        ("КонецРасчСчет", errors.E_DOCUMENT_NOT_CLOSED, "КонецРасчСчет"),
    ],
)
def test_structure_errors_deep_in_a_big_file(insert, message, key, tiers):
    docs = [doc_lines(str(k)) for k in range(1500)]
    docs[1400].insert(5, insert)
    lines = simple(*docs)
    with slow_path_only() if tiers == "slow" else nullcontext():
        if message is None:
            assert len(parse(build(lines)).documents) == 1500
            return
        err = error_of(build(lines))
    offset = len(HEADER) + sum(len(d) for d in docs[:1400])
    assert (err.message, err.line, err.key) == (message, offset + 6, key)
    if message == errors.E_DOCUMENT_NOT_CLOSED:
        assert err.params["start"] == offset + 1


@pytest.mark.parametrize("tiers", ["fast", "slow"])
def test_a_lone_cr_deep_in_a_crlf_file(tiers):
    """A line "K=V<CR>" then "Q<LF>" are two lines (the second one bad), not one line "K=VQ<CR><LF>"."""
    docs = [doc_lines(str(k)) for k in range(1500)]
    docs[1200].insert(2, "Q")
    lines = simple(*docs)
    data = build(lines).replace("Номер=1200\r\nQ\r\n".encode("cp1251"), "Номер=1200\rQ\n".encode("cp1251"))
    with slow_path_only() if tiers == "slow" else nullcontext():
        err = error_of(data)
    assert (err.message, err.line, err.params["text"]) == (errors.E_NOT_KEY_VALUE, line_of(lines, "Q"), "Q")


def test_sections_not_closed():
    account = ["СекцияРасчСчет", "РасчСчет=40702810900000000001", "НачальныйОстаток=1.00"]
    lines = simple(account, doc_lines())
    err = error_of(build(lines))
    assert (err.message, err.line, err.key) == (errors.E_ACCOUNT_NOT_CLOSED, len(HEADER) + 4, "СекцияДокумент")
    assert err.params["start"] == len(HEADER) + 1
    err = error_of(build(simple(account, end=False)))
    assert (err.message, err.line) == (errors.E_EOF_IN_ACCOUNT, len(HEADER) + 1)
    err = error_of(build(simple(["КонецДокумента"])))
    assert (err.message, err.line, err.key) == (errors.E_UNEXPECTED_END, len(HEADER) + 1, "КонецДокумента")
    err = error_of(build(simple(["КонецРасчСчет"])))
    assert (err.message, err.key) == (errors.E_UNEXPECTED_END, "КонецРасчСчет")


def test_bad_header_and_account_values():
    lines = [x.replace("ДатаСоздания=06.01.2026", "ДатаСоздания=06/01/2026") for x in simple(doc_lines())]
    err = error_of(build(lines))
    assert (err.message, err.line, err.key) == (errors.E_DATE, 6, "ДатаСоздания")
    lines = [x.replace("ВремяСоздания=09:15:00", "ВремяСоздания=25:00:00") for x in simple(doc_lines())]
    err = error_of(build(lines))
    assert (err.message, err.line, err.key) == (errors.E_TIME, 7, "ВремяСоздания")
    lines = simple(["СекцияРасчСчет", "РасчСчет=1", "ВсегоСписано=1.2.3", "КонецРасчСчет"])
    err = error_of(build(lines))
    assert (err.message, err.line, err.key) == (errors.E_AMOUNT, len(HEADER) + 3, "ВсегоСписано")


@pytest.mark.parametrize("cut", ["mid-document", "mid-line", "after-a-key"])
def test_truncated_file(cut):
    lines = simple(doc_lines("1"), doc_lines("2"))
    data = build(lines)
    second = data.index("СекцияДокумент".encode("cp1251"), data.index("КонецДокумента".encode("cp1251")))
    end = {
        "mid-document": data.index(b"\r\n", second + 200) + 2,
        "mid-line": data.index(b"\r\n", second + 200) - 3,
        "after-a-key": data.index("Сумма=".encode("cp1251"), second) + len("Сумма="),
    }[cut]
    err = error_of(data[:end])
    start = len(HEADER) + len(doc_lines()) + 1
    assert (err.message, err.line) == (errors.E_EOF_IN_DOCUMENT, start)
    assert str(err) == f"The file ends inside the document started on line {start}: it looks cut off."


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"", errors.E_EMPTY, None),
        (b"  \r\n\r\n\t\n", errors.E_EMPTY, None),
        (b"\xef\xbb\xbf", errors.E_EMPTY, None),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", errors.E_NOT_STATEMENT, 1),
        ("Дата;Сумма;Плательщик\r\n05.01.2026;100,00;ООО\r\n".encode("cp1251"), errors.E_NOT_STATEMENT, 1),
        (b"\r\n\r\n1CClientBankExchangeX\r\n", errors.E_NOT_STATEMENT, 3),
        (b"PK\x03\x04\x14\x00\x00\x00", errors.E_NOT_STATEMENT, 1),
        ("1CClientBankExchange\n".encode("utf-16"), errors.E_NOT_STATEMENT, 1),
    ],
)
def test_not_a_statement(data, message, line):
    err = error_of(data)
    assert (err.message, err.line) == (message, line)


@pytest.mark.parametrize(
    ("garbage", "message"),
    [(b"\x00", errors.E_BINARY), (b"\x07", errors.E_BINARY), (b"\x98", errors.E_UNDECODABLE)],
)
@pytest.mark.parametrize("where", ["small", "deep"])
def test_garbage_bytes(garbage, message, where):
    count = 3 if where == "small" else 1500
    lines = simple(*(doc_lines(str(k)) for k in range(count)))
    target = next(
        k
        for k, x in enumerate(lines)
        if x == "НазначениеПлатежа=Оплата по счету № 2 от 05.01.2026. В т.ч. НДС 22% 180.33"
    )
    if where == "deep":
        target = next(k for k, x in enumerate(lines) if "счету № 1400 " in x)
    data = b"".join(x.encode("cp1251") + (garbage if k == target else b"") + b"\r\n" for k, x in enumerate(lines))
    err = error_of(data)
    assert (err.message, err.line) == (message, target + 1)
    assert err.params["byte"] == f"0x{garbage[0]:02X}"


def test_a_control_byte_in_an_ascii_line_is_binary_not_utf8():
    lines = simple(doc_lines(extra=["X-Ref=abc"]))
    err = error_of(build(lines).replace(b"X-Ref=abc", b"X-Ref=a\x00bc\x98"))
    assert (err.message, err.line, err.params["byte"]) == (errors.E_BINARY, line_of(lines, "X-Ref=abc"), "0x00")
    err = error_of(build(lines).replace("КонецФайла".encode("cp1251"), "КонецФайла\x1a".encode("cp1251")))
    assert (err.message, err.line) == (errors.E_BINARY, len(lines))


def test_bad_utf8_in_a_utf8_file():
    lines = simple(doc_lines())
    data = build(lines, encoding="utf-8").replace("ООО «Ромашка»".encode(), b"\xd0\xd0")
    err = error_of(data)
    assert (err.message, err.line, err.params["encoding"]) == (
        errors.E_UNDECODABLE,
        line_of(lines, "Плательщик1=ООО «Ромашка»"),
        "utf-8",
    )
    err = error_of(build(lines, encoding="utf-8").replace(b"\xd0\x9e\xd0\x9e", b"\x01", 1))
    assert err.message == errors.E_BINARY


def test_too_long_lines():
    lines = simple(doc_lines(extra=["Примечание=" + "x" * 5000]))
    err = error_of(build(lines), max_line_bytes=1024)
    assert (err.message, err.line) == (errors.E_TOO_LONG, line_of(lines, "Примечание=" + "x" * 5000))
    assert len(parse(build(lines)).documents) == 1
    err = error_of(b"1CClientBankExchange\r\n" + b"a" * 10_000, max_line_bytes=1024)
    assert (err.message, err.line) == (errors.E_TOO_LONG, 2)


# ---- the writer -----------------------------------------------------------------------------------


def sample_header(**changes) -> Header:
    values = {
        "version": "1.03",
        "encoding_declared": "",
        "sender": "Бухгалтерия предприятия",
        "recipient": "Банк",
        "created_on": date(2026, 1, 6),
        "created_time": time(9, 5, 7),
        "date_from": date(2026, 1, 1),
        "date_to": date(2026, 1, 5),
        "accounts": ["40702810900000000001"],
        "document_kinds": ["Платежное поручение"],
        "fields": {},
    }
    return Header(**{**values, **changes})


def sample_document(**changes) -> Document:
    values = {name: "" for name in TYPED}
    values.update(
        line=0,
        kind="Платежное поручение",
        number="42",
        date=date(2026, 1, 5),
        amount_kopecks=123450,
        debited_on=None,
        received_on=date(2026, 1, 5),
        payer_account="40702810400000000002",
        payer_inn="7701234567",
        payer_name="ООО Ромашка",
        purpose="Оплата по счету № 42",
        fields={},
    )
    values.update(changes)
    return Document(**values)


def test_writer_output():
    section = AccountSection(0, "40702810900000000001", date(2026, 1, 1), date(2026, 1, 5), -50, 123450, 0, 123400)
    data = statement_bytes(sample_header(), [section], [sample_document()])
    text = data.decode("cp1251")
    assert text.startswith("1CClientBankExchange\r\nВерсияФормата=1.03\r\nКодировка=Windows\r\n")
    assert text.endswith("КонецДокумента\r\nКонецФайла\r\n")
    assert "\r\nСумма=1234.50\r\n" in text
    assert "\r\nНачальныйОстаток=-0.50\r\n" in text
    assert "\r\nВремяСоздания=09:05:07\r\n" in text
    assert "\r\nДата=05.01.2026\r\n" in text
    assert "\r\nПлательщик=ИНН 7701234567 ООО Ромашка\r\n" in text
    assert (
        statement_bytes(sample_header(), [], [], encoding="cp866").decode("cp866").split("\r\n")[2] == "Кодировка=DOS"
    )
    utf8 = statement_bytes(sample_header(), [], [], encoding="utf-8", newline="\n").decode("utf-8")
    assert utf8.split("\n")[2] == "Кодировка=UTF-8"
    assert parse(utf8.encode()).warnings == []
    stream = io.BytesIO()
    write_statement(stream, sample_header(), [section], iter([sample_document()]))
    assert stream.getvalue() == data


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        (sample_document(purpose="две\nстроки"), "НазначениеПлатежа"),
        (sample_document(payer_bank="ООО\rРомашка"), "ПлательщикБанк1"),
        (sample_document(payee_bank="tab\x0bin"), "ПолучательБанк1"),
        (sample_document(fields={"Ключ=С равно": "x"}), "Ключ=С равно"),
        (sample_document(fields={" Ключ": "x"}), " Ключ"),
        (sample_document(fields={"КонецДокумента": ""}), "КонецДокумента"),
    ],
)
def test_writer_refuses_what_cannot_be_read_back(document, fragment):
    with pytest.raises(ValueError, match=fragment):
        statement_bytes(sample_header(), [], [document])


def test_writer_names_the_field_it_cannot_encode():
    with pytest.raises(ValueError, match="ПолучательБанк1.*cp1251"):
        statement_bytes(sample_header(), [], [sample_document(payee_bank="Café ☕")])
    with pytest.raises(ValueError, match="ПлательщикБанк1.*cp866"):
        statement_bytes(sample_header(), [], [sample_document(payer_bank="«Банк»")], encoding="cp866")
    doc = parse(statement_bytes(sample_header(), [], [sample_document(payee_name="Café ☕")], encoding="utf-8"))
    assert doc.documents[0].payee_name == "Café ☕"
    with pytest.raises(ValueError, match="encoding"):
        statement_bytes(sample_header(), [], [], encoding="koi8-r")
    with pytest.raises(ValueError, match="newline"):
        statement_bytes(sample_header(), [], [], newline="\r")


def test_a_value_that_looks_like_a_marker():
    docs = [sample_document(number=str(k), purpose="КонецДокумента") for k in range(2000)]
    docs[1500] = sample_document(number="КонецДокумента", payer_name="СекцияДокумент=x")
    data = statement_bytes(sample_header(), [], docs)
    parsed = parse(data).documents
    assert [typed(d) for d in parsed] == [typed(d) for d in docs]


# ---- property tests -------------------------------------------------------------------------------

CYRILLIC = "".join(chr(c) for c in range(0x410, 0x450)) + "Ёё"
ALPHABET = CYRILLIC + "ABCXYZabcxyz0123456789 .,-№()/\"':;%+=!?*\t_"
text = st.text(ALPHABET, max_size=30).map(lambda s: s.strip(" \t"))
digits = st.text("0123456789", min_size=0, max_size=20)
days = st.dates(min_value=fields.EARLIEST_DATE, max_value=datetime.now(UTC).date() + timedelta(days=fields.FUTURE_DAYS))
maybe_day = st.none() | days
kopecks = st.integers(1, 10**12)
balances = st.none() | st.integers(-(10**12), 10**12)
extra_key = st.text(CYRILLIC + "0123456789", min_size=1, max_size=8).map(lambda s: "Доп" + s)


@st.composite
def documents(draw) -> Document:
    return Document(
        line=0,
        kind=draw(text),
        number=draw(text),
        date=draw(days),
        amount_kopecks=draw(kopecks),
        payer_account=draw(digits),
        payer_inn=draw(digits),
        payer_kpp=draw(digits),
        payer_name=draw(text),
        payer_bik=draw(digits),
        payer_bank=draw(text),
        payer_corr_account=draw(digits),
        debited_on=draw(maybe_day),
        payee_account=draw(digits),
        payee_inn=draw(digits),
        payee_kpp=draw(digits),
        payee_name=draw(text),
        payee_bik=draw(digits),
        payee_bank=draw(text),
        payee_corr_account=draw(digits),
        received_on=draw(maybe_day),
        payment_kind=draw(st.sampled_from(["01", "02", "06", "16", "17", ""])),
        priority=draw(st.sampled_from(["1", "3", "5", ""])),
        uin=draw(st.sampled_from(["0", "", "18210301000011000110"])),
        purpose=draw(text),
        fields=draw(st.dictionaries(extra_key, text, max_size=3)),
    )


headers = st.builds(
    Header,
    version=st.sampled_from(["1.01", "1.02", "1.03"]),
    encoding_declared=st.just(""),
    sender=text,
    recipient=text,
    created_on=maybe_day,
    created_time=st.none() | st.times().map(lambda t: t.replace(microsecond=0)),
    date_from=maybe_day,
    date_to=maybe_day,
    accounts=st.lists(digits, max_size=3),
    document_kinds=st.lists(text, max_size=2),
    fields=st.dictionaries(extra_key, text, max_size=2),
)
sections = st.builds(
    AccountSection,
    line=st.just(0),
    account=digits,
    date_from=maybe_day,
    date_to=maybe_day,
    opening_kopecks=balances,
    received_kopecks=balances,
    debited_kopecks=balances,
    closing_kopecks=balances,
)
encodings = st.sampled_from(["cp1251", "cp866", "utf-8"])
newlines = st.sampled_from(["\r\n", "\n"])


def check_round_trip(header, written_sections, docs, result, encoding):
    assert result.warnings == []
    assert result.finished is True
    assert result.encoding == encoding
    h = result.header
    assert (h.version, h.sender, h.recipient, h.created_on, h.created_time, h.date_from, h.date_to) == (
        header.version,
        header.sender,
        header.recipient,
        header.created_on,
        header.created_time,
        header.date_from,
        header.date_to,
    )
    assert h.encoding_declared == {"cp1251": "Windows", "cp866": "DOS", "utf-8": "UTF-8"}[encoding]
    assert (h.accounts, h.document_kinds) == (header.accounts, header.document_kinds)
    assert {k: h.fields[k] for k in header.fields} == header.fields
    assert [(s.account, s.date_from, s.date_to, s.opening_kopecks, s.closing_kopecks) for s in result.sections] == [
        (s.account, s.date_from, s.date_to, s.opening_kopecks, s.closing_kopecks) for s in written_sections
    ]
    assert [(s.received_kopecks, s.debited_kopecks) for s in result.sections] == [
        (s.received_kopecks, s.debited_kopecks) for s in written_sections
    ]
    assert [typed(d) for d in result.documents] == [typed(d) for d in docs]
    for parsed, written in zip(result.documents, docs, strict=True):
        assert {k: parsed.fields[k] for k in written.fields} == written.fields


@examples(100)
@given(
    header=headers,
    written_sections=st.lists(sections, max_size=3),
    docs=st.lists(documents(), max_size=30),
    encoding=encodings,
    newline=newlines,
    read_size=st.sampled_from([256, 512, 4096, blocks.DEFAULT_MAX_LINE_BYTES]),
)
def test_writer_then_reader_round_trip(header, written_sections, docs, encoding, newline, read_size):
    data = statement_bytes(header, written_sections, docs, encoding=encoding, newline=newline)
    result = parse(data, max_line_bytes=read_size)  # small blocks: many go through tier 1
    check_round_trip(header, written_sections, docs, result, encoding)
    with slow_path_only():
        assert parse(data) == result


@examples(200)
@given(st.binary(max_size=3000))
def test_any_bytes_raise_only_statement_errors(data):
    outcome(data)
    outcome(b"1CClientBankExchange\r\n" + data)


# bytes that meet the fast paths' assumptions head-on
TOKENS = [b"\r", b"\n", b"=", b" ", b"\t", b"\x1a", b"\x98", b"\xd0\x98", "КонецДокумента".encode("cp1251")]


def _valid_file(seed: int) -> tuple[bytes, list[bytes]]:
    rng = random.Random(seed)
    docs = [sample_document(number=str(k), amount_kopecks=rng.randrange(1, 10**9)) for k in range(rng.randrange(1, 25))]
    section = AccountSection(0, "40702810900000000001", date(2026, 1, 1), None, 100, 200, 300, 0)
    data = statement_bytes(sample_header(), [section] * rng.randrange(0, 3), docs, newline=rng.choice(["\r\n", "\n"]))
    return data, data.splitlines(keepends=True)


@examples(150)
@given(
    seed=st.integers(0, 1000),
    edits=st.lists(
        st.tuples(st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate"]), st.integers(0, 10**6)),
        max_size=5,
    ),
    noise=st.binary(min_size=1, max_size=20) | st.sampled_from(TOKENS),
    read_size=st.sampled_from([256, 1024, blocks.DEFAULT_MAX_LINE_BYTES]),
)
def test_mutated_files_raise_only_statement_errors_and_all_paths_agree(seed, edits, noise, read_size):
    _, lines = _valid_file(seed)
    for op, at in edits:
        if not lines:
            break
        k = at % len(lines)
        if op == "delete":
            del lines[k]
        elif op == "duplicate":
            lines.insert(k, lines[k])
        elif op == "swap":
            j = (k + 1) % len(lines)
            lines[k], lines[j] = lines[j], lines[k]
        elif op == "insert":
            lines[k] = lines[k][: at % (len(lines[k]) + 1)] + noise + lines[k][at % (len(lines[k]) + 1) :]
        else:
            lines = lines[: k + 1]
            lines[-1] = lines[-1][: at % (len(lines[-1]) + 1)]
    data = b"".join(lines)
    fast = outcome(data, max_line_bytes=read_size)
    with slow_path_only():
        slow = outcome(data, max_line_bytes=read_size)
    assert fast == slow


@pytest.mark.parametrize("encoding", ["koi8_r", "iso8859_5", "mac_cyrillic"])
def test_a_code_page_we_do_not_read_is_named_as_the_problem(encoding):
    lines = ["1CClientBankExchange", "ВерсияФормата=1.03", "Кодировка=Windows", "СекцияДокумент=Платежное поручение"]
    lines += ["Номер=1", "Дата=01.02.2026", "Сумма=10.00", "КонецДокумента", "КонецФайла"]
    text = "\r\n".join(lines)
    with pytest.raises(StatementError) as err:
        parse(text.encode(encoding))
    assert err.value.message == E_ENCODING and "Windows-1251" in str(err.value)


# ---- money and dates no bank document carries (issue 11) -----------------------------------------


def deep_file(change_at: int, old: str, new: str, count: int = 1500) -> tuple[list[str], bytes]:
    """A file big enough for tier 1, with one line of one document replaced."""
    docs = [doc_lines(str(k)) for k in range(count)]
    docs[change_at] = [new if x == old else x for x in docs[change_at]]
    lines = simple(*docs)
    return lines, build(lines)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0.00", errors.E_AMOUNT_ZERO),
        ("0", errors.E_AMOUNT_ZERO),
        ("000.0", errors.E_AMOUNT_ZERO),
        ("999999999999999999.99", errors.E_AMOUNT_TOO_BIG),  # beyond 64 bits in kopecks
        ("92233720368547758.08", errors.E_AMOUNT_TOO_BIG),  # one kopeck beyond 64 bits
        ("10000000000000.00", errors.E_AMOUNT_TOO_BIG),  # one kopeck beyond what 1C holds
        ("10000000000000", errors.E_AMOUNT_TOO_BIG),
    ],
)
@pytest.mark.parametrize("tiers", ["fast", "slow"])
def test_an_amount_no_bank_document_carries_is_refused_naming_the_line(amount, message, tiers):
    lines, data = deep_file(1200, "Сумма=1000.00", f"Сумма={amount}")
    with slow_path_only() if tiers == "slow" else nullcontext():
        err = error_of(data)
    assert (err.message, err.line, err.key) == (message, line_of(lines, f"Сумма={amount}"), "Сумма")
    assert amount in str(err)
    if message == errors.E_AMOUNT_TOO_BIG:
        assert "9999999999999.99" in str(err)  # says what the limit is
    small = error_of(build(simple(doc_lines(amount=amount))))
    assert (small.message, small.line) == (message, len(HEADER) + 4)


def test_the_largest_amount_1c_holds_is_read():
    assert fields.MAX_AMOUNT_KOPECKS == 999_999_999_999_999
    doc = parse(build(simple(doc_lines(amount="9999999999999.99")))).documents[0]
    assert doc.amount_kopecks == fields.MAX_AMOUNT_KOPECKS
    assert parse(build(simple(doc_lines(amount="0.01")))).documents[0].amount_kopecks == 1


@pytest.mark.parametrize("value", ["01.01.0001", "31.12.9999", "31.12.1991", "far-future"])
@pytest.mark.parametrize("key", ["Дата", "ДатаПоступило"])
@pytest.mark.parametrize("tiers", ["fast", "slow"])
def test_a_date_no_bank_wrote_is_refused_naming_the_line_and_key(value, key, tiers):
    if value == "far-future":
        value = (date.today() + timedelta(days=400)).strftime("%d.%m.%Y")
    lines, data = deep_file(1300, f"{key}=05.01.2026", f"{key}={value}")
    with slow_path_only() if tiers == "slow" else nullcontext():
        err = error_of(data)
    assert (err.message, err.line, err.key) == (errors.E_DATE_RANGE, line_of(lines, f"{key}={value}"), key)
    assert value in str(err) and "01.01.1992" in str(err)


def test_dates_in_the_header_and_sections_are_checked_too():
    lines = [x.replace("ДатаНачала=05.01.2026", "ДатаНачала=01.01.0001") for x in simple(doc_lines())]
    err = error_of(build(lines))
    assert (err.message, err.line, err.key) == (errors.E_DATE_RANGE, 8, "ДатаНачала")
    lines = simple(["СекцияРасчСчет", "ДатаКонца=31.12.9999", "РасчСчет=1", "КонецРасчСчет"])
    err = error_of(build(lines))
    assert (err.message, err.line, err.key) == (errors.E_DATE_RANGE, len(HEADER) + 2, "ДатаКонца")


def test_the_bank_date_window():
    soon = (date.today() + timedelta(days=300)).strftime("%d.%m.%Y")
    for value in ("01.01.1992", soon):
        doc = [x.replace("Дата=05.01.2026", f"Дата={value}") for x in doc_lines()]
        assert parse(build(simple(doc))).documents[0].date.strftime("%d.%m.%Y") == value


@pytest.mark.parametrize("key", ["Сумма", "ПлательщикИНН", "НазначениеПлатежа", "Примечание"])
@pytest.mark.parametrize("tiers", ["fast", "slow"])
def test_a_key_twice_in_one_document_is_refused_naming_both_lines(key, tiers):
    docs = [doc_lines(str(k), extra=["Примечание=1"]) for k in range(1500)]
    first = next(k for k, x in enumerate(docs[1200]) if x.startswith(key + "="))
    docs[1200].insert(len(docs[1200]) - 1, f"{key}=5")  # the last one used to win silently
    lines = simple(*docs)
    with slow_path_only() if tiers == "slow" else nullcontext():
        err = error_of(build(lines))
    offset = len(HEADER) + sum(len(d) for d in docs[:1200])
    assert (err.message, err.line, err.key) == (errors.E_REPEATED_KEY, offset + len(docs[1200]) - 1, key)
    assert err.params["first"] == offset + first + 1
    assert f"line {offset + first + 1}" in str(err) and key in str(err)


def test_a_key_may_repeat_in_the_header():
    lines = simple(doc_lines())
    lines.insert(len(HEADER), "РасчСчет=40702810900000000002")
    assert parse(build(lines)).header.accounts == ["40702810900000000001", "40702810900000000002"]


@pytest.mark.parametrize(
    ("cut", "text"),
    [
        ("Плательщик1=ООО «Ромашка»", "Плате"),  # in the middle of a key
        ("КонецДокумента", "КонецДок"),
        ("КонецФайла", "КонецФа"),
    ],
)
@pytest.mark.parametrize("tiers", ["fast", "slow"])
def test_a_file_cut_in_the_middle_of_its_last_line_says_it_looks_cut_off(cut, text, tiers):
    docs = [doc_lines(str(k)) for k in range(1500)]
    lines = simple(*docs)
    at = (
        len(lines) - 1
        if cut == "КонецФайла"
        else len(lines) - 1 - next(k for k, x in enumerate(reversed(lines[:-1])) if x == cut)
    )
    data = build(lines[:at]) + text.encode("cp1251")  # no line end: the file stops there
    with slow_path_only() if tiers == "slow" else nullcontext():
        err = error_of(data)
    assert (err.message, err.line, err.params["text"]) == (errors.E_CUT_OFF, at + 1, text)
    assert "cut off" in str(err) and f"Line {at + 1}" in str(err)


def test_a_utf8_file_cut_inside_a_character_says_it_looks_cut_off():
    lines = simple(doc_lines(), doc_lines("2"))
    data = build(lines, encoding="utf-8")
    end = data.rindex("Плательщик1=ООО «Ромашка»".encode()) + len("Плательщик1=ООО «Р".encode()) - 1
    err = error_of(data[:end])
    last = len(lines) - lines[::-1].index("Плательщик1=ООО «Ромашка»")
    assert (err.message, err.line, err.params["text"]) == (errors.E_CUT_OFF, last, "Плательщик1=ООО «�")


def test_a_last_line_without_its_line_end_is_fine_when_it_is_whole():
    data = build(simple(doc_lines())).rstrip(b"\r\n")
    assert parse(data).finished is True
    err = error_of(build(simple(doc_lines()))[:-2] + b"x")  # КонецФайлаx: a whole line, only wrong
    assert err.message == errors.E_CUT_OFF  # still the last line, still no line end
    err = error_of(build(simple(doc_lines(), ["Мусор"])))  # a bad line that does end: not cut off
    assert err.message != errors.E_CUT_OFF
    err = error_of(build(simple(doc_lines()))[:-2] + b"\x98")  # a byte cp1251 lacks: no cut makes it
    assert (err.message, err.line) == (errors.E_UNDECODABLE, len(simple(doc_lines())))
