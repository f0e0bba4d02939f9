"""What the matcher knows of clients and invoices, fetched on demand and cached: clients by INN
(``Directory``) and their open invoices and invoices by number (``Book``), as plain ``OpenInvoice``
objects. The statement import fetches them for a batch at once (``prefetch``) and pays them in memory as
it applies payments, by the invoices' own rules (``invoices.rules``, ``invoices.models.SETTLEMENT``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from debitor.clients.models import Client, ClientInn
from debitor.db import db, in_values
from debitor.invoices import rules
from debitor.invoices.models import (
    SETTLED_STATES,
    SETTLEMENT,
    Invoice,
    InvoiceKind,
    InvoiceState,
    open_sql,
)

SETTLED_VALUES = {s.value for s in SETTLED_STATES}


@dataclass(slots=True, eq=False)
class OpenInvoice:
    """What matching needs of an invoice; ``paid`` moves as an import applies payments."""

    id: int
    client_id: int
    number_seq: int
    number_year: int
    issued_on: date
    total: int
    paid: int
    currency: str
    read_state: str = InvoiceState.ISSUED.value  # as read from the database
    credited: int = 0
    outstanding: int = 0  # what it still owes (credit notes included): ``owes``, kept as the import pays it

    def __post_init__(self) -> None:
        self.outstanding = self.owes()

    def owes(self) -> int:
        """Nothing unless it was open when read."""
        return rules.outstanding(rules.INVOICE, self.read_state, self.total, self.paid, self.credited)

    @property
    def state(self) -> InvoiceState:
        """As read, and then as the settlement rule moves it while the import pays it."""
        if self.read_state in SETTLED_VALUES:
            return SETTLEMENT.of(total=self.total, paid=self.paid, credited=self.credited)
        return InvoiceState(self.read_state)

    @property
    def number(self) -> str:
        return str(self.number_seq)


class Directory:
    """Clients by INN (main and extra INNs) and agencies' sub-clients, fetched on demand and cached."""

    def __init__(self, organisation_id: int) -> None:
        self.organisation_id = organisation_id
        self._by_inn: dict[str, int | None] = {}
        self._names: dict[int, str] = {}
        self._children: dict[int, list[int]] = {}

    def prefetch(self, inns: Iterable[str]) -> None:
        wanted = {i for i in inns if i and i not in self._by_inn}
        if not wanted:
            return
        for inn in wanted:
            self._by_inn[inn] = None
        rows = db.session.execute(
            sa.select(Client.inn, Client.id, Client.short_name).where(
                Client.organisation_id == self.organisation_id, in_values(Client.inn, wanted)
            )
        )
        for inn, cid, name in rows:
            self._by_inn[inn] = cid
            self._names[cid] = name
        extra = db.session.execute(
            sa.select(ClientInn.inn, Client.id, Client.short_name)
            .join(Client, Client.id == ClientInn.client_id)
            .where(Client.organisation_id == self.organisation_id, in_values(ClientInn.inn, wanted))
        )
        for inn, cid, name in extra:
            if self._by_inn.get(inn) is None:
                self._by_inn[inn] = cid
                self._names[cid] = name
        self._load_children([c for c in self._by_inn.values() if c is not None and c not in self._children])

    def _load_children(self, parents: list[int]) -> None:
        if not parents:
            return
        for pid in parents:
            self._children[pid] = []
        rows = db.session.execute(
            sa.select(Client.parent_id, Client.id, Client.short_name)
            .where(in_values(Client.parent_id, parents))
            .order_by(Client.id)
        )
        for pid, cid, name in rows:
            self._children[pid].append(cid)
            self._names[cid] = name

    def client_for_inn(self, inn: str) -> int | None:
        if not inn:
            return None
        if inn not in self._by_inn:
            self.prefetch([inn])
        return self._by_inn[inn]

    def group(self, client_id: int) -> list[int]:
        """The client and, for an agency, its sub-clients: whose invoices its payment may settle."""
        if client_id not in self._children:
            self._load_children([client_id])
        return [client_id, *self._children[client_id]]

    def name(self, client_id: int) -> str:
        if client_id not in self._names:
            self._names[client_id] = db.session.scalar(sa.select(Client.short_name).where(Client.id == client_id))
        return self._names[client_id]


