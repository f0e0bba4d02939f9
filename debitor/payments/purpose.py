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

from datetime import date
from typing import NamedTuple

from debitor.payments.purpose_numbers import (
    AMOUNT,
    AMOUNT_FREE,
    AMOUNT_LEAD,
    AMOUNT_ONLY,
    PLAIN_NUMBER,
    SIGN_AT,
    VAT_TAIL,
    is_money,
    kopecks,
    lead_to_number,
    read_list,
    read_token,
)
from debitor.payments.purpose_words import KEYWORDS, find_anchors, fold

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


def parse_amount(text: str) -> int | None:
    """Kopecks in '22000.00', '22 000,00', '22000-00', '1 666,67 руб.', '12 000 руб. 00 коп.'; None if not an amount."""
    if not isinstance(text, str):
        return None
    m = AMOUNT_ONLY.fullmatch(fold(text))
    return kopecks(m) if m else None


def extract(text: str, *, default_year: int | None = None, free_amounts: bool = True) -> PurposeRefs:
    """Invoice (and contract, VAT, amount) references in a payment purpose; see the module docstring.
    ``free_amounts=False`` skips looking for amounts written without a word before them (``12 000,00
    руб.``): the matcher does not use them, and the scan is a good part of the time on 100 000 purposes."""
    if not text or not isinstance(text, str):
        return _EMPTY
    t = fold(text)
    anchors = find_anchors(t)
    limits = [len(t)] * len(anchors)
    nxt = len(t)
    for i in range(len(anchors) - 1, -1, -1):
        limits[i] = nxt
        if anchors[i][2] in KEYWORDS:
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
                sign = SIGN_AT.match(t, start, limit)
                at, pre = (sign.end() if sign else stop), None
            else:
                at, pre = lead_to_number(t, stop, limit, default_year, inv=kind != "act")
            if at is not None:
                items, list_end = read_list(t, at, limit, default_year)
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
        elif kind in ("other", "account") and (plain := PLAIN_NUMBER.match(t, stop, limit)) is not None:
            end = plain.end()  # ИНН 7709123453, р/с 40702…: skipped
        elif kind in ("contract", "other", "account"):
            token, end = read_token(t, stop, limit, default_year)
            if token is not None and kind == "contract":
                contracts.append(text[token[0] : token[1]])
        elif kind == "vat":
            tail = VAT_TAIL.match(t, stop)
            money = AMOUNT.match(t, tail.end())
            if money is not None and (
                is_money(money) or (tail["rate"] and "," not in tail["gap"] and len(money["rub"]) <= 12)
            ):
                vat = (vat or 0) + kopecks(money)
                end = money.end()
        elif kind == "novat":
            no_vat = True
        elif kind == "amount":
            money = AMOUNT.match(t, AMOUNT_LEAD.match(t, stop).end())
            if money is not None:
                amounts.append((money.start(), kopecks(money)))
                end = money.end()
        done = max(end, stop)
        taken.append((start, done))

    for m in AMOUNT_FREE.finditer(t) if free_amounts else ():
        if is_money(m):
            s, e = m.span()
            if not any(s < te and ts < e for ts, te in taken):
                amounts.append((s, kopecks(m)))
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
