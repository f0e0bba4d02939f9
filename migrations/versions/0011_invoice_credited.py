"""Invoices keep what credit notes took off them (credited_kopecks), so that a partial credit note lowers
what the client owes: outstanding = total − paid − credited

Existing credit notes each cancelled an invoice in full; the invoice they correct is given their total. A
credit note's line names the invoice line it credits (corrects_line_id), so a line is never credited twice.
The covering indexes of the staff table carry the new amount too, so its totals stay index-only scans.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 09:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OPEN = "state IN ('issued', 'partially_paid')"


def _indexes(amounts: list[str]) -> None:
    op.create_index(
        "ix_invoices_open_due", "invoices", ["due_on", "id"],
        postgresql_include=["client_id", "state", "kind", *amounts],
        postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN),
    )  # fmt: skip
    op.create_index(
        "ix_invoices_open_client", "invoices", ["client_id", "due_on", "id"],
        postgresql_include=["state", "kind", *amounts], postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN),
    )  # fmt: skip
    op.create_index(
        "ix_invoices_client_issued", "invoices", ["client_id", "issued_on", "id"],
        postgresql_include=["state", "kind", *amounts],
    )  # fmt: skip


def _drop_indexes() -> None:
    for name in ("ix_invoices_client_issued", "ix_invoices_open_client", "ix_invoices_open_due"):
        op.drop_index(name, table_name="invoices")


def upgrade():
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("credited_kopecks", sa.BigInteger(), server_default="0", nullable=False))
        batch.create_check_constraint(op.f("ck_invoices_credited_nonneg"), "credited_kopecks >= 0")
    with op.batch_alter_table("invoice_lines") as batch:
        batch.add_column(sa.Column("corrects_line_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_invoice_lines_corrects_line_id_invoice_lines"), "invoice_lines", ["corrects_line_id"], ["id"]
        )
    op.execute(
        "UPDATE invoices SET credited_kopecks = (SELECT COALESCE(SUM(n.total_kopecks), 0) FROM invoices n"
        " WHERE n.corrects_id = invoices.id AND n.kind = 'credit_note' AND n.state <> 'draft')"
        " WHERE kind = 'invoice' AND id IN (SELECT corrects_id FROM invoices WHERE corrects_id IS NOT NULL)"
    )
    _drop_indexes()
    _indexes(["total_kopecks", "paid_kopecks", "credited_kopecks"])


def downgrade():
    _drop_indexes()
    _indexes(["total_kopecks", "paid_kopecks"])
    with op.batch_alter_table("invoice_lines") as batch:
        batch.drop_constraint(op.f("fk_invoice_lines_corrects_line_id_invoice_lines"), type_="foreignkey")
        batch.drop_column("corrects_line_id")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_constraint(op.f("ck_invoices_credited_nonneg"), type_="check")
        batch.drop_column("credited_kopecks")
