"""Importing a 1C bank statement: one service behind three entries (an upload the worker imports, the
exchange folder a periodic job watches, ``flask onec import FILE``).

The whole statement is one transaction: a file that turns out bad at its last line (garbage, a
document for somebody else's account, a truncated end) leaves nothing behind, and the error names the
line. Documents are read as a stream and handled in batches — their clients, open invoices and
already-known payments fetched for the batch at once, payments, allocations, invoice updates and
timeline events written in bulk — so that a 100 000-document statement imports in seconds.

A payment's identity is the bank document's as its payer wrote it (``reading.identity``: accounts, number,
date, amount, the counterparty's INN, name and purpose — not the dates a bank fills in later). A document
recorded before, by an earlier or overlapping statement, is counted as a duplicate and changes nothing; the
same document twice in one statement is two payments, with a warning (``Importer._repeated``). A document
between two accounts of our own is a transfer, a payment for each side the statement covers
(``reading.prepare``): out of one account, into the other, nobody's money.

Progress (bytes read, documents) goes to Redis while the transaction runs, for the polling fragment.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import logging
import os
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app

from debitor import jobrows
from debitor.db import BLOB_SLICE, blob_length, blob_slice, db, psycopg_connection, utcnow
from debitor.onec.errors import StatementError
from debitor.onec.parser import StatementReader
from debitor.orgs.models import BankAccount
from debitor.orgs.services import default_organisation
from debitor.payments.bulk import (
    Decided,
    InvoicesChanged,
    PaymentsChanged,
    PostgresWriter,
    SessionSink,
)
from debitor.payments.matching import Book, Directory, Facts, Proposal, Reason, propose
from debitor.payments.models import (
    BankStatement,
    Direction,
    Payment,
    PaymentAllocation,
    PaymentRefund,
    StatementFile,
    StatementState,
)
from debitor.payments.purpose import extract
from debitor.payments.reading import CURRENCY, RECEIVED, Prepared, read_in_child, read_in_process, rekey
from debitor.payments.services import balance, plan_refunds, state_for, unused_money
from debitor.schemas import N_
from debitor.timeline.models import Event, Visibility

log = logging.getLogger(__name__)

BATCH = 5000
CHILD_READER_MIN_CORES = 3
# the keys as one text (a bank document's fields hold no line breaks): an array parameter of 5 000 strings is
# dumped by psycopg in Python, element by element
KNOWN_KEYS_SQL = "SELECT external_key FROM payments WHERE external_key = ANY(string_to_array(%s, E'\\n'))"
PROGRESS_EVERY = 2000  # documents
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


E_UNEXPECTED = N_(
    "The import stopped on an unexpected error (%(error)s); nothing was imported. Import the statement again; if "
    "the error comes back, give the file to the administrator."
)


def unexpected(exc: BaseException) -> dict:
    """An error the import did not foresee (a bug, the database refusing a row, a lost connection) as stored
    JSON: its kind and the first line of its text, which is what the administrator needs to find it in the log."""
    text = (str(exc).strip().splitlines() or [""])[0]
    text = text if len(text) <= 300 else text[:299] + "…"
    return {"message": E_UNEXPECTED, "params": {"error": f"{type(exc).__name__}: {text}".rstrip(": ")},
            "line": None, "key": None}  # fmt: skip


# --- entries --------------------------------------------------------------------------------------


def new_statement(source: str, filename: str, data_or_path: bytes | Path, *, actor=None) -> BankStatement:
    """A queued statement; an upload's bytes are stored with it (any worker host can read them). Its
    SHA-256 is taken while the import reads it, not in a pass of its own."""
    size = len(data_or_path) if isinstance(data_or_path, bytes) else data_or_path.stat().st_size
    try:
        organisation = default_organisation()  # until the file's account says whose statement it is
    except LookupError as exc:
        raise ImportRefused(N_("There is no organisation to import statements for")) from exc
    statement = BankStatement(
        organisation_id=organisation.id,
        source=source,
        filename=Path(filename).name[:255] or "statement.txt",
        sha256="",
        size_bytes=size,
        created_by_id=actor.id if actor is not None else None,
    )
    db.session.add(statement)
    db.session.flush()
    if isinstance(data_or_path, bytes):
        db.session.add(StatementFile(statement_id=statement.id, data=data_or_path))
    return statement


def import_uploaded(statement_id: int) -> BankStatement | None:
    """The job: import an uploaded statement from its stored bytes. Safe to run again and twice at once:
    only the run that claims the statement imports it."""
    if not claim(statement_id):
        return db.session.get(BankStatement, statement_id)
    statement = db.session.get(BankStatement, statement_id)
    try:
        source = BlobReader(statement_id)
    except ImportRefused as err:  # claimed, so it must end: failed, not running
        return _failed(statement_id, problem(err), 0)
    return run(statement, source)


def claim(statement_id: int) -> bool:
    """Mark a queued statement (or one whose worker died) as running; False when another run has it or it
    is finished (its transaction left nothing behind, so importing again is safe)."""
    return jobrows.claim(BankStatement, statement_id)


def import_path(path: Path, *, source: str = "cli", actor=None) -> BankStatement:
    statement = new_statement(source, path.name, path, actor=actor)
    db.session.commit()
    return run(statement, path)


class BlobReader(io.RawIOBase):
    """Reads an uploaded statement's bytes from the database in 1 MiB slices (constant memory)."""

    def __init__(self, statement_id: int, chunk: int = BLOB_SLICE) -> None:
        self.where = StatementFile.statement_id == statement_id
        self.chunk, self.pos = chunk, 0
        self.size = blob_length(StatementFile.data, self.where)
        if self.size is None:
            raise ImportRefused(N_("The uploaded file is no longer stored: upload it again"))

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.pos >= self.size:
            return 0
        part = blob_slice(StatementFile.data, self.where, self.pos, min(len(buffer), self.chunk, self.size - self.pos))
        buffer[: len(part)] = part
        self.pos += len(part)
        return len(part)


