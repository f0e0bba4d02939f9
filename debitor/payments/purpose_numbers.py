"""What is written after a word of a payment purpose: invoice numbers, lists and ranges of them, dates,
amounts and VAT, other documents' numbers — each read at a position of the folded text (``purpose_words.fold``)
and up to a limit, by compiled regexes only, returning where the reading ended.

The ambiguous cases these readers decide (``42/26``, ``12-15``, ``1666-67``, a date after a list, …) are
listed in ``debitor.payments.purpose``, which calls them after each document word.
"""

from __future__ import annotations

import re
from datetime import date

from debitor.payments.purpose_words import LETTER, PUNCT, SIGN, WORD_END

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
    rf")(?!\d)(?:\s*г(?:ода?|г)?\.?{WORD_END})?",
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
AMOUNT_FREE = re.compile(
    _MARKED.replace("{LB}", r"(?<![\d.,/\-]\d)").replace("{MARKED}", rf"(?(kop)|(?=\s*(?:{_CURRENCY})))")
)
AMOUNT = re.compile(_AMOUNT_BODY.replace("{LB}", r"(?<![\d.,/\-]\d)"))
_AMOUNT_AT = re.compile(_AMOUNT_BODY.replace("{LB}", ""))
AMOUNT_ONLY = re.compile(r"\s*" + _AMOUNT_BODY.replace("{LB}", "") + r"\s*")

# "suspect": what follows may make the number a date or an amount ("05.01.2026", "12 000 руб.")
_ITEM = re.compile(
    r"(?P<credit>[кk]\s?-\s?)?(?P<a>\d+)(?:(?P<sep>\s?/\s?|-)(?P<b>\d+))?(?P<suspect>(?=[.,=\-/]\d|\s?[\d'р₽r]))?"
)
_ITEM_TAIL_OK = re.compile(rf"(?:от|и){WORD_END}")
_PERCENT = re.compile(r"\s?%")
_SEP = re.compile(rf"\s*(?:[,;+&/]|и{WORD_END}|and{WORD_END})\s*(?:(?:{SIGN})\s*)?")

_LEAD = re.compile(r"[\s.:\-]*")
_INV_LEAD = re.compile(
    r"[\s.:\-]*(?:(?:(?:на|для)\s+)?(?:пред)?оплат[а-я]*[\s.:\-]*|\(\s*оферт[а-я]*\s*\)[\s.:\-]*)?",
)
SIGN_AT = re.compile(rf"[\s.:,\-]*(?:{SIGN})\s*")
_WORDS_SIGN = re.compile(rf"{LETTER}+(?:{PUNCT}+{LETTER}+){{0,5}}?{PUNCT}*(?:{SIGN})\s*")
_TOKEN = re.compile(
    rf"(?:{LETTER}{{1,8}}[-/.]?)?\d+(?:[/\\\-.]\d+)*(?:[-/]{LETTER}{{1,4}}(?:[-/.]?\d+(?:[/\\\-.]\d+)*)?)*{WORD_END}",
)
VAT_TAIL = re.compile(
    r"[\s:=\-]*(?:\(\s*)?(?:(?:по\s+)?ставк[а-я]*\s*)?"
    r"(?:(?P<rate>\d{1,2}(?:[.,]\d{1,2})?\s*%|\d{1,2}/1\d\d(?!\d)))?\s*\)?"
    r"(?P<gap>[\s:=\-,]*(?:(?:в\s+)?сумм[а-я]*|составля[а-я]*)?[\s:=\-]*)",
)
AMOUNT_LEAD = re.compile(r"[\s:=\-]*")
PLAIN_NUMBER = re.compile(r"[\s.:\-]*\d[\w/\\\-]*")

_MAX_DIGITS = 8  # longer digit strings are ИНН, КПП, БИК, accounts, УИН
_MAX_RANGE = 20


def kopecks(m: re.Match) -> int:
    rub = int(m["rub"].replace(" ", "").replace("'", ""))
    kop = m["kop"] or m["kop2"] or "0"
    return rub * 100 + int(kop)


def is_money(m: re.Match) -> bool:
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


def read_list(t: str, pos: int, end: int, default_year: int | None):
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


def lead_to_number(t: str, pos: int, end: int, default_year: int | None, inv: bool):
    """After a document word: skip filler ("на оплату", "от <date>", "№", a few words before "№") and
    return (position of the number, date written before it)."""
    pos = (_INV_LEAD if inv else _LEAD).match(t, pos, end).end()
    c = t[pos : pos + 1]
    if c.isdigit() or c in ("к", "k"):
        return pos, None
    if c in ("№", "n", "#", "н"):
        sign = SIGN_AT.match(t, pos, end)
        if sign is not None:
            return sign.end(), None
    elif c in ("о", "f", "d"):
        pre = _read_date(t, pos, end, default_year, need_ot=True)
        if pre is not None:
            sign = SIGN_AT.match(t, pre[2], end)
            return (sign.end(), pre) if sign is not None else (None, None)
    words = _WORDS_SIGN.match(t, pos, end)
    if words is not None:
        return words.end(), None
    return None, None


def read_token(t: str, pos: int, end: int, default_year: int | None):
    """Where a contract's (or another document's) number is written, and where it and its date end."""
    at, _ = lead_to_number(t, pos, end, default_year, inv=False)
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
