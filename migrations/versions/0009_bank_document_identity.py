"""A payment's identity is the bank document as its payer wrote it: external_key recomputed from the stored columns; transfers between our own accounts


Before, a payment imported from a 1C statement was keyed by payer account, number, date, amount and the day
the money moved: two cash deposits without number and payer account of the same day and amount were one
payment (the second dropped), and a document re-sent with ДатаПоступило filled in was a second payment. The
identity is now the one ``debitor.payments.reading.identity`` computes — our account and the side of it the
money went, the counterparty's account, number, date, amount, the counterparty's INN, name and purpose —
and the payments already imported are given it here, from the columns they stored, so that an overlapping
statement imported after the upgrade finds them.

Documents the old identity counted twice (the same document with and without its received date) now have
one identity: the oldest payment keeps it, the others get it with ``|dup<id>`` and are listed in the log.

Payments get two directions more, ``transfer_out`` and ``transfer_in``: money moved between two accounts of
the organisation, which was recorded as incoming money from a payer with our INN (in the clerk's queue). Such
payments already recorded and not dealt with (nothing applied, nothing paid back) become transfers.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 18:00:00

"""
import hashlib
import logging

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
BATCH = 5000
COLUMNS = ("id, direction, our_account, payer_account, doc_number, doc_date, received_on, amount_kopecks, payer_inn, "
           "payer_name, purpose")
MONEY_IN = ("incoming", "transfer_in")


def identity(row) -> str:
    """``debitor.payments.reading.identity`` as of this revision, over a stored payment (frozen here: the
    keys this migration writes must stay what it wrote whatever the code does later)."""
    side = "in" if row.direction in MONEY_IN else "out"
    on = row.doc_date or row.received_on
    text = "\x1f".join((row.payer_account, row.doc_number, row.payer_inn, " ".join(row.payer_name.split()),
                        " ".join(row.purpose.split())))
    digest = hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    return f"1c|{side}|{row.our_account}|{on.isoformat()}|{row.amount_kopecks}|{digest}"


def identity_0008(row) -> str:
    """The identity before this revision: the payer's account (the counterparty's for money in, ours for
    money out), number, date, amount, the day the money moved."""
    payer = row.payer_account if row.direction in MONEY_IN else row.our_account
    on = row.doc_date or row.received_on
    return f"1c|{payer}|{row.doc_number}|{on.isoformat()}|{row.amount_kopecks}|{row.received_on.isoformat()}"


def _day(value):
    """SQLite hands dates back as text in a raw query."""
    if isinstance(value, str):
        from datetime import date

        return date.fromisoformat(value[:10])
    return value


class _Row:
    def __init__(self, row):
        self.__dict__.update(row._mapping)
        self.doc_date, self.received_on = _day(self.doc_date), _day(self.received_on)


def rekey(bind, key) -> None:
    """Give every payment imported from a statement (``external_key`` "1c|…") the identity ``key`` computes
    from its row; where two rows get the same one, the oldest keeps it."""
    bind.execute(sa.text("CREATE TEMPORARY TABLE payment_keys (id INTEGER PRIMARY KEY, external_key VARCHAR(200))"))
    last = 0
    while True:
        rows = bind.execute(
            sa.text(f"SELECT {COLUMNS} FROM payments WHERE external_key LIKE '1c|%' AND id > :last "  # noqa: S608
                    "ORDER BY id LIMIT :n"), {"last": last, "n": BATCH}
        ).all()  # fmt: skip
        if not rows:
            break
        keys = [{"id": r.id, "k": key(_Row(r))} for r in rows]
        bind.execute(sa.text("INSERT INTO payment_keys (id, external_key) VALUES (:id, :k)"), keys)
        last = rows[-1].id
    bind.execute(sa.text("CREATE INDEX ix_payment_keys_key ON payment_keys (external_key)"))
    repeats = bind.execute(
        sa.text("SELECT k.id, k.external_key FROM payment_keys k WHERE EXISTS (SELECT 1 FROM payment_keys e "
                "WHERE e.external_key = k.external_key AND e.id < k.id) ORDER BY k.id")
    ).all()  # fmt: skip
    if repeats:
        log.warning("payments recorded twice for one bank document (the oldest keeps its identity): %s",
                    ", ".join(str(r.id) for r in repeats))  # fmt: skip
        bind.execute(
            sa.text("UPDATE payment_keys SET external_key = :k WHERE id = :id"),
            [{"id": r.id, "k": f"{r.external_key}|dup{r.id}"} for r in repeats],
        )
    # the new keys are unique and never an old one (another shape), so the unique index holds row by row
    bind.execute(
        sa.text("UPDATE payments SET external_key = (SELECT k.external_key FROM payment_keys k WHERE k.id = payments.id) "
                "WHERE id IN (SELECT id FROM payment_keys)")
    )  # fmt: skip
    bind.execute(sa.text("DROP TABLE payment_keys"))


DIRECTIONS = ('incoming', 'outgoing', 'transfer_out', 'transfer_in')
DIRECTIONS_0008 = ('incoming', 'outgoing')
TRANSFER_REASONS = '[{"message": "A transfer between our own accounts: not a client\'s money", "params": {}}]'


def _directions(values) -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_payments_direction'), type_='check')
        batch_op.create_check_constraint(op.f('ck_payments_direction'),
                                         f"direction IN ({', '.join(repr(v) for v in values)})")  # fmt: skip


def upgrade():
    _directions(DIRECTIONS)
    bind = op.get_bind()
    for was, now in (('incoming', 'transfer_in'), ('outgoing', 'transfer_out')):
        bind.execute(
            sa.text("UPDATE payments SET direction = :now, client_id = NULL, match_confidence = NULL, "
                    "match_reasons = :reasons WHERE direction = :was AND applied_kopecks = 0 AND refunded_kopecks = 0 "
                    "AND external_key LIKE '1c|%' AND EXISTS (SELECT 1 FROM bank_accounts b "
                    "WHERE b.account = payments.payer_account AND b.organisation_id = payments.organisation_id)"),
            {"was": was, "now": now, "reasons": TRANSFER_REASONS},
        )  # fmt: skip
    rekey(bind, identity)


def downgrade():
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE payments SET direction = 'incoming' WHERE direction = 'transfer_in'"))
    bind.execute(sa.text("UPDATE payments SET direction = 'outgoing' WHERE direction = 'transfer_out'"))
    rekey(bind, identity_0008)
    _directions(DIRECTIONS_0008)
