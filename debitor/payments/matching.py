"""Matching a bank payment to what it pays, with reasons a clerk can read.

The matcher works on plain facts held in memory — the payer's client (by INN, any of the client's INNs;
an agency paying also for its sub-clients), the open invoices of that group oldest first, and the
invoice references written in the purpose text (``payments.purpose``) — so that one payment on the
clerk's screen and a hundred thousand in a statement import go through the same rules. The import
fetches the facts for a batch at once (``payments.book``).

A proposal allocates the payment to invoices (referenced ones first, then the oldest) and keeps what
is left as the client's credit; it carries a confidence 0–100 and its reasons. At or above the
configured threshold (``ONEC_MATCH_THRESHOLD``) the import applies it; below, the payment waits in the
clerk's queue with the ranked proposals as suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from debitor.db import db
from debitor.invoices.models import Invoice, open_sql, outstanding_sql
from debitor.payments.book import INVOICE_COLUMNS, Book, Directory, OpenInvoice, open_invoice
from debitor.payments.purpose import PurposeRefs, extract
from debitor.schemas import N_

EXACT, REFERENCED_ALL, REFERENCED_PARTIAL, REFERENCED_OVER = 98, 97, 90, 88
AMOUNT_ONE, AMOUNT_OLDEST, CREDIT_ONLY, OLDEST_FIRST = 90, 85, 90, 60
UNKNOWN_PAYER_REFERENCED, UNKNOWN_PAYER_AMOUNT = 70, 45
DOUBT_PENALTY = 15  # a referenced number that is missing, paid or another client's
# An unknown payer's suggestion strong enough to offer remembering the payer's INN for the client by default:
# the purpose names the invoice and the amount is what it owes. An amount alone (45) never is.
STRONG_FOR_LEARNING = UNKNOWN_PAYER_REFERENCED


@dataclass(frozen=True)
class Reason:
    """One human-readable reason: an English msgid with %(name)s placeholders and its values."""

    message: str
    params: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"message": self.message, "params": self.params}


@dataclass
class Proposal:
    client_id: int | None
    allocations: list[tuple[OpenInvoice, int]]
    credit: int  # left on the payment as the client's credit
    confidence: int
    reasons: list[Reason]

    @property
    def key(self) -> tuple:
        return (self.client_id, tuple((inv.id, amount) for inv, amount in self.allocations))

    @property
    def strong(self) -> bool:
        """Strong enough that remembering the payer's INN for its client is offered ticked."""
        return self.confidence >= STRONG_FOR_LEARNING


@dataclass(frozen=True)
class Facts:
    """The payment as the matcher sees it."""

    amount: int
    currency: str
    payer_inn: str
    purpose: str
    received_on: date


def propose(facts: Facts, directory: Directory, book: Book, refs: PurposeRefs | None = None) -> list[Proposal]:
    """Ranked proposals for one payment (best first); empty when nothing points anywhere. ``refs``: the
    purpose's references when the caller has already read them."""
    if refs is None:
        refs = extract(facts.purpose, default_year=facts.received_on.year, free_amounts=False)
    client_id = directory.client_for_inn(facts.payer_inn)
    reasons: list[Reason] = []
    if client_id is not None:
        reasons.append(
            Reason(
                N_("Payer INN %(inn)s is the client %(client)s"),
                {"inn": facts.payer_inn, "client": directory.name(client_id)},
            )
        )
        group = directory.group(client_id)
        if len(group) > 1:
            reasons.append(Reason(N_("An agency: its sub-clients' invoices count too")))
        return _known_client(facts, refs, client_id, group, reasons, directory, book)
    if facts.payer_inn:
        reasons.append(Reason(N_("No client has the payer's INN %(inn)s"), {"inn": facts.payer_inn}))
    else:
        reasons.append(Reason(N_("The payer has no INN")))
    return _unknown_client(facts, refs, reasons, directory, book)


