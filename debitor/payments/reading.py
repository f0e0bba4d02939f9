"""Reading a statement for the import: documents in batches (``read``), prepared for the importer
(``Prepared``): direction, identity and the payment columns a document fills by itself, already as CSV for
COPY. The purposes are left to the importer, which reads only those of documents it has not recorded
before. Errors are the parser's own ``StatementError`` with their line and key.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO, NamedTuple

from debitor.onec.parser import StatementReader
from debitor.payments.models import Direction
from debitor.schemas import N_


@dataclass
class Reading:
    """What the importer needs from a statement besides its documents, filled as they are read."""

    header: object = None
    encoding: str = ""
    warnings: list = field(default_factory=list)
    sections: list = field(default_factory=list)
    finished: bool = False
    bytes_read: int = 0
    sha256: str = ""  # of the whole file, once read to its end


CURRENCY = "RUB"  # a 1C statement of a rouble account; its documents carry no currency of their own
INCOMING, OUTGOING = Direction.INCOMING.value, Direction.OUTGOING.value  # plain str: cheap over the pipe
TRANSFER_IN, TRANSFER_OUT = Direction.TRANSFER_IN.value, Direction.TRANSFER_OUT.value
RECEIVED = frozenset({INCOMING, TRANSFER_IN})  # money into our account: "in" of its identity

# The payment columns a bank document fills by itself, in the order of its CSV text (``Prepared.columns``);
# the importer adds the id, organisation, statement and what matching decided.
DOC_COLUMNS = (
    "external_key", "source", "direction", "our_account", "statement_line", "received_on", "amount_kopecks",
    "currency", "payer_name", "payer_inn", "payer_account", "payer_bik", "doc_number", "doc_date", "purpose",
)  # fmt: skip


class Prepared(NamedTuple):
    """A document as the importer needs it: its direction and identity, and its own payment columns already
    as one CSV line for COPY, so that the importer only adds what matching decides."""

    line: int
    direction: str | None  # a Direction's value; None: neither to nor from an account of ours
    account: str  # ours
    key: str  # the bank document's identity (``identity``)
    amount: int
    inn: str  # the counterparty's
    received_on: date  # or debited on: the day the money moved
    purpose: str  # for reading its invoice references (incoming money only)
    columns: str  # DOC_COLUMNS as CSV, without the line end
    where: tuple | None  # (number, date, payer account, payee account) to name a document of nobody's
    # a transfer between two of our accounts that the statement covers both of gives two sides, 1 (out) and 2
    # (in); a bank may list such a document under each account, and a repeat is the same transfer
    pair: int = 0


def identity(side: str, our_account: str, their_account: str, number: str, on: date, amount: int, inn: str,
             name: str, purpose: str) -> str:  # fmt: skip
    """A payment's identity: the bank document as its payer wrote it, seen from one of our accounts (``side``
    "in" or "out" of ``our_account``), in the payment's own stored columns (so that a migration can compute it
    from the rows): both accounts, number, date, amount and the counterparty's INN, name and purpose.

    What a bank fills in later is left out — the day the money was debited or received (``ДатаСписано``,
    ``ДатаПоступило``, empty in a statement of the day and filled in the next one), receipt dates — so that
    a document re-sent in an overlapping statement is the same payment. What the payer wrote is kept: two
    cash deposits with no number and no payer account, of the same day and amount, are told apart by who paid
    and what for. Whitespace inside the name and purpose does not count (banks re-wrap them)."""
    text = "\x1f".join((their_account, number, inn, " ".join(name.split()), " ".join(purpose.split())))
    digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    return f"1c|{side}|{our_account}|{on.isoformat()}|{amount}|{digest}"


class _Columns:
    """One document's DOC_COLUMNS as a CSV line, by the csv module (quotes, commas, line breaks)."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="")

    def __call__(self, values) -> str:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.writer.writerow(values)
        return self.buffer.getvalue()


def covered_accounts(reader: StatementReader, ours: dict[str, int]) -> frozenset[str]:
    """Our accounts the statement is of (its header's РасчСчет and its balance sections, which come before
    the documents), or all of ours when it names none."""
    named = {*reader.header.accounts, *(s.account for s in reader.sections)} & ours.keys()
    return frozenset(named or ours)


