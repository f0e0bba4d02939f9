"""The import of one statement: documents read in batches (``payments.reading``), each batch's clients,
open invoices and already-known payments fetched at once, matched in memory (``payments.matching``) and
written in bulk (``payments.bulk``); refunds matched at the end; all in the caller's one transaction.

A payment's identity is the bank document's as its payer wrote it (``reading.identity``); a document recorded
before, by an earlier or overlapping statement, is counted as a duplicate and changes nothing; the same
document twice in one statement is two payments, with a warning (``Importer._repeated``). A document between
two accounts of our own is a transfer, a payment for each side the statement covers (``reading.prepare``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app

from debitor import work
from debitor.bulk import insert_rows
from debitor.db import db, psycopg_connection, utcnow
from debitor.orgs.models import BankAccount
from debitor.payments.bulk import Decided, InvoicesChanged, PaymentsChanged, add_paid, add_refunded, insert_payments
from debitor.payments.matching import Book, Directory, Facts, Proposal, Reason, propose
from debitor.payments.models import BankStatement, Direction, Payment, PaymentAllocation, PaymentRefund, StatementState
from debitor.payments.purpose import extract
from debitor.payments.reading import CURRENCY, RECEIVED, Prepared, read, rekey, section_mismatches
from debitor.payments.services import plan_refunds, refunds_to_match, unused_money
from debitor.schemas import N_
from debitor.states import transition
from debitor.timeline.models import Event, Visibility

BATCH = 5000
# the keys as one text (a bank document's fields hold no line breaks): an array parameter of 5 000 strings is
# dumped by psycopg in Python, element by element
KNOWN_KEYS_SQL = "SELECT external_key FROM payments WHERE external_key = ANY(string_to_array(%s, E'\\n'))"
TRANSFER_REASONS = (Reason(N_("A transfer between our own accounts: not a client's money")),)
W_SAME_DOCUMENT = N_(
    "Line %(line)s is the same bank document as line %(first)s (the same accounts, number, date, amount of "
    "%(amount_kopecks)s, payer and purpose): both were recorded, as two payments, as the bank's totals count "
    "them. If the bank listed one payment twice, ask it for a corrected statement."
)
CHANGED_MEANWHILE = {
    InvoicesChanged: N_("Invoices this statement pays were changed by someone else during the import; nothing was "
                        "imported: import it again"),
    PaymentsChanged: N_("Payments this statement's refunds return were changed by someone else during the import; "
                        "nothing was imported: import it again"),
}  # fmt: skip


class ImportRefused(Exception):
    """The statement cannot be imported as a whole; shaped like the parser's error."""

    def __init__(self, message: str, params: dict | None = None, *, line: int | None = None, key: str | None = None):
        super().__init__(message % (params or {}))
        self.message, self.params, self.line, self.key = message, params or {}, line, key


def problem(err) -> dict:
    """A parser or import error / warning as stored JSON."""
    return {"message": err.message, "params": dict(err.params), "line": err.line, "key": err.key}


def _progress_key(statement_id: int) -> str:
    return f"debitor:statement:{statement_id}:progress"


def set_progress(statement_id: int, **values) -> None:
    """Bytes read and documents so far, for the statement's polling page (Redis, outside the transaction)."""
    work.set_progress(_progress_key(statement_id), **values)


def get_progress(statement_id: int) -> dict[str, int]:
    return work.get_progress(_progress_key(statement_id))