def _resolve(refs, candidates: list[OpenInvoice], group: set[int], book: Book, reasons: list[Reason]):
    """The referenced invoices among the open ones, and whether any reference was doubtful."""
    found: list[OpenInvoice] = []
    doubtful = False
    for ref in refs.invoices:
        same = [
            inv
            for inv in candidates
            if inv.number_seq == ref.number and (ref.year is None or inv.number_year == ref.year)
        ]
        if ref.on is not None and len(same) > 1:
            same = [inv for inv in same if inv.issued_on == ref.on] or same
        if same:
            inv = max(same, key=lambda i: (i.issued_on, i.id))  # several years: the latest
            if inv not in found:
                found.append(inv)
                if ref.on is not None and inv.issued_on != ref.on:
                    doubtful = True
                    reasons.append(
                        Reason(
                            N_("Invoice № %(number)s is dated %(issued_on)s, the purpose says %(said_on)s"),
                            {
                                "number": inv.number,
                                "issued_on": inv.issued_on.isoformat(),
                                "said_on": ref.on.isoformat(),
                            },
                        )
                    )
                else:
                    reasons.append(Reason(N_("The purpose names invoice № %(number)s"), {"number": inv.number}))
            continue
        doubtful = True
        mine = [i for i in book.settled(group, ref.number) if ref.year is None or i.number_year == ref.year]
        others = [] if mine else [i for i in book.numbered(ref.number) if ref.year is None or i.number_year == ref.year]
        mine = mine or [i for i in others if i.client_id in group]
        if mine:
            reasons.append(
                Reason(N_("Invoice № %(number)s named in the purpose is already paid"), {"number": ref.number})
            )
        elif others:
            reasons.append(
                Reason(N_("Invoice № %(number)s named in the purpose is another client's"), {"number": ref.number})
            )
        else:
            reasons.append(Reason(N_("There is no invoice № %(number)s"), {"number": ref.number}))
    return found, doubtful


def _allocate(amount: int, first: list[OpenInvoice], rest: list[OpenInvoice]) -> tuple[list, int]:
    left, out = amount, []
    order = [*first, *(i for i in rest if i not in first)] if first else rest
    for inv in order:
        if left <= 0:
            break
        take = min(left, inv.outstanding)
        if take > 0:
            out.append((inv, take))
            left -= take
    return out, left


def _known_client(facts, refs, client_id, group, reasons, directory, book) -> list[Proposal]:
    candidates = [i for i in book.open_for(group) if i.currency == facts.currency]
    referenced, doubtful = _resolve(refs, candidates, set(group), book, reasons)
    out: list[Proposal] = []
    amount = facts.amount
    if referenced:
        owed = sum(i.outstanding for i in referenced)
        allocations, credit = _allocate(amount, referenced, candidates)
        if owed == amount:
            conf = EXACT if len(referenced) == 1 else REFERENCED_ALL
            why = Reason(N_("The amount equals what the named invoices still owe"))
        elif amount < owed:
            conf = REFERENCED_PARTIAL
            why = Reason(N_("A partial payment: the named invoices owe %(owed_kopecks)s"), {"owed_kopecks": owed})
        else:
            conf = REFERENCED_OVER
            why = Reason(
                N_("More than the named invoices owe: the rest goes to the oldest open invoices, then to credit")
            )
        if doubtful:
            conf -= DOUBT_PENALTY
        out.append(Proposal(client_id, allocations, credit, conf, [*reasons, why]))
    else:
        exact = [i for i in candidates if i.outstanding == amount]
        for n, inv in enumerate(exact[:3]):
            conf = AMOUNT_ONE if len(exact) == 1 and not doubtful else AMOUNT_ONE - 20 - n
            why = Reason(N_("The amount equals what invoice № %(number)s still owes"), {"number": inv.number})
            out.append(Proposal(client_id, [(inv, amount)], 0, conf, [*reasons, why]))
        if candidates:
            allocations, credit = _allocate(amount, [], candidates)
            running = 0
            oldest_exact = False
            for k, inv in enumerate(candidates):
                running += inv.outstanding
                if running == amount:
                    oldest_exact = k > 0  # one invoice is the exact case above
                    break
                if running > amount:
                    break
            if oldest_exact:
                conf, why = AMOUNT_OLDEST, Reason(N_("The amount equals what the oldest open invoices owe"))
            elif doubtful:
                conf = OLDEST_FIRST
                why = Reason(N_("None of the named invoices is open: oldest open invoices first"))
            else:
                conf, why = OLDEST_FIRST, Reason(N_("No invoice is named: oldest open invoices first"))
            if doubtful:
                conf = min(conf, OLDEST_FIRST) - DOUBT_PENALTY
            out.append(Proposal(client_id, allocations, credit, conf, [*reasons, why]))
        else:
            why = Reason(N_("The client owes nothing now: the payment is kept as the client's credit"))
            conf = CREDIT_ONLY - (DOUBT_PENALTY if doubtful else 0)
            out.append(Proposal(client_id, [], amount, conf, [*reasons, why]))
    return _ranked(out)