def prepare(doc, ours: dict[str, int], covered: frozenset[str], columns: _Columns) -> list:
    """The document's sides as prepared payments: one, with the counterparty's side picked (the payer of
    money coming in, the payee of money going out); two for a transfer between two of our organisation's
    accounts that the statement covers both of (``ours``: our accounts → their organisation; ``covered``:
    the statement's)."""
    payee, payer = doc.payee_account, doc.payer_account
    to_us = payee in ours
    if to_us and payer in ours:
        if ours[payee] == ours[payer]:
            return _transfer(doc, covered, columns)
        to_us = payee in covered or payer not in covered  # between two organisations of ours: the statement's
    if to_us:
        return [_side(doc, INCOMING, payee, doc.received_on or doc.date, columns)]
    if payer in ours:
        return [_side(doc, OUTGOING, payer, doc.debited_on or doc.date, columns)]
    where = (doc.number, doc.date, doc.payer_account, doc.payee_account)
    return [Prepared(doc.line, None, "", "", 0, "", doc.date, "", "", where)]


def _transfer(doc, covered: frozenset[str], columns: _Columns) -> list:
    out, into = doc.payer_account in covered, doc.payee_account in covered
    if not (out or into):  # a statement of neither account listing a transfer between them: both sides
        out = into = True
    pair = 1 if out and into else 0
    sides = []
    if out:
        sides.append(_side(doc, TRANSFER_OUT, doc.payer_account, doc.debited_on or doc.date, columns, pair=pair))
    if into:
        sides.append(_side(doc, TRANSFER_IN, doc.payee_account, doc.received_on or doc.date, columns, pair=2 * pair))
    return sides


def _side(doc, direction: str, account: str, moved: date, columns: _Columns, pair=0):
    """One side of a document: the payment of ``account`` (ours), the counterparty the document's other side."""
    if direction in RECEIVED:
        side, name, inn, their_account, bik = "in", doc.payer_name, doc.payer_inn, doc.payer_account, doc.payer_bik
    else:
        side, name, inn, their_account, bik = "out", doc.payee_name, doc.payee_inn, doc.payee_account, doc.payee_bik
    inn, name, their_account, number = inn[:12], name[:300], their_account[:20], doc.number[:40]  # as stored
    key = identity(side, account, their_account, number, doc.date, doc.amount_kopecks, inn, name, doc.purpose)
    text = columns((key, "onec", direction, account, doc.line, moved, doc.amount_kopecks, CURRENCY, name, inn,
                    their_account, bik[:9], number, doc.date, doc.purpose))  # fmt: skip
    return Prepared(doc.line, direction, account, key, doc.amount_kopecks, inn, moved, doc.purpose, text, None, pair)


def rekey(doc: Prepared, key: str) -> Prepared:
    """``doc`` under another identity (its CSV line begins with the identity)."""
    csv_key = _Columns()
    old, new = csv_key((doc.key,)), csv_key((key,))
    return doc._replace(key=key, columns=new + doc.columns[len(old) :])


def _drain(counting: Counting) -> None:
    """Read what the parser left after КонецФайла, so that the hash is the whole file's."""
    while counting.read(1 << 20):
        pass


class Counting(io.RawIOBase):
    """Counts the bytes read through it (the progress of the import) and hashes them (the file's SHA-256,
    recorded with the statement)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw, self.count, self.hash = raw, 0, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        self.hash.update(data)
        return n


def _batches(
    reader: StatementReader, counting: Counting, ours: dict[str, int], size: int
) -> Iterator[tuple[list[Prepared], int]]:
    """(batch of prepared documents, bytes read so far)."""
    batch: list = []
    columns = _Columns()
    covered = None
    for doc in reader:
        if covered is None:  # once the header and the balance sections are read
            covered = covered_accounts(reader, ours)
        batch += prepare(doc, ours, covered, columns)
        if len(batch) >= size:
            yield batch, counting.count
            batch = []
    if batch:
        yield batch, counting.count


def read(stream: BinaryIO, ours: dict[str, int], size: int) -> tuple[Reading, Iterator[tuple[list, int]]]:
    """The statement's documents in batches of about ``size``, and what is known of it besides them (its
    header at once; warnings, sections, size and hash once the batches are read to the end)."""
    counting = Counting(stream)
    reader = StatementReader(counting)
    reading = Reading(reader.header, reader.encoding)

    def batches():
        yield from _batches(reader, counting, ours, size)
        reading.warnings, reading.sections, reading.finished = reader.warnings, reader.sections, reader.finished
        _drain(counting)
        reading.bytes_read, reading.sha256 = counting.count, counting.hash.hexdigest()

    return reading, batches()


def section_mismatches(sections, accounts, totals: dict[str, list[int]]) -> list[dict]:
    """The bank's own totals against the documents (``totals``: account -> [in, out]) for the sections of
    our ``accounts``; each disagreement is a warning naming the line."""
    out = []
    for s in sections:
        if s.account not in accounts:
            continue
        got_in, got_out = totals.get(s.account, [0, 0])
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
