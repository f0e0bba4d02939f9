"""The 1CClientBankExchange statement as the reader gives it: the format's key names and markers, and the
typed ``Header``, ``AccountSection``, ``Document`` and ``Statement``.

``DOCUMENT_KEYS`` is the order 1C writes a document's keys in (the writer keeps it); ``KNOWN`` holds every
standard key, which is what lets the reader's fast paths take a document as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from debitor.onec.errors import StatementWarning

SIGNATURE = "1CClientBankExchange"
DOC = "СекцияДокумент"
DOC_END = "КонецДокумента"
ACC = "СекцияРасчСчет"
ACC_END = "КонецРасчСчет"
FILE_END = "КонецФайла"
MARKERS = frozenset({DOC, DOC_END, ACC, ACC_END, FILE_END, ""})  # "" = a line "=value"
PURPOSE_PARTS = tuple(f"НазначениеПлатежа{k}" for k in range(1, 7))

HEADER_KEYS = (
    "ВерсияФормата",
    "Кодировка",
    "Отправитель",
    "Получатель",
    "ДатаСоздания",
    "ВремяСоздания",
    "ДатаНачала",
    "ДатаКонца",
    "РасчСчет",
    "Документ",
)
ACCOUNT_KEYS = (
    "ДатаНачала",
    "ДатаКонца",
    "РасчСчет",
    "НачальныйОстаток",
    "ВсегоПоступило",
    "ВсегоСписано",
    "КонечныйОстаток",
)
# the keys of a document in the order 1C writes them (the writer uses this order)
DOCUMENT_KEYS = (
    "Номер",
    "Дата",
    "Сумма",
    "КвитанцияДата",
    "КвитанцияВремя",
    "КвитанцияСодержание",
    "ПлательщикСчет",
    "ДатаСписано",
    "Плательщик",
    "ПлательщикИНН",
    "ПлательщикКПП",
    "Плательщик1",
    "Плательщик2",
    "Плательщик3",
    "Плательщик4",
    "ПлательщикРасчСчет",
    "ПлательщикБанк1",
    "ПлательщикБанк2",
    "ПлательщикБИК",
    "ПлательщикКорсчет",
    "ПолучательСчет",
    "ДатаПоступило",
    "Получатель",
    "ПолучательИНН",
    "ПолучательКПП",
    "Получатель1",
    "Получатель2",
    "Получатель3",
    "Получатель4",
    "ПолучательРасчСчет",
    "ПолучательБанк1",
    "ПолучательБанк2",
    "ПолучательБИК",
    "ПолучательКорсчет",
    "ВидПлатежа",
    "ВидОплаты",
    "КодНазПлатежа",
    "Код",
    "СтатусСоставителя",
    "ПоказательКБК",
    "ОКАТО",
    "ПоказательОснования",
    "ПоказательПериода",
    "ПоказательНомера",
    "ПоказательДаты",
    "ПоказательТипа",
    "СрокАкцепта",
    "ВидАккредитива",
    "СрокПлатежа",
    "УсловиеОплаты1",
    "УсловиеОплаты2",
    "УсловиеОплаты3",
    "ПлатежПоПредст",
    "ДополнУсловия",
    "НомерСчетаПоставщика",
    "ДатаОтсылкиДок",
    "Очередность",
    "НазначениеПлатежа",
    *PURPOSE_PARTS,
)
# Lines with these keys cannot be UTF-8 in a cp1251/cp866 file (a Cyrillic key is never valid
# UTF-8 there), so only lines with other keys are checked for it.
KNOWN = frozenset(HEADER_KEYS + ACCOUNT_KEYS + DOCUMENT_KEYS)


@dataclass(slots=True)
class Header:
    version: str
    encoding_declared: str
    sender: str
    recipient: str
    created_on: date | None
    created_time: time | None
    date_from: date | None
    date_to: date | None
    accounts: list[str]
    document_kinds: list[str]
    fields: dict[str, str]


@dataclass(slots=True)
class AccountSection:
    line: int
    account: str
    date_from: date | None
    date_to: date | None
    opening_kopecks: int | None
    received_kopecks: int | None
    debited_kopecks: int | None
    closing_kopecks: int | None


@dataclass(slots=True)
class Document:
    """One ``СекцияДокумент``; the typed fields come from ``fields``, which holds every key as written."""

    line: int  # line of its СекцияДокумент
    kind: str  # the СекцияДокумент value, e.g. "Платежное поручение"
    number: str
    date: date
    amount_kopecks: int
    payer_account: str
    payer_inn: str
    payer_kpp: str
    payer_name: str
    payer_bik: str
    payer_bank: str
    payer_corr_account: str
    debited_on: date | None  # ДатаСписано
    payee_account: str
    payee_inn: str
    payee_kpp: str
    payee_name: str
    payee_bik: str
    payee_bank: str
    payee_corr_account: str
    received_on: date | None  # ДатаПоступило
    payment_kind: str  # ВидОплаты
    priority: str  # Очередность
    uin: str  # Код
    purpose: str
    fields: dict[str, str]


@dataclass(slots=True)
class Statement:
    header: Header
    sections: list[AccountSection]
    documents: list[Document]
    warnings: list[StatementWarning]
    encoding: str
    finished: bool