def _unknown_client(facts, refs, reasons, directory, book) -> list[Proposal]:
    out: list[Proposal] = []
    for ref in refs.invoices:
        hits = [
            i
            for i in book.numbered(ref.number)
            if i.outstanding > 0 and i.currency == facts.currency and (ref.year is None or i.number_year == ref.year)
        ]
        if ref.on is not None:
            hits = [i for i in hits if i.issued_on == ref.on] or hits
        for inv in hits[:3]:
            why = [
                Reason(
                    N_("The purpose names invoice № %(number)s of %(client)s"),
                    {"number": inv.number, "client": directory.name(inv.client_id)},
                )
            ]
            conf = UNKNOWN_PAYER_REFERENCED
            if inv.outstanding == facts.amount:
                why.append(Reason(N_("The amount equals what the invoice still owes")))
            else:
                conf -= 10
            take = min(inv.outstanding, facts.amount)
            out.append(Proposal(inv.client_id, [(inv, take)], facts.amount - take, conf, [*reasons, *why]))
    return _ranked(out)


def _ranked(proposals: list[Proposal]) -> list[Proposal]:
    if len(proposals) < 2:
        return proposals
    seen, out = set(), []
    for p in sorted(proposals, key=lambda p: -p.confidence):
        if p.key not in seen:
            seen.add(p.key)
            out.append(p)
    return out


def by_amount(facts: Facts, organisation_id: int, limit: int = 5) -> list[OpenInvoice]:
    """Open invoices (any client) owing exactly the payment's amount: suggestions for an unknown payer,
    looked up for one payment on the clerk's screen, not in an import."""
    q = (
        sa.select(*INVOICE_COLUMNS)
        .where(
            Invoice.organisation_id == organisation_id,
            open_sql(),
            Invoice.currency == facts.currency,
            outstanding_sql() == facts.amount,
        )
        .order_by(Invoice.issued_on, Invoice.id)
        .limit(limit)
    )
    return [open_invoice(row) for row in db.session.execute(q)]


def suggestions(facts: Facts, organisation_id: int) -> list[Proposal]:
    """What the clerk's queue shows for one payment: the matcher's proposals, and for a payer nobody
    knows, the invoices that owe exactly this amount."""
    directory, book = Directory(organisation_id), Book(organisation_id)
    out = propose(facts, directory, book)
    if directory.client_for_inn(facts.payer_inn) is None:
        for inv in by_amount(facts, organisation_id):
            why = Reason(
                N_("Only the amount agrees: invoice № %(number)s of %(client)s owes exactly this"),
                {"number": inv.number, "client": directory.name(inv.client_id)},
            )
            out.append(Proposal(inv.client_id, [(inv, facts.amount)], 0, UNKNOWN_PAYER_AMOUNT, [why]))
    return _ranked(out)
