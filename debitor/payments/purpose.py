"""Invoice references in a bank payment's purpose text (НазначениеПлатежа), for matching payments.

Clients type our invoice numbers every way they can (``по сч. 42``, ``Опл. счета N42``, ``ОПЛАТА ПО СЧ.№ 42
ОТ 05.01.2026Г.``, ``счетам №№ 12, 13 и 15``), next to numbers that are something else: contracts, acts,
VAT notes, amounts, ИНН/КПП/accounts, payment orders. The reading is keyword-driven: a number is an
invoice reference only right after a word for an invoice (счёт, сч., сч-ту, счёт-оферта, invoice, inv);
after any other document word it is read as that document's number and never becomes an invoice.
Pure (no database), never raises, compiled regexes only: it runs over every payment of an import.

Ambiguous writing, decided here:

- ``42/2026``, ``42-2026``, ``2026-42``, ``2026/42``: invoice 42 of 2026 (a 4-digit year, within ten years
  of ``default_year`` when given). ``42/26`` is invoice 42 of 2026 only when ``default_year`` is 2026 or
  2027; otherwise a slash separates invoices, so ``сч № 12/13`` is invoices 12 and 13.
- ``счета 12-15``: invoices 12 to 15 when the range is short (at most 20); ``1666-67`` and ``12 000,00``
  are amounts, so no invoice is read there; ``счета 12,13`` is a list (an amount needs ≥ 100 roubles
  or a currency word there).
- A date after several numbers (``счета 12, 13 от 01.02.2026``) dates every undated number before it
  in that list; ``по счёту от 05.01.2026 № 42`` dates 42 too. A date with no year (``от 05.01``) takes
  ``default_year`` for ``on`` but gives no ``year`` (a guess is no evidence). An impossible date
  (``31.02.2026``) keeps its year, ``on`` is ``None``.
- ``с/ф``, ``счёт-фактура``, ``УПД`` and a bare ``№ 42`` that follows no document word are
  ``invoice_like``: a VAT-invoice number often equals the invoice number in small companies, but it is
  not our sequence, so matching should weigh them lower.
- ``К-7`` (our credit notes) go to ``credit_notes``: after an invoice word in any case, alone only as
  an upper-case ``К-``/``K-`` (a lower-case ``к-1`` is usually a building, корпус).
- Act numbers go to ``acts`` and contract numbers to ``contracts`` (as written), never to invoices.
- ``vat_kopecks`` is the sum of every VAT amount stated (a payment can cover 20 % and 22 % invoices);
  ``amounts_kopecks`` holds the other amounts that carry kopecks or a currency word, or follow «сумма».
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple

__all__ = ["InvoiceRef", "PurposeRefs", "extract", "parse_amount"]


class InvoiceRef(NamedTuple):
    """An invoice number in a purpose. This and ``PurposeRefs`` are named tuples, immutable values: the
    import's reader process sends 100 000 of them over a pipe, and a frozen dataclass costs several times
    as much to unpickle."""

    number: int
    raw: str  # the number as written: "0042", "42/2026", "К-7"; always text[span[0]:span[1]]
    span: tuple[int, int]
    on: date | None = None
    year: int | None = None  # from a "/2026"-style affix, else from the date, else None


class PurposeRefs(NamedTuple):
    invoices: tuple[InvoiceRef, ...] = ()  # in order of appearance, de-duplicated by (number, on)
    contracts: tuple[str, ...] = ()
    vat_kopecks: int | None = None
    no_vat: bool = False
    amounts_kopecks: tuple[int, ...] = ()
    invoice_like: tuple[InvoiceRef, ...] = ()  # счёт-фактура / УПД / bare "№ 42": weaker evidence
    credit_notes: tuple[InvoiceRef, ...] = ()  # "К-7"
    acts: tuple[str, ...] = ()


_EMPTY = PurposeRefs()

# One character for one character, so that offsets in the folded text are offsets in the original (the
# only character whose lower case is longer, "İ", is folded here too).
_FOLD = str.maketrans(
    {
        "ё": "е",
        "Ё": "е",
        "İ": "i",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\t": " ",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
    }
)
_NEEDS_FOLD = re.compile("[ёЁİ\u00a0\u2007\u202f\t\u2010-\u2014\u2212]")

_L = r"[^\W\d_]"  # a letter
_NR = rf"(?!{_L})"  # a word ends here
_SIGN = r"(?:№\s*)+|n(?:[оo°º]\.?)?(?=\s*\d)|#|номер[а-я]*|ном\."
_PUNCT = r"[\s,.:;()«»\"'\-]"
_ACCOUNT = r"\.?\s?сч[а-я]*\.?"
_OTHER = (
    r"платежн[а-я]*\s+поручени[а-я]*",
    r"пл(?:ат)?\.?\s?пор\.?",
    r"п\s?/\s?п",
    r"пп",
    r"п\.п\.",
    r"поручени[а-я]*",
    r"заказ[а-я]*",
    r"заявк[а-я]*",
    r"order",
    r"накладн[а-я]*",
    r"торг-12",
    r"спецификац[а-я]*",
    r"приложени[а-я]*",
    r"соглашени[а-я]*",
    r"д\s?/\s?с",
    r"дс",
    r"письм[а-я]*",
    r"претензи[а-я]*",
    r"реестр[а-я]*",
    r"лот[а-я]*",
    r"закупк[а-я]*",
    r"извещени[а-я]*",
    r"аукцион[а-я]*",
    r"тендер[а-я]*",
    r"икз",
    r"уин",
    r"инн",
    r"кпп",
    r"бик",
    r"огрн[а-я]*",
    r"окато",
    r"октмо",
    r"кбк",
    r"тел[а-я]*\.?",
    r"квитанци[а-я]*",
    r"чек[а-я]*",
    r"ордер[а-я]*",
    r"кв\.?",
    r"квартир[а-я]*",
    r"дом",
    r"д\.(?=\s?\d)",
    r"корп[а-я]*\.?",
)

# The words that say what the number after them is, in order of priority, in the lower-cased text. Each
# pattern starts with one literal character, so that the scan jumps (in C) to where such a word can start.
_ANCHORS = (
    # bank, personal and correspondent accounts: the "счёт" in them is not an invoice
    *(("account", rf"{c}\s?/\s?с(?:ч[а-я]*)?\.?") for c in "ркл"),
    ("account", rf"лс{_NR}"),
    *(
        ("account", stem + _ACCOUNT)
        for stem in ("расч[а-я]*", "корр?", "корресп[а-я]*", "банк[а-я]*", "валют[а-я]*", "транзит[а-я]*")
    ),
    *(("account", stem + _ACCOUNT) for stem in ("бюджет[а-я]*", "лиц[а-я]*")),
    # VAT invoices and УПД: maybe our number, weaker evidence
    *(("like", rf"{c}ч(?:ет(?:а|у|ом|е|ов|ам|ами|ах)?)?\.?\s?-?\s?фактур[а-я]*") for c in "сc"),
    *(("like", rf"{c}ч?\.?[/\\\-]?ф(?:\.|{_NR})") for c in "сc"),
    ("like", rf"упд{_NR}"),
    ("like", rf"укд{_NR}"),
    ("novat", r"без\s*\(?\s*(?:ндс|налог[а-я]*(?:\s*\(\s*ндс\s*\))?)"),
    (
        "novat",
        rf"ндс\s*[-:]?\s*(?:не\s*облаг[а-я]*\.?|нет{_NR}|не\s*предусм[а-я]*\.?|не\s*начисл[а-я]*\.?|не\s*взима[а-я]*)",
    ),
    ("novat", r"не\s*облага[а-я]*\s*ндс"),
    ("novat", r"освобожд[а-я]*\s*от\s*(?:уплаты\s*)?ндс"),
    # our invoices
    *(
        ("inv", rf"{c}ч(?:ет(?:а|у|ом|е|ов|ам|ами|ах)?|-?т(?:а|у|ом|е|ов|ам)?)?{_NR}(?:\s?-\s?оферт[а-я]*)?")
        for c in "сc"
    ),
    ("inv", rf"inv(?:oice)?s?{_NR}"),
    *(
        ("contract", word + _NR)
        for word in (r"договор[а-я]*", r"дог-р[а-я]*", r"дог\.", "дог", r"д-р[а-я]*", "д/р", r"контракт[а-я]*")
    ),
    ("contract", rf"contract{_NR}"),
    ("contract", rf"agreement{_NR}"),
    ("act", rf"акт(?:а|у|ом|е|ы|ов|ам|ами|ах)?{_NR}"),
    ("vat", rf"ндс{_NR}"),
    ("vat", rf"vat{_NR}"),
    *(("amount", word + _NR) for word in (r"на\s+сумм[а-я]*", r"в\s+сумм[а-я]*", r"сумм[а-я]*", "итого", "всего")),
    ("amount", rf"total{_NR}"),
    # other documents and identifiers, whose numbers are not invoices
    *(("other", rf"{word}(?:{_NR}|(?<=\.))") for word in _OTHER),
    ("credit", r"к\s?-\s?(?=\d)"),
    ("credit", r"k\s?-\s?(?=\d)"),
    ("sign", "№"),
    ("sign", r"n(?:[оo°º]\.?)?(?=\s*\d)"),
    ("sign", r"#(?=\s*\d)"),
)
_KEYWORDS = frozenset({"account", "like", "novat", "inv", "contract", "act", "vat", "amount", "other"})


def _anchor_regex(entries) -> tuple[re.Pattern, tuple[str, ...]]:
    """One alternation per first character; each alternative ends in an empty group whose number
    (``lastindex``) gives its kind. (Named groups would be slower: every group costs at every position.)"""
    by_first: dict[str, list[tuple[str, str]]] = {}
    for kind, pattern in entries:
        by_first.setdefault(pattern[0], []).append((kind, pattern[1:]))
    alts, kinds = [], [""]
    for first, rests in by_first.items():
        word_start = rf"(?<!{_L}[\s\S])" if first.isalpha() else ""
        alts.append(f"{re.escape(first)}{word_start}(?:{'|'.join(f'{rest}()' for _, rest in rests)})")
        kinds.extend(kind for kind, _ in rests)
    return re.compile("|".join(alts)), tuple(kinds)


_ANCHOR, _ANCHOR_KINDS = _anchor_regex(_ANCHORS)

_MONTHS = {
    "янв": 1,
    "фев": 2,
    "мар": 3,
    "апр": 4,
    "май": 5,
    "мая": 5,
    "июн": 6,
    "июл": 7,
    "авг": 8,
    "сен": 9,
    "окт": 10,
    "ноя": 11,
    "дек": 12,
}
_ON = re.compile(
    r"\s*(?:(?P<ot>от|from|dd|d\.d\.|dated)\s*)?[«\"']?(?P<d>\d{1,2})(?:"
    r"(?P<sep>[./\-])(?P<m>\d{1,2})(?:(?P=sep)(?P<y>\d{4}|\d{2}))?(?![./\-]?\d)"
    r"|[»\"']?\s*(?P<mon>янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек)[а-я]*\.?(?:\s*(?P<ym>\d{4}))?"
    rf")(?!\d)(?:\s*г(?:ода?|г)?\.?{_NR})?",
)

# the first digit comes first (not a look-behind) so that a scan jumps from digit to digit
_RUB = r"(?P<rub>\d{LB}(?:\d{0,2}(?:[ '](?=\d{3}(?!\d))\d{3})+|\d*))"
_CURRENCY = r"руб(?:л[а-я]*)?\.?|р\.|р(?![^\W\d_/])|₽|rub(?![^\W\d_])|rur(?![^\W\d_])"
_AMOUNT_BODY = (
    _RUB + r"(?:(?P<ksep>[.,=\-])(?P<kop>\d{2})(?!\d))?(?!\s?%)(?![.,/\-]?\d){MARKED}"
    rf"(?:\s*(?P<cur>{_CURRENCY})(?:\s*(?P<kop2>\d{{1,2}})\s*(?:коп[а-я]*\.?|к\.|к(?![^\W\d_])))?)?"
)
_AMOUNT_BODY, _MARKED = _AMOUNT_BODY.replace("{MARKED}", ""), _AMOUNT_BODY
# the free scan: only amounts with kopecks or a currency word, and not inside a longer number
_AMOUNT_FREE = re.compile(
    _MARKED.replace("{LB}", r"(?<![\d.,/\-]\d)").replace("{MARKED}", rf"(?(kop)|(?=\s*(?:{_CURRENCY})))")
)
_AMOUNT = re.compile(_AMOUNT_BODY.replace("{LB}", r"(?<![\d.,/\-]\d)"))
_AMOUNT_AT = re.compile(_AMOUNT_BODY.replace("{LB}", ""))
_AMOUNT_ONLY = re.compile(r"\s*" + _AMOUNT_BODY.replace("{LB}", "") + r"\s*")

# "suspect": what follows may make the number a date or an amount ("05.01.2026", "12 000 руб.")
_ITEM = re.compile(
    r"(?P<credit>[кk]\s?-\s?)?(?P<a>\d+)(?:(?P<sep>\s?/\s?|-)(?P<b>\d+))?(?P<suspect>(?=[.,=\-/]\d|\s?[\d'р₽r]))?"
)
_ITEM_TAIL_OK = re.compile(rf"(?:от|и){_NR}")
_PERCENT = re.compile(r"\s?%")
_SEP = re.compile(rf"\s*(?:[,;+&/]|и{_NR}|and{_NR})\s*(?:(?:{_SIGN})\s*)?")

_LEAD = re.compile(r"[\s.:\-]*")
_INV_LEAD = re.compile(
    r"[\s.:\-]*(?:(?:(?:на|для)\s+)?(?:пред)?оплат[а-я]*[\s.:\-]*|\(\s*оферт[а-я]*\s*\)[\s.:\-]*)?",
)
_SIGN_AT = re.compile(rf"[\s.:,\-]*(?:{_SIGN})\s*")
_WORDS_SIGN = re.compile(rf"{_L}+(?:{_PUNCT}+{_L}+){{0,5}}?{_PUNCT}*(?:{_SIGN})\s*")
_TOKEN = re.compile(
    rf"(?:{_L}{{1,8}}[-/.]?)?\d+(?:[/\\\-.]\d+)*(?:[-/]{_L}{{1,4}}(?:[-/.]?\d+(?:[/\\\-.]\d+)*)?)*{_NR}",
)
_VAT_TAIL = re.compile(
    r"[\s:=\-]*(?:\(\s*)?(?:(?:по\s+)?ставк[а-я]*\s*)?"
    r"(?:(?P<rate>\d{1,2}(?:[.,]\d{1,2})?\s*%|\d{1,2}/1\d\d(?!\d)))?\s*\)?"
    r"(?P<gap>[\s:=\-,]*(?:(?:в\s+)?сумм[а-я]*|составля[а-я]*)?[\s:=\-]*)",
)
_AMOUNT_LEAD = re.compile(r"[\s:=\-]*")
_PLAIN_NUMBER = re.compile(r"[\s.:\-]*\d[\w/\\\-]*")

_MAX_DIGITS = 8  # longer digit strings are ИНН, КПП, БИК, accounts, УИН
_MAX_RANGE = 20


def _fold(text: str) -> str:
    """Lower case, ё as е, one kind of space and dash; same length as ``text``."""
    if _NEEDS_FOLD.search(text):
        text = text.translate(_FOLD)
    return text.lower()


def parse_amount(text: str) -> int | None:
    """Kopecks in '22000.00', '22 000,00', '22000-00', '1 666,67 руб.', '12 000 руб. 00 коп.'; None if not an amount."""
    if not isinstance(text, str):
        return None
    m = _AMOUNT_ONLY.fullmatch(_fold(text))
    return _kopecks(m) if m else None


def _kopecks(m: re.Match) -> int:
    rub = int(m["rub"].replace(" ", "").replace("'", ""))
    kop = m["kop"] or m["kop2"] or "0"
    return rub * 100 + int(kop)


def _is_money(m: re.Match) -> bool:
    """An amount by its look alone: kopecks or a currency word (a bare number is not)."""
    if m["cur"]:
        return True
    if not m["kop"]:
        return False
    if m["ksep"] in ".,":
        return True
    return int(m["rub"].replace(" ", "").replace("'", "")) >= 100  # "150-00", "150=00"; not "1-10"


def _is_money_in_list(m: re.Match) -> bool:
    """Stricter after an invoice word, where "12,13" is a list and "12-15" a range."""
    if m["cur"]:
        return True
    if not m["kop"]:
        return False
    rub = int(m["rub"].replace(" ", "").replace("'", ""))
    if m["ksep"] in ".=":
        return True
    if m["ksep"] == ",":
        return rub >= 100
    return rub >= 100 and int(m["kop"]) < rub  # "1666-67"


def _year_like(digits: str, default_year: int | None) -> bool:
    if len(digits) != 4:
        return False
    y = int(digits)
    if default_year is None:
        return 2000 <= y <= 2099
    return default_year - 10 <= y <= default_year + 1


def _read_date(t: str, pos: int, end: int, default_year: int | None, need_ot: bool):
    """(on, year, end) of a date at ``pos`` ("от 05.01.2026", "5 января 2026 г."), or None."""
    m = _ON.match(t, pos, end)
    if m is None:
        return None
    ot = m["ot"]
    if need_ot and not ot:
        return None
    if m["mon"]:
        month = _MONTHS[m["mon"]]
        ys = m["ym"]
    else:
        month = int(m["m"])
        ys = m["y"]
    if ys is None:  # "от 05.01": this year's, a guess, so it gives no ``year``
        if not ot:
            return None
        guess, year = default_year, None
    else:
        guess = year = int(ys) + (2000 if len(ys) == 2 else 0)
    on = None
    if guess is not None:
        try:
            on = date(guess, month, int(m["d"]))
        except ValueError:
            on = None
    return on, year, m.end()


def _looks_like_date(t: str, pos: int, end: int) -> bool:
    m = _ON.match(t, pos, end)
    if m is None or m["ot"] or m["mon"] or m["y"] is None:
        return False
    if m["sep"] == "." or len(m["y"]) == 4:
        return True
    try:
        date(2000 + int(m["y"]), int(m["m"]), int(m["d"]))
    except ValueError:
        return False
    return True


def _read_item(t: str, pos: int, end: int, default_year: int | None):
    """The invoice numbers written at ``pos`` as [(number, start, end, year, credit)], and where they end."""
    m = _ITEM.match(t, pos, end)
    if m is None:
        return None
    a, b, sep = m["a"], m["b"], m["sep"]
    start = m.start()
    a_start, a_end = m.span("a")
    credit = m["credit"] is not None
    if len(a) > _MAX_DIGITS:
        return None
    suspect = not credit and (b is not None or m["suspect"] is not None)
    if suspect and _looks_like_date(t, a_start, end):
        return None
    found = None
    if b is not None and len(b) <= _MAX_DIGITS:
        if _year_like(b, default_year):  # 42/2026, 42-2026
            found = [(int(a), start, m.end(), int(b), credit)], m.end()
        elif _year_like(a, default_year) and not _year_like(b, default_year):  # 2026-42, 2026/42
            found = [(int(b), start, m.end(), int(a), credit)], m.end()
    if found is None:
        if suspect:
            money = _AMOUNT_AT.match(t, a_start, end)
            if money is not None and _is_money_in_list(money):
                return None
        items = [(int(a), start, a_end, None, credit)]
        stop = a_end
        if b is not None and len(b) <= _MAX_DIGITS:
            sep = sep.strip()
            if sep == "/" and default_year is not None and len(b) == 2:
                if 2000 + int(b) in (default_year, default_year - 1):  # 42/26 in 2026
                    items = [(int(a), start, m.end(), 2000 + int(b), credit)]
                    stop = m.end()
            elif sep == "-":
                lo, hi = int(a), int(b)
                if lo < hi <= lo + _MAX_RANGE:
                    items = [(n, start, m.end(), None, credit) for n in range(lo, hi + 1)]
                    stop = m.end()
        found = items, stop
    items, stop = found
    nxt = t[stop : stop + 1]
    if nxt.isalpha() and not _ITEM_TAIL_OK.match(t, stop, end) or _PERCENT.match(t, stop, end):
        return None
    items = [item for item in items if item[0] > 0]
    return (items, stop) if items else None


def _read_list(t: str, pos: int, end: int, default_year: int | None):
    """Numbers joined by commas, "и", slashes, each maybe with its date: [[number, s, e, year, credit, on,
    date_year]] and the end of what was read."""
    out: list[list] = []
    undated = 0
    got = _read_item(t, pos, end, default_year)
    while got is not None:
        items, pos = got
        out.extend([*item, None, None] for item in items)
        dated = _read_date(t, pos, end, default_year, need_ot=False)
        if dated is not None:
            on, year, pos = dated
            for item in out[undated:]:
                item[5], item[6] = on, year
            undated = len(out)
        sep = _SEP.match(t, pos, end)
        if sep is None:
            break
        got = _read_item(t, sep.end(), end, default_year)
    return out, pos


def _lead_to_number(t: str, pos: int, end: int, default_year: int | None, inv: bool):
    """After a document word: skip filler ("на оплату", "от <date>", "№", a few words before "№") and
    return (position of the number, date written before it)."""
    pos = (_INV_LEAD if inv else _LEAD).match(t, pos, end).end()
    c = t[pos : pos + 1]
    if c.isdigit() or c in ("к", "k"):
        return pos, None
    if c in ("№", "n", "#", "н"):
        sign = _SIGN_AT.match(t, pos, end)
        if sign is not None:
            return sign.end(), None
    elif c in ("о", "f", "d"):
        pre = _read_date(t, pos, end, default_year, need_ot=True)
        if pre is not None:
            sign = _SIGN_AT.match(t, pre[2], end)
            return (sign.end(), pre) if sign is not None else (None, None)
    words = _WORDS_SIGN.match(t, pos, end)
    if words is not None:
        return words.end(), None
    return None, None


def _read_token(t: str, pos: int, end: int, default_year: int | None):
    """Where a contract's (or another document's) number is written, and where it and its date end."""
    at, _ = _lead_to_number(t, pos, end, default_year, inv=False)
    if at is None and _TOKEN.match(t, _LEAD.match(t, pos, end).end(), end):
        at = _LEAD.match(t, pos, end).end()  # "ДУ-15"
    if at is None:
        dated = _read_date(t, pos, end, default_year, need_ot=False)
        return None, dated[2] if dated else pos
    if _looks_like_date(t, at, end):
        dated = _read_date(t, at, end, default_year, need_ot=False)
        return None, dated[2] if dated else at
    m = _TOKEN.match(t, at, end)
    if m is None:
        return None, at
    stop = m.start() + len(m.group().rstrip("./-\\ "))
    dated = _read_date(t, stop, end, default_year, need_ot=True)
    return (m.start(), stop), dated[2] if dated else stop


def _anchors(t: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the document words in the folded text."""
    return [(m.start(), m.end(), _ANCHOR_KINDS[m.lastindex]) for m in _ANCHOR.finditer(t)]