# --- progress ---------------------------------------------------------------------------------------


def _progress_key(statement_id: int) -> str:
    return f"debitor:statement:{statement_id}:progress"


def set_progress(statement_id: int, **values) -> None:
    from debitor.work import set_progress as publish

    publish(_progress_key(statement_id), **values)


def get_progress(statement_id: int) -> dict[str, int]:
    from debitor.work import get_progress as read

    return read(_progress_key(statement_id))


# --- the import ---------------------------------------------------------------------------------------


def run(statement: BankStatement, source: BinaryIO | Path) -> BankStatement:
    """Import ``source`` (a file, or a stream) as ``statement`` in one transaction; the statement ends
    done or failed — failed also on an error nobody foresaw (logged with its traceback), so that no statement
    is left running for its page to poll and the sweep to import again. Only an interruption of the process
    itself (KeyboardInterrupt, SystemExit) leaves it running, for the sweep to find once the worker is gone."""
    sid = statement.id
    if statement.state != StatementState.RUNNING:
        statement.state, statement.started_at = StatementState.RUNNING, utcnow()
    db.session.commit()
    importer = None
    try:
        importer = Importer(statement, source)
        importer.run()
    except (StatementError, ImportRefused) as err:
        return _failed(sid, problem(err), importer.bytes_read if importer else 0)
    except Exception as exc:
        log.exception("statement %s: the import failed on an unexpected error", sid)
        return _failed(sid, unexpected(exc), importer.bytes_read if importer else 0)
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()  # the reading transaction (and its advisory lock); the writer has committed
    db.session.execute(sa.delete(StatementFile).where(StatementFile.statement_id == sid))
    db.session.commit()
    result = db.session.get(BankStatement, sid)
    db.session.refresh(result)
    set_progress(sid, bytes=result.bytes_read, documents=result.documents_read, done=1)
    return result


def _failed(sid: int, error: dict, bytes_read: int) -> BankStatement:
    """End the statement as failed with ``error``, in a transaction of its own after the import's was rolled
    back: nothing of it is kept, an upload's stored bytes neither."""
    db.session.rollback()
    statement = db.session.get(BankStatement, sid)
    statement.state, statement.error, statement.finished_at = StatementState.FAILED, error, utcnow()
    db.session.execute(sa.delete(StatementFile).where(StatementFile.statement_id == sid))
    db.session.commit()
    set_progress(sid, bytes=bytes_read, documents=0, done=1)
    return statement


