"""The words of a payment purpose that say what the number after them is: the reading's vocabulary.

``fold`` makes the text comparable (lower case, ё as е, one kind of space and dash) without moving any
offset. ``find_anchors`` finds the document words in it — an invoice (счёт, сч., invoice), a VAT invoice or
УПД, a contract, an act, VAT and "без НДС", an amount word, a bank account, a credit note's ``К-``, a bare
``№`` and the many other documents and identifiers whose numbers are never invoices — each with its kind,
by one compiled alternation per first character (the scan jumps in C to where a word can start). What
follows a word is read by ``debitor.payments.purpose_numbers``; ``debitor.payments.purpose`` puts it
together.
"""

from __future__ import annotations

import re

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

LETTER = r"[^\W\d_]"  # a letter
WORD_END = rf"(?!{LETTER})"  # a word ends here
SIGN = r"(?:№\s*)+|n(?:[оo°º]\.?)?(?=\s*\d)|#|номер[а-я]*|ном\."
PUNCT = r"[\s,.:;()«»\"'\-]"
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
    ("account", rf"лс{WORD_END}"),
    *(
        ("account", stem + _ACCOUNT)
        for stem in ("расч[а-я]*", "корр?", "корресп[а-я]*", "банк[а-я]*", "валют[а-я]*", "транзит[а-я]*")
    ),
    *(("account", stem + _ACCOUNT) for stem in ("бюджет[а-я]*", "лиц[а-я]*")),
    # VAT invoices and УПД: maybe our number, weaker evidence
    *(("like", rf"{c}ч(?:ет(?:а|у|ом|е|ов|ам|ами|ах)?)?\.?\s?-?\s?фактур[а-я]*") for c in "сc"),
    *(("like", rf"{c}ч?\.?[/\\\-]?ф(?:\.|{WORD_END})") for c in "сc"),
    ("like", rf"упд{WORD_END}"),
    ("like", rf"укд{WORD_END}"),
    ("novat", r"без\s*\(?\s*(?:ндс|налог[а-я]*(?:\s*\(\s*ндс\s*\))?)"),
    (
        "novat",
        rf"ндс\s*[-:]?\s*(?:не\s*облаг[а-я]*\.?|нет{WORD_END}|не\s*предусм[а-я]*\.?|не\s*начисл[а-я]*\.?|не\s*взима[а-я]*)",
    ),
    ("novat", r"не\s*облага[а-я]*\s*ндс"),
    ("novat", r"освобожд[а-я]*\s*от\s*(?:уплаты\s*)?ндс"),
    # our invoices
    *(
        ("inv", rf"{c}ч(?:ет(?:а|у|ом|е|ов|ам|ами|ах)?|-?т(?:а|у|ом|е|ов|ам)?)?{WORD_END}(?:\s?-\s?оферт[а-я]*)?")
        for c in "сc"
    ),
    ("inv", rf"inv(?:oice)?s?{WORD_END}"),
    *(
        ("contract", word + WORD_END)
        for word in (r"договор[а-я]*", r"дог-р[а-я]*", r"дог\.", "дог", r"д-р[а-я]*", "д/р", r"контракт[а-я]*")
    ),
    ("contract", rf"contract{WORD_END}"),
    ("contract", rf"agreement{WORD_END}"),
    ("act", rf"акт(?:а|у|ом|е|ы|ов|ам|ами|ах)?{WORD_END}"),
    ("vat", rf"ндс{WORD_END}"),
    ("vat", rf"vat{WORD_END}"),
    *(("amount", word + WORD_END) for word in (r"на\s+сумм[а-я]*", r"в\s+сумм[а-я]*", r"сумм[а-я]*", "итого", "всего")),
    ("amount", rf"total{WORD_END}"),
    # other documents and identifiers, whose numbers are not invoices
    *(("other", rf"{word}(?:{WORD_END}|(?<=\.))") for word in _OTHER),
    ("credit", r"к\s?-\s?(?=\d)"),
    ("credit", r"k\s?-\s?(?=\d)"),
    ("sign", "№"),
    ("sign", r"n(?:[оo°º]\.?)?(?=\s*\d)"),
    ("sign", r"#(?=\s*\d)"),
)
KEYWORDS = frozenset({"account", "like", "novat", "inv", "contract", "act", "vat", "amount", "other"})


def _anchor_regex(entries) -> tuple[re.Pattern, tuple[str, ...]]:
    """One alternation per first character; each alternative ends in an empty group whose number
    (``lastindex``) gives its kind. (Named groups would be slower: every group costs at every position.)"""
    by_first: dict[str, list[tuple[str, str]]] = {}
    for kind, pattern in entries:
        by_first.setdefault(pattern[0], []).append((kind, pattern[1:]))
    alts, kinds = [], [""]
    for first, rests in by_first.items():
        word_start = rf"(?<!{LETTER}[\s\S])" if first.isalpha() else ""
        alts.append(f"{re.escape(first)}{word_start}(?:{'|'.join(f'{rest}()' for _, rest in rests)})")
        kinds.extend(kind for kind, _ in rests)
    return re.compile("|".join(alts)), tuple(kinds)


_ANCHOR, _ANCHOR_KINDS = _anchor_regex(_ANCHORS)


def fold(text: str) -> str:
    """Lower case, ё as е, one kind of space and dash; same length as ``text``."""
    if _NEEDS_FOLD.search(text):
        text = text.translate(_FOLD)
    return text.lower()


def find_anchors(t: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the document words in the folded text."""
    return [(m.start(), m.end(), _ANCHOR_KINDS[m.lastindex]) for m in _ANCHOR.finditer(t)]