def extract(text: str, *, default_year: int | None = None, free_amounts: bool = True) -> PurposeRefs:
    """Invoice (and contract, VAT, amount) references in a payment purpose; see the module docstring.
    ``free_amounts=False`` skips looking for amounts written without a word before them (``12 000,00
    руб.``): the matcher does not use them, and the scan is a good part of the time on 100 000 purposes."""
    if not text or not isinstance(text, str):
        return _EMPTY
    t = _fold(text)
    anchors = _anchors(t)
    limits = [len(t)] * len(anchors)
    nxt = len(t)
    for i in range(len(anchors) - 1, -1, -1):
        limits[i] = nxt
        if anchors[i][2] in _KEYWORDS:
            nxt = anchors[i][0]

    refs: dict[str, list] = {"invoices": [], "invoice_like": [], "credit_notes": []}
    contracts: list[str] = []
    acts: list[str] = []
    amounts: list[tuple[int, int]] = []
    vat: int | None = None
    no_vat = False
    taken: list[tuple[int, int]] = []
    done = 0

    for (start, stop, kind), limit in zip(anchors, limits, strict=True):
        if start < done:
            continue
        end = stop
        if kind in ("inv", "like", "act", "credit", "sign"):
            if kind == "credit":
                if text[start] not in "КK":
                    continue
                at, pre = start, None
            elif kind == "sign":  # "№ 42" after no document word
                sign = _SIGN_AT.match(t, start, limit)
                at, pre = (sign.end() if sign else stop), None
            else:
                at, pre = _lead_to_number(t, stop, limit, default_year, inv=kind != "act")
            if at is not None:
                items, list_end = _read_list(t, at, limit, default_year)
                if items:
                    end = list_end
                    for number, s, e, year, credit, on, date_year in items:
                        if on is None and date_year is None and pre is not None:
                            on, date_year = pre[0], pre[1]
                        if kind == "act":
                            acts.append(text[s:e])
                            continue
                        field = "credit_notes" if credit else "invoices" if kind == "inv" else "invoice_like"
                        refs[field].append(InvoiceRef(number, text[s:e], (s, e), on, year or date_year))
        elif kind in ("other", "account") and (plain := _PLAIN_NUMBER.match(t, stop, limit)) is not None:
            end = plain.end()  # ИНН 7709123453, р/с 40702…: skipped
        elif kind in ("contract", "other", "account"):
            token, end = _read_token(t, stop, limit, default_year)
            if token is not None and kind == "contract":
                contracts.append(text[token[0] : token[1]])
        elif kind == "vat":
            tail = _VAT_TAIL.match(t, stop)
            money = _AMOUNT.match(t, tail.end())
            if money is not None and (
                _is_money(money) or (tail["rate"] and "," not in tail["gap"] and len(money["rub"]) <= 12)
            ):
                vat = (vat or 0) + _kopecks(money)
                end = money.end()
        elif kind == "novat":
            no_vat = True
        elif kind == "amount":
            money = _AMOUNT.match(t, _AMOUNT_LEAD.match(t, stop).end())
            if money is not None:
                amounts.append((money.start(), _kopecks(money)))
                end = money.end()
        done = max(end, stop)
        taken.append((start, done))

    for m in _AMOUNT_FREE.finditer(t) if free_amounts else ():
        if _is_money(m):
            s, e = m.span()
            if not any(s < te and ts < e for ts, te in taken):
                amounts.append((s, _kopecks(m)))
    if not anchors and not amounts:
        return _EMPTY
    amounts.sort()
    return PurposeRefs(
        invoices=_unique(refs["invoices"]),
        contracts=tuple(dict.fromkeys(contracts)),
        vat_kopecks=vat,
        no_vat=no_vat,
        amounts_kopecks=tuple(value for _, value in amounts),
        invoice_like=_unique(refs["invoice_like"]),
        credit_notes=_unique(refs["credit_notes"]),
        acts=tuple(dict.fromkeys(acts)),
    )


def _unique(refs: list[InvoiceRef]) -> tuple[InvoiceRef, ...]:
    if len(refs) < 2:
        return tuple(refs)
    seen: set[tuple[int, date | None]] = set()
    out = []
    for ref in refs:
        key = (ref.number, ref.on)
        if key not in seen:
            seen.add(key)
            out.append(ref)
    return tuple(out)