@contextlib.contextmanager
def without_cyclic_gc():
    """Python's cycle collector off while a statement is imported. The import keeps hundreds of thousands of
    objects (open invoices, clients, the documents' identities) and makes no cycles; with the collector on,
    its full passes over them took 3–4 s of a 100 000-document import's CPU. Reference counting still frees
    everything as usual."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class Importer:
    def __init__(self, statement: BankStatement, source: BinaryIO | Path) -> None:
        self.statement, self.source = statement, source
        self.child = None
        self.reading = None
        self._file = None
        self.is_pg = db.engine.dialect.name == "postgresql"
        self.threshold = int(current_app.config.get("ONEC_MATCH_THRESHOLD", 80))
        self.summary = Counter()
        self.totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # account -> [in, out]
        self.in_file: dict[str, list[int]] = {}  # identity -> [line of its first document, how many so far]
        self.warnings: list[dict] = []  # the import's own, after the reader's
        self.accounts: dict[str, int] = {}
        self.org_id: int | None = None
        self.paid_on: dict[int, date] = {}  # invoice id -> the day the payment that settled it came
        self.refunds: list[dict] = []  # money going back to clients, matched at the end (``_match_refunds``)
        self.unused: dict[tuple[int, str], list[dict]] = {}  # (client, currency) -> its money left unapplied
        self.sink = None

    # the steps

    def run(self) -> BankStatement:
        with without_cyclic_gc():
            return self._run_all()

    def _run_all(self) -> BankStatement:
        self.sink = PostgresWriter(db.engine) if self.is_pg else SessionSink()
        try:
            statement = self._run()
            self._close()
            return statement
        except (InvoicesChanged, PaymentsChanged) as exc:  # changed meanwhile: try again
            self._stop()
            raise ImportRefused(CHANGED_MEANWHILE[type(exc)]) from exc
        except BaseException:
            self._stop()
            raise

    def _stop(self) -> None:
        self.sink.abort()
        self._close()

    def _close(self) -> None:
        if self.child is not None:
            self.child.close()
        if self._file is not None:
            self._file.close()

    @property
    def bytes_read(self) -> int:
        return self.reading.bytes_read if self.reading is not None else 0

    def _open(self):
        """The statement as batches. A file is parsed by a child process where there are cores to spare (one
        for it besides the importer and the database): its parsing, purpose reading and CSV writing then run
        beside the importer's matching. On two cores it only competes with them (measured: 12.5–13.1 s for
        100 000 documents against 13.0–13.5 s read in this thread), so the file is read here."""
        ours = dict(self.accounts)  # account -> organisation: a transfer is between two of one organisation
        stream = self.source
        if isinstance(self.source, Path):
            if (os.cpu_count() or 1) > CHILD_READER_MIN_CORES - 1 and not self._seen_period(self.source):
                self.reading, batches, self.child = read_in_child(self.source, ours, BATCH)
                return self.reading, batches
            stream = self._file = self.source.open("rb")
        self.reading, batches = read_in_process(stream, ours, BATCH)
        return self.reading, batches

    def _seen_period(self, path: Path) -> bool:
        """Whether payments to or from the statement's accounts are recorded for its period already (an
        overlapping statement, the same one again): then the file is read in this thread, which reads the
        purposes of new documents only, where the reader process reads them all."""
        try:
            with path.open("rb") as f:
                header = StatementReader(f).header
        except StatementError:
            return False  # the import reports it, with its line
        accounts = [a for a in header.accounts if a in self.accounts]
        if not accounts or header.date_from is None or header.date_to is None:
            return False
        q = sa.select(Payment.id).where(
            Payment.our_account.in_(accounts), Payment.received_on.between(header.date_from, header.date_to)
        )
        return db.session.scalar(q.limit(1)) is not None

    def _run(self) -> BankStatement:
        self.accounts = dict(db.session.execute(sa.select(BankAccount.account, BankAccount.organisation_id)).all())
        reader, batches = self._open()
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
        for batch, read in batches:
            self._batch(batch)
            set_progress(self.statement.id, bytes=read, documents=self.summary["documents"])
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
        mismatches = self._check_sections(reader.sections)
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
            self.book = Book(org_id)  # no row locks: the writer updates by deltas (payments.bulk)
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
            found = refs[doc.key] = doc.refs or extract(
                doc.purpose, default_year=doc.received_on.year, free_amounts=False
            )  # read by the reader process, or here only for documents not seen before
            if found.invoices:
                numbers = [ref.number for ref in found.invoices]
                cid = self.directory.client_for_inn(doc.inn)
                lookup |= set(numbers) if cid is None else self.book.unresolved(self.directory.group(cid), numbers)
        self.book.prefetch_numbers(lookup)
        self._write(fresh, refs)

    def _first(self, doc: Prepared) -> Prepared:
        self.in_file[doc.key] = [doc.line, 1]
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
        seen = self.in_file[doc.key]
        seen[1] += 1
        self.warnings.append(
            {"message": W_SAME_DOCUMENT, "params": {"line": doc.line, "first": seen[0], "amount_kopecks": doc.amount},
             "line": doc.line, "key": None}
        )  # fmt: skip
        return rekey(doc, f"{doc.key}|{seen[1]}")

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
            payments.append((doc.columns, decided))
            plans.append(plan)
        if not payments:
            return
        now = utcnow()
        ids = self.sink.insert_payments(self.org_id, self.statement.id, now, payments)
        self._keep_for_refunds(ids, fresh, payments)
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
        self.sink.add_paid([(ident, delta, self.paid_on.get(ident)) for ident, delta in added.items()])
        self.sink.insert(PaymentAllocation.__table__, allocations)
        self.sink.insert(Event.__table__, events)

    def _keep_for_refunds(self, ids: list[int], fresh: list[Prepared], payments: list) -> None:
        """The clients' money this batch leaves unapplied, and the refunds it brings."""
        for pid, doc, (_, decided) in zip(ids, fresh, payments, strict=True):
            if decided.client_id is None:
                continue
            incoming = doc.direction == Direction.INCOMING
            row = balance(pid, decided.client_id, CURRENCY, doc.received_on, doc.amount, decided.applied, 0)
            if not incoming:
                self.refunds.append(row)
            elif decided.applied < doc.amount:
                self.unused.setdefault((decided.client_id, CURRENCY), []).append(row)

    def _match_refunds(self) -> None:
        """Match the statement's refunds to the money they return (``services.plan_refunds``), this
        statement's as held in memory and earlier statements' as recorded, in the import's transaction:
        written by amounts added, and only while that money is still unused."""
        if not self.refunds:
            return
        clients = {r["client_id"] for r in self.refunds}
        unused = unused_money(clients, lock=False, exclude_statement=self.statement.id)
        for key, mine in self.unused.items():
            if key[0] in clients:
                unused[key] = sorted([*unused.get(key, ()), *mine], key=lambda b: (b["on"], b["id"]))
        before = {b["id"]: (b["applied"], b["refunded"]) for group in unused.values() for b in group}
        before |= {r["id"]: (0, 0) for r in self.refunds}
        refunds = sorted(self.refunds, key=lambda r: (r["on"], r["id"]))
        links, changed, events = plan_refunds(refunds, unused, utcnow())
        deltas = [(i, b["applied"] - before[i][0], b["refunded"] - before[i][1]) for i, b in changed.items()]
        self.sink.add_refunded(deltas)
        self.sink.insert(PaymentRefund.__table__, links)
        self.sink.insert(Event.__table__, events)

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
            self.book.pay(inv, amount)
            applied += amount
            if inv.state == "paid":
                self.paid_on[inv.id] = doc.received_on
        if best.credit:
            self.summary["credit_kopecks"] += best.credit
        state = state_for(doc.amount, applied)
        return best, Decided(best.client_id, state.value, applied, best.confidence, reasons)

    def _check_sections(self, sections) -> list[dict]:
        """The bank's own totals against the documents; each disagreement is a warning naming the line."""
        out = []
        for s in sections:
            if s.account not in self.accounts:
                continue
            got_in, got_out = self.totals.get(s.account, [0, 0])
            for key, stated, got in (
                ("ВсегоПоступило", s.received_kopecks, got_in),
                ("ВсегоСписано", s.debited_kopecks, got_out),
            ):
                if stated is not None and stated != got:
                    out.append(
                        {"message": N_("%(key)s for account %(account)s is %(stated_kopecks)s, the documents add up to "
                                       "%(got_kopecks)s"),
                         "params": {"key": key, "account": s.account, "stated_kopecks": stated, "got_kopecks": got},
                         "line": s.line, "key": key}
                    )  # fmt: skip
            balances = (s.opening_kopecks, s.received_kopecks, s.debited_kopecks, s.closing_kopecks)
            if None not in balances and balances[0] + balances[1] - balances[2] != balances[3]:
                out.append(
                    {"message": N_("The balances of account %(account)s do not add up: opening + received − "
                                   "debited ≠ closing"),
                     "params": {"account": s.account}, "line": s.line, "key": "КонечныйОстаток"}
                )  # fmt: skip
        return out

    def _finish(self, reader, header, warnings: list[dict]) -> BankStatement:
        st = self.statement
        values = {
            "organisation_id": self.org_id or st.organisation_id,
            "state": StatementState.DONE,
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
        self.sink.finish(st, values)
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


def statement_json(statement: BankStatement) -> str:
    """The CLI's JSON: the summary, warnings and error of an import."""
    return json.dumps(
        {
            "statement": statement.id,
            "file": statement.filename,
            "state": statement.state.value,
            **(statement.summary or {}),
            "warnings_list": [describe(w) for w in statement.warnings or []],
            "error": describe(statement.error) if statement.error else None,
        },
        ensure_ascii=False,
        indent=2,
    )


LINE = N_("line %(n)s")


def describe(p: dict, translate=lambda text: text, params: dict | None = None) -> str:
    """A stored error, warning or reason as a sentence: its message (``translate``d) with ``params``
    (default: the stored ones), after the line and key where the message does not name them itself."""
    params = p.get("params") or {} if params is None else params
    try:
        text = translate(p["message"]) % params
    except (KeyError, ValueError, TypeError):
        text = p["message"]
    where = []
    if p.get("line") and "%(line)s" not in p["message"]:
        where.append(translate(LINE) % {"n": p["line"]})
    if p.get("key") and "%(key)s" not in p["message"]:
        where.append(p["key"])
    return f"{', '.join(where)}: {text}" if where else text


def stale_queued_ids(minutes: int = 1) -> list[int]:
    """Uploads waiting for a worker: queued ``minutes`` after they came, or whose worker died."""
    return jobrows.stale_ids(BankStatement, BankStatement.source == "upload", minutes=minutes)