class Importer:
    """One statement's import, in the caller's transaction: ``run`` reads it batch by batch, writes what
    each batch decides (``payments.bulk``), matches the refunds and ends the statement done."""

    def __init__(self, statement: BankStatement, source: BinaryIO | Path) -> None:
        self.statement, self.source = statement, source
        self.reading = None
        self.is_pg = db.engine.dialect.name == "postgresql"
        self.threshold = int(current_app.config.get("ONEC_MATCH_THRESHOLD", 80))
        self.summary = Counter()
        self.totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # account -> [in, out]
        self.in_file: dict[str, int] = {}  # identity -> the line of its first document
        self.repeats: Counter = Counter()  # identity -> how many documents of this statement have it
        self.warnings: list[dict] = []  # the import's own, after the reader's
        self.accounts: dict[str, int] = {}
        self.org_id: int | None = None
        self.paid_on: dict[int, date] = {}  # invoice id -> the day the payment that settled it came

    def run(self) -> BankStatement:
        try:
            if isinstance(self.source, Path):
                with self.source.open("rb") as stream:
                    return self._run(stream)
            return self._run(self.source)
        except (InvoicesChanged, PaymentsChanged) as exc:  # changed meanwhile: try again
            raise ImportRefused(CHANGED_MEANWHILE[type(exc)]) from exc

    @property
    def bytes_read(self) -> int:
        return self.reading.bytes_read if self.reading is not None else 0

    def _run(self, stream: BinaryIO) -> BankStatement:
        self.accounts = dict(db.session.execute(sa.select(BankAccount.account, BankAccount.organisation_id)).all())
        self.reading, batches = read(stream, self.accounts, BATCH)
        reader = self.reading
        header = reader.header
        listed = [a for a in header.accounts if a]
        ours = [a for a in listed if a in self.accounts]
        if listed and not ours:
            raise ImportRefused(
                N_("The statement is for account %(accounts)s, which is not an account of ours"),
                {"accounts": ", ".join(listed)},
                key="РасчСчет",
            )
        if ours:
            self._set_org(self.accounts[ours[0]])
        for batch, done in batches:
            self._batch(batch)
            set_progress(self.statement.id, bytes=done, documents=self.summary["documents"])
        warnings = [problem(w) for w in reader.warnings] + self.warnings
        if self.org_id is None:  # no account listed and no documents: look at the balance sections
            known = [s.account for s in reader.sections if s.account in self.accounts]
            if reader.sections and not known:
                accounts = ", ".join(s.account for s in reader.sections)
                raise ImportRefused(
                    N_("The statement is for account %(accounts)s, which is not an account of ours"),
                    {"accounts": accounts},
                    key="РасчСчет",
                )
            if known:
                self._set_org(self.accounts[known[0]])
        mismatches = section_mismatches(reader.sections, self.accounts, self.totals)
        if mismatches and not reader.finished:
            raise ImportRefused(
                N_("The file ends without КонецФайла and its documents do not add up to the statement's totals: "
                   "it looks cut off. Nothing was imported."),
            )  # fmt: skip
        warnings += mismatches
        self._match_refunds()
        return self._finish(reader, header, warnings)

    def _set_org(self, org_id: int) -> None:
        if self.org_id is None:
            self.org_id = org_id
            self.directory = Directory(org_id)
            self.book = Book(org_id)  # no row locks: the import updates by deltas (payments.bulk)
            if self.is_pg:  # one import per organisation at a time: two overlapping statements never race
                db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(7_300_000 + org_id)))

    def _batch(self, docs: list[Prepared]) -> None:
        """One batch of prepared documents (``payments.reading``)."""
        if not docs:
            return
        for doc in docs:
            if doc.direction is None:
                number, on, payer, payee = doc.where
                raise ImportRefused(
                    N_("Document № %(number)s of %(date)s is neither to nor from an account of ours "
                       "(%(payer)s → %(payee)s)"),
                    {"number": number, "date": on.strftime("%d.%m.%Y"), "payer": payer or "—", "payee": payee or "—"},
                    line=doc.line,
                )  # fmt: skip
            self._set_org(self.accounts[doc.account])
            if self.accounts[doc.account] != self.org_id:
                raise ImportRefused(
                    N_("The statement mixes accounts of different organisations"), line=doc.line, key="РасчСчет"
                )
        self.summary["documents"] += sum(1 for doc in docs if doc.pair != 2)  # a transfer's two sides: one
        docs = [self._repeated(doc) if doc.key in self.in_file else self._first(doc) for doc in docs]
        docs = [doc for doc in docs if doc is not None]
        for doc in docs:
            self.totals[doc.account][0 if doc.direction in RECEIVED else 1] += doc.amount
        existing = self._known_keys([doc.key for doc in docs])
        fresh = []
        for doc in docs:
            if doc.key in existing:
                self.summary["duplicates_skipped"] += 1
                continue
            fresh.append(doc)
        self.directory.prefetch(doc.inn for doc in fresh)
        clients = {self.directory.client_for_inn(doc.inn) for doc in fresh} - {None}
        self.book.prefetch(c for cid in clients for c in self.directory.group(cid))
        refs = {}
        lookup: set[int] = set()  # numbers named that are not the payer's open invoices: paid, another's, none
        for doc in fresh:
            if doc.direction != Direction.INCOMING:
                continue
            found = refs[doc.key] = extract(doc.purpose, default_year=doc.received_on.year, free_amounts=False)
            if found.invoices:
                numbers = [ref.number for ref in found.invoices]
                cid = self.directory.client_for_inn(doc.inn)
                lookup |= set(numbers) if cid is None else self.book.unresolved(self.directory.group(cid), numbers)
        self.book.prefetch_numbers(lookup)
        self._write(fresh, refs)

    def _first(self, doc: Prepared) -> Prepared:
        self.in_file[doc.key] = doc.line
        return doc

    def _repeated(self, doc: Prepared) -> Prepared | None:
        """A document of this statement with the identity of an earlier one of it: every field the payer wrote
        is the same (two cash deposits of one person, of the same sum and purpose, on one day). It is recorded
        as a payment of its own — not dropped: the bank's totals count each document it lists, so a statement
        whose totals agree says these are two movements of money, and dropping one would lose it without a
        word — under the identity with its place among the repeats (``|2``, ``|3``…), which the same
        statement, or an overlapping one listing the same documents, gives it again. The statement's page
        names both lines, so that a clerk can ask the bank if it listed one payment twice."""
        if doc.pair:  # a transfer between two accounts of this statement, listed under each: the same one
            return None
        first = self.in_file[doc.key]
        self.repeats[doc.key] += 1
        self.warnings.append(
            {"message": W_SAME_DOCUMENT, "params": {"line": doc.line, "first": first, "amount_kopecks": doc.amount},
             "line": doc.line, "key": None}
        )  # fmt: skip
        return rekey(doc, f"{doc.key}|{self.repeats[doc.key] + 1}")

    def _known_keys(self, keys: list[str]) -> set[str]:
        """Which of these bank documents are recorded already (one array parameter on PostgreSQL)."""
        raw = psycopg_connection()
        if raw is not None:
            with raw.cursor() as cur:
                return {k for (k,) in cur.execute(KNOWN_KEYS_SQL, ("\n".join(keys),))}
        return set(db.session.scalars(sa.select(Payment.external_key).where(Payment.external_key.in_(keys))))

    def _write(self, fresh: list[Prepared], refs: dict) -> None:
        payments, plans = [], []
        for doc in fresh:
            plan = None
            if doc.direction == Direction.INCOMING:
                self.summary["incoming"] += 1
                self.summary["incoming_kopecks"] += doc.amount
                plan, decided = self._match(doc, refs[doc.key])
            elif doc.direction == Direction.OUTGOING:
                self.summary["outgoing"] += 1
                self.summary["outgoing_kopecks"] += doc.amount
                decided = Decided(self.directory.client_for_inn(doc.inn))
            else:  # between our own accounts: nobody's money, nothing to match
                self.summary["transfers"] += 1
                self.summary[f"{doc.direction}_kopecks"] += doc.amount  # transfer_in_kopecks, transfer_out_…
                decided = Decided(None, reasons=TRANSFER_REASONS)
            payments.append((doc.columns, doc.amount, decided))
            plans.append(plan)
        if not payments:
            return
        now = utcnow()
        ids = insert_payments(self.org_id, self.statement.id, now, payments)
        # The payment row itself records its arrival (statement, line, time); the timeline gets what it did.
        allocations, events, added = [], [], defaultdict(int)
        for pid, doc, plan in zip(ids, fresh, plans, strict=True):
            if plan is None:
                continue
            for inv, amount in plan.allocations:
                allocations.append(
                    {"payment_id": pid, "invoice_id": inv.id, "amount_kopecks": amount, "created_at": now}
                )
                added[inv.id] += amount
                events.append(
                    {"occurred_at": now, "kind": "payment_applied", "visibility": Visibility.CLIENT,
                     "client_id": inv.client_id, "invoice_id": inv.id, "payment_id": pid,
                     "data": {"amount": amount, "reason": "auto", "confidence": plan.confidence,
                              "payment_date": doc.received_on.isoformat()}}
                )  # fmt: skip
        # invoices first: the allocations' and events' foreign-key checks then find rows this transaction
        # has already updated, instead of share-locking rows it is about to update
        add_paid([(ident, delta, self.paid_on.get(ident)) for ident, delta in added.items()])
        insert_rows(PaymentAllocation.__table__, allocations)
        insert_rows(Event.__table__, events)

    def _match_refunds(self) -> None:
        """Match the statement's refunds to the money they return (``services.plan_refunds``), this statement's
        and earlier ones', as the import's transaction sees them: without locks (a clerk's request would wait
        for the import, and the import for it), written by the amounts added, and only while that money is
        still unused."""
        refunds = refunds_to_match(Payment.statement_id == self.statement.id, lock=False)
        if not refunds:
            return
        unused = unused_money({r["client_id"] for r in refunds}, lock=False)
        before = {b["id"]: (b["applied"], b["refunded"]) for b in [*refunds, *(b for g in unused.values() for b in g)]}
        links, changed, events = plan_refunds(refunds, unused, utcnow())
        deltas = [(i, b["applied"] - before[i][0], b["refunded"] - before[i][1]) for i, b in changed.items()]
        add_refunded(deltas)
        insert_rows(PaymentRefund.__table__, links)
        insert_rows(Event.__table__, events)

    def _match(self, doc: Prepared, refs) -> tuple[Proposal | None, Decided]:
        """The best proposal if it is to be applied now, and what the payment's row records."""
        facts = Facts(doc.amount, CURRENCY, doc.inn, "", doc.received_on)
        proposals = propose(facts, self.directory, self.book, refs)
        known = self.directory.client_for_inn(doc.inn)
        if not proposals:
            self.summary["unmatched"] += 1
            return None, Decided(known, reasons=_unknown_reasons(facts, refs))
        best = proposals[0]
        reasons = best.reasons
        if best.confidence < self.threshold:
            self.summary["partially_matched"] += 1  # to the clerk's queue, with suggestions
            return None, Decided(known, confidence=best.confidence, reasons=reasons)
        self.summary["matched"] += 1
        applied = 0
        for inv, amount in best.allocations:
            applied += amount
            if self.book.pay(inv, amount):
                self.paid_on[inv.id] = doc.received_on
        if best.credit:
            self.summary["credit_kopecks"] += best.credit
        return best, Decided(best.client_id, applied, best.confidence, reasons)

    def _finish(self, reader, header, warnings: list[dict]) -> BankStatement:
        st = self.statement
        values = {
            "organisation_id": self.org_id or st.organisation_id,
            "finished_at": utcnow(),
            "encoding": reader.encoding,
            "date_from": header.date_from,
            "date_to": header.date_to,
            "accounts": sorted({*(a for a in header.accounts if a in self.accounts), *self.totals}),
            "bytes_read": reader.bytes_read,
            "sha256": reader.sha256,
            "documents_read": self.summary["documents"],
            "sections": [
                {"account": s.account, "line": s.line, "date_from": s.date_from and s.date_from.isoformat(),
                 "date_to": s.date_to and s.date_to.isoformat(), "opening": s.opening_kopecks,
                 "received": s.received_kopecks, "debited": s.debited_kopecks, "closing": s.closing_kopecks,
                 "documents_received": self.totals.get(s.account, [0, 0])[0],
                 "documents_debited": self.totals.get(s.account, [0, 0])[1]}
                for s in reader.sections
            ],
            "warnings": warnings,
            "summary": summary_of(self.summary, len(warnings)),
            "error": None,
        }  # fmt: skip
        for key, value in values.items():
            setattr(st, key, value)
        transition(st, StatementState.DONE)
        return st


SUMMARY_KEYS = (
    "documents",
    "incoming",
    "incoming_kopecks",
    "outgoing",
    "outgoing_kopecks",
    "transfers",  # sides of transfers between our own accounts
    "transfer_in_kopecks",
    "transfer_out_kopecks",
    "matched",
    "partially_matched",
    "unmatched",
    "duplicates_skipped",
    "credit_kopecks",
)


def summary_of(counter: Counter, warnings: int) -> dict:
    out = {k: int(counter.get(k, 0)) for k in SUMMARY_KEYS}
    out["warnings"] = warnings
    return out


def _unknown_reasons(facts: Facts, refs) -> list[Reason]:
    """Why nothing matched, from the purpose references already read."""
    reasons = [
        Reason(N_("No client has the payer's INN %(inn)s"), {"inn": facts.payer_inn})
        if facts.payer_inn
        else Reason(N_("The payer has no INN"))
    ]
    if not refs.invoices:
        reasons.append(Reason(N_("The purpose names no invoice")))
    return reasons