INVOICE_COLUMNS = (
    Invoice.id,
    Invoice.client_id,
    Invoice.number_seq,
    Invoice.number_year,
    Invoice.issued_on,
    Invoice.total_kopecks,
    Invoice.paid_kopecks,
    Invoice.currency,
    Invoice.state,
    Invoice.credited_kopecks,
)


def open_invoice(row) -> OpenInvoice:
    return OpenInvoice(*row[:8], read_state=row[8].value, credited=row[9])


class Book:
    """Open invoices per client (oldest first) and invoices by number, fetched on demand and cached.

    Nothing is locked: an import adds to what invoices were paid (``payments.bulk``) and stops if one was
    closed meanwhile; the clerk's services lock the rows they change."""

    def __init__(self, organisation_id: int) -> None:
        self.organisation_id = organisation_id
        self._open: dict[int, list[OpenInvoice]] = {}
        self._read: dict[int, list[OpenInvoice]] = {}  # client -> its invoices open when read (not pruned)
        self._by_number: dict[int, list[OpenInvoice]] = {}
        self._by_id: dict[int, OpenInvoice] = {}
        self._closed: set[int] = set()  # clients whose list of open invoices holds one paid since

    def _known(self, inv: OpenInvoice) -> OpenInvoice:
        return self._by_id.setdefault(inv.id, inv)

    def prefetch(self, client_ids: Iterable[int]) -> None:
        wanted = sorted({c for c in client_ids if c not in self._open})
        if not wanted:
            return
        for cid in wanted:
            self._open[cid] = []
            self._read[cid] = []
        q = (
            sa.select(*INVOICE_COLUMNS)
            .where(in_values(Invoice.client_id, wanted), open_sql())
            .order_by(Invoice.issued_on, Invoice.id)
        )
        for row in db.session.execute(q):
            self._add_open(self._known(open_invoice(row)))

    def _add_open(self, inv: OpenInvoice) -> None:
        if inv.outstanding > 0:
            self._open[inv.client_id].append(inv)
        self._read[inv.client_id].append(inv)

    def pay(self, inv: OpenInvoice, amount: int) -> bool:
        """An import applied ``amount`` to the invoice: it owes less, and once paid (True) it is no longer open."""
        inv.paid += amount
        inv.outstanding = inv.owes()
        paid = inv.state == InvoiceState.PAID
        if paid:
            self._closed.add(inv.client_id)
        return paid

    def prefetch_numbers(self, numbers: Iterable[int]) -> None:
        wanted = sorted({n for n in numbers if n not in self._by_number and 0 < n < 2**31})
        if not wanted:
            return
        for n in wanted:
            self._by_number[n] = []
        q = sa.select(*INVOICE_COLUMNS).where(
            Invoice.organisation_id == self.organisation_id,
            Invoice.kind == InvoiceKind.INVOICE,
            in_values(Invoice.number_seq, wanted),
        )
        for row in db.session.execute(q):
            inv = self._known(open_invoice(row))
            self._by_number[inv.number_seq].append(inv)

    def open_for(self, client_ids: list[int]) -> list[OpenInvoice]:
        """The clients' invoices that still owe something, oldest first (not to be changed by the caller)."""
        if not all(c in self._open for c in client_ids):
            self.prefetch(client_ids)
        for cid in self._closed.intersection(client_ids):  # drop what was paid since
            self._open[cid] = [inv for inv in self._open[cid] if inv.outstanding > 0]
            self._closed.discard(cid)
        if len(client_ids) == 1:
            return self._open[client_ids[0]]
        found = [inv for cid in client_ids for inv in self._open[cid]]
        found.sort(key=lambda inv: (inv.issued_on, inv.id))  # each client's list is in order already
        return found

    def settled(self, client_ids: Iterable[int], number: int) -> list[OpenInvoice]:
        """The clients' invoices with this number that were open when read and are paid now."""
        found = (i for cid in client_ids for i in self._read.get(cid, ()) if i.number_seq == number)
        return [i for i in found if i.state == InvoiceState.PAID]

    def unresolved(self, client_ids: list[int], numbers: Iterable[int]) -> set[int]:
        """Of the numbers, those that are not numbers of the clients' open invoices (to look up)."""
        own = {i.number_seq for cid in client_ids for i in self._read.get(cid, ())}
        return set(numbers) - own

    def numbered(self, number: int) -> list[OpenInvoice]:
        self.prefetch_numbers([number])
        return self._by_number.get(number, [])
