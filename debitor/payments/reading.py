"""Reading a statement for the import: documents in batches, each incoming one with the invoice
references of its purpose already read.

``read_in_process`` parses in the importer's own thread and leaves the purposes to the importer (which
reads only those of documents it has not recorded before). ``read_in_child`` forks a process that opens
the file, parses it and reads the purposes, and hands the batches over a pipe: on a machine with more
than one core the parsing and the purpose reading (about a third of an import's Python time) then run
beside the matching and the writing instead of before them. The child only reads the file; it never
touches the database or the app. Errors come back as the parser's own ``StatementError`` with their
line and key.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple

from debitor.onec.parser import StatementError, StatementReader
from debitor.payments.purpose import extract


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


class Brief(NamedTuple):
    """What the importer reads of a document, as it crosses the pipe from the reader process: a tuple
    pickles in C, where the parser's dataclass (every key, as written) costs several times the parsing."""

    line: int
    number: str
    date: object
    amount_kopecks: int
    payer_account: str
    payer_inn: str
    payer_name: str
    payer_bik: str
    debited_on: object
    payee_account: str
    payee_inn: str
    payee_name: str
    payee_bik: str
    received_on: object
    purpose: str


def brief(doc) -> Brief:
    return Brief(doc.line, doc.number, doc.date, doc.amount_kopecks, doc.payer_account, doc.payer_inn, doc.payer_name,
                 doc.payer_bik, doc.debited_on, doc.payee_account, doc.payee_inn, doc.payee_name, doc.payee_bik,
                 doc.received_on, doc.purpose)  # fmt: skip


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
    reader: StatementReader, counting: Counting, ours: set[str] | None, size: int
) -> Iterator[tuple[list, int]]:
    """(batch of (document, purpose references or None), bytes read so far). Without ``ours`` no
    purpose is read here: the importer reads those of the documents it has not seen before."""
    batch: list = []
    for doc in reader:
        refs = None
        if ours is not None and doc.payee_account in ours:  # incoming: its purpose may name invoices
            refs = extract(doc.purpose, default_year=(doc.received_on or doc.date).year, free_amounts=False)
        if ours is not None:  # going over a pipe: only what the importer reads
            doc = brief(doc)
        batch.append((doc, refs))
        if len(batch) >= size:
            yield batch, counting.count
            batch = []
    if batch:
        yield batch, counting.count


def read_in_process(stream: BinaryIO, size: int) -> tuple[Reading, Iterator[tuple[list, int]]]:
    counting = Counting(stream)
    reader = StatementReader(counting)
    reading = Reading(reader.header, reader.encoding)

    def batches():
        yield from _batches(reader, counting, None, size)
        reading.warnings, reading.sections, reading.finished = reader.warnings, reader.sections, reader.finished
        _drain(counting)
        reading.bytes_read, reading.sha256 = counting.count, counting.hash.hexdigest()

    return reading, batches()


def _child(path: str, ours: set[str], size: int, conn) -> None:
    try:
        with open(path, "rb") as f:
            counting = Counting(f)
            reader = StatementReader(counting)
            conn.send(("header", reader.header, reader.encoding))
            for batch, read in _batches(reader, counting, ours, size):
                conn.send(("batch", batch, read))
            _drain(counting)
            end = (reader.warnings, reader.sections, reader.finished, counting.count, counting.hash.hexdigest())
            conn.send(("end", *end))
    except StatementError as err:
        conn.send(("error", err.message, err.params, err.line, err.key))
    except BaseException as exc:  # noqa: BLE001 - reported to the importer, which fails the import
        conn.send(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()
        os._exit(0)  # nothing inherited from the parent (connections, atexit hooks) is touched


class ChildReader:
    def __init__(self, path: Path, ours: set[str], size: int) -> None:
        ctx = multiprocessing.get_context("fork")
        self.conn, child_end = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=_child, args=(str(path), ours, size, child_end), daemon=True)
        self.process.start()
        child_end.close()
        self.reading = Reading()
        message = self._receive()
        if message[0] != "header":
            raise RuntimeError(f"unexpected message from the statement reader: {message[0]}")
        self.reading.header, self.reading.encoding = message[1], message[2]

    def _receive(self):
        try:
            message = self.conn.recv()
        except EOFError as exc:
            raise RuntimeError("the statement reader stopped without a word") from exc
        if message[0] == "error":
            self.close()
            raise StatementError(message[1], message[2], line=message[3], key=message[4])
        if message[0] == "crash":
            self.close()
            raise RuntimeError(f"the statement reader failed: {message[1]}")
        return message

    def batches(self) -> Iterator[tuple[list, int]]:
        while True:
            message = self._receive()
            if message[0] == "end":
                _, warnings, sections, finished, read, digest = message
                self.reading.warnings, self.reading.sections, self.reading.finished = warnings, sections, finished
                self.reading.bytes_read, self.reading.sha256 = read, digest
                self.close()
                return
            yield message[1], message[2]

    def close(self) -> None:
        self.conn.close()
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=5)


def read_in_child(path: Path, ours: set[str], size: int) -> tuple[Reading, Iterator[tuple[list, int]], ChildReader]:
    child = ChildReader(path, ours, size)
    return child.reading, child.batches(), child
