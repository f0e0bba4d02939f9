"""The short form of a Russian legal entity's full name: «ООО «Ромашка»» for «Общество с ограниченной
ответственностью «Ромашка»».

Documents name a party in running text after a preposition or in the genitive («между …», «По данным …»,
«в пользу …»). A full name would have to be declined there (the form is a noun phrase: «Обществом с
ограниченной ответственностью»), and a surname of an entrepreneur cannot be declined reliably; the short
form with the abbreviated legal form stays in the nominative, as accountants (and 1C) write it.

It is derived from the full legal name rather than read from ``Client.short_name``: that field is the name
the staff work with («Ромашка», «ИП Петров (Альфа Маркетинг)») and need not name the legal entity.
"""

from __future__ import annotations

import re

# the organisational and legal forms (ОКОПФ) our clients come in, full → abbreviated; the longer first where
# one ends another («Публичное акционерное общество» before «Акционерное общество»)
FORMS = (
    ("Общество с ограниченной ответственностью", "ООО"),
    ("Публичное акционерное общество", "ПАО"),
    ("Непубличное акционерное общество", "НАО"),
    ("Открытое акционерное общество", "ОАО"),
    ("Закрытое акционерное общество", "ЗАО"),
    ("Акционерное общество", "АО"),
    ("Индивидуальный предприниматель", "ИП"),
    ("Автономная некоммерческая организация", "АНО"),
    ("Федеральное государственное унитарное предприятие", "ФГУП"),
    ("Государственное унитарное предприятие", "ГУП"),
    ("Муниципальное унитарное предприятие", "МУП"),
)
_PATTERNS = tuple(
    (re.compile(r"\s*" + r"\s+".join(map(re.escape, full.split())) + r"(?=[\s«\"“„'])\s*", re.IGNORECASE), short)
    for full, short in FORMS
)


def short_legal_name(full_name: str) -> str:
    """``full_name`` with its legal form abbreviated («Акционерное общество «Альфа»» → «АО «Альфа»»,
    «ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "РОМАШКА"» as ЕГРЮЛ writes it → «ООО "РОМАШКА"»,
    «Индивидуальный предприниматель Иванов Иван Иванович» → «ИП Иванов Иван Иванович»). A name that does
    not begin with a known form (already short, foreign, a form not listed) is returned as it is."""
    for pattern, short in _PATTERNS:
        match = pattern.match(full_name)
        if match:
            return f"{short} {full_name[match.end() :]}".strip()
    return full_name.strip()
