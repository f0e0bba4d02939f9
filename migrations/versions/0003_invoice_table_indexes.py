"""invoice table indexes

Indexes for the staff invoice table (debitor/invoices/queries.py) at a million invoices, one per
common filter:

- all open invoices by due date, and the overdue ones (a range of the same index):
  ``ix_invoices_open_due`` — partial (open states only, ~10 % of the rows), covering the amounts so
  that the totals row is an index-only scan;
- by client, all states, newest first: ``ix_invoices_client_issued`` (covering the amounts too);
- by account manager and by client search, open invoices: ``ix_invoices_open_client`` — partial,
  one short range per client of the manager / of the matching clients;
- search by number: ``ix_invoices_number_seq``;
- search by client name or INN: ``ix_clients_search_text_trgm`` (pg_trgm GIN for ``LIKE '%…%'``);
- every invoice by issue date with a stable tiebreak for keyset pages: ``ix_invoices_issued_id``.

The same indexes are declared on the models (``__table_args__``) so that the migrated schema and the
models compare equal. On SQLite the PostgreSQL options (INCLUDE, GIN, operator class) do not apply:
the indexes are plain b-trees there (partial ones keep their WHERE), under the same names.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 23:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OPEN = "state IN ('issued', 'partially_paid')"  # literally the queries' predicate, so the planner matches it
AMOUNTS = ["state", "kind", "total_kopecks", "paid_kopecks"]


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_index(
        "ix_invoices_open_due", "invoices", ["due_on", "id"],
        postgresql_include=["client_id", *AMOUNTS], postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN),
    )
    op.create_index(
        "ix_invoices_open_client", "invoices", ["client_id", "due_on", "id"],
        postgresql_include=AMOUNTS, postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN),
    )
    op.create_index(
        "ix_invoices_client_issued", "invoices", ["client_id", "issued_on", "id"], postgresql_include=AMOUNTS
    )
    op.create_index("ix_invoices_issued_id", "invoices", ["issued_on", "id"])
    op.create_index("ix_invoices_number_seq", "invoices", ["number_seq"])
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_clients_search_text_trgm", "clients", ["search_text"],
            postgresql_using="gin", postgresql_ops={"search_text": "gin_trgm_ops"},
        )
    else:  # the same name, so that the models' declaration compares equal; SQLite scans 10k clients anyway
        op.create_index("ix_clients_search_text_trgm", "clients", ["search_text"])


def downgrade():
    op.drop_index("ix_clients_search_text_trgm", table_name="clients")
    for name in (
        "ix_invoices_number_seq",
        "ix_invoices_issued_id",
        "ix_invoices_client_issued",
        "ix_invoices_open_client",
        "ix_invoices_open_due",
    ):
        op.drop_index(name, table_name="invoices")
    # pg_trgm stays: other objects may use it, and an extension is not part of the models' schema
