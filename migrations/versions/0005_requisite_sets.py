"""Requisites frozen at issue: invoices point at the set of supplier, bank, buyer and contract requisites
they were issued with

Invoices issued before this migration get the requisites as they stand now (the best that is known);
from now on issuing records them, so a later change of director, bank or address leaves issued
documents as they were.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 02:40:00

"""

import hashlib
import json
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

import debitor.db  # noqa: F401 - custom column types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# as in debitor/invoices/requisites.py at the time of writing (a migration keeps its own copy)
SUPPLIER = ("name", "short_name", "inn", "kpp", "ogrn", "legal_address", "director_name", "accountant_name")
ACCOUNT = ("account", "bank_name", "bik", "corr_account")
BUYER = ("legal_name", "short_name", "inn", "kpp", "legal_address")
CONTRACT = ("number", "signed_on")


def upgrade():
    op.create_table(
        "requisite_sets",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", debitor.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requisite_sets")),
        sa.UniqueConstraint("sha256", name=op.f("uq_requisite_sets_sha256")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requisites_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_invoices_requisites_id_requisite_sets"), "requisite_sets", ["requisites_id"], ["id"]
        )
    _backfill()


def _pick(row, names):
    if row is None:
        return None
    out = {}
    for name in names:
        value = row._mapping[name]
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


def _backfill():
    """One set per (organisation, client, contract) that issued invoices have, from today's rows."""
    bind = op.get_bind()
    combos = bind.execute(
        sa.text("SELECT DISTINCT organisation_id, client_id, contract_id FROM invoices WHERE state <> 'draft'")
    ).all()
    if not combos:
        return
    orgs = {r.id: r for r in bind.execute(sa.text(f"SELECT id, {', '.join(SUPPLIER)} FROM organisations"))}  # noqa: S608
    accounts = {}
    for r in bind.execute(
        sa.text(f"SELECT organisation_id, {', '.join(ACCOUNT)} FROM bank_accounts ORDER BY is_primary DESC, id")  # noqa: S608
    ):
        accounts.setdefault(r.organisation_id, r)
    clients = {r.id: r for r in bind.execute(sa.text(f"SELECT id, {', '.join(BUYER)} FROM clients"))}  # noqa: S608
    contracts = {r.id: r for r in bind.execute(sa.text("SELECT id, number, signed_on FROM contracts"))}
    sets = sa.table(
        "requisite_sets", sa.column("id"), sa.column("sha256"), sa.column("data", sa.JSON), sa.column("created_at")
    )
    now = datetime.now(UTC)
    ids: dict[str, int] = {}
    mapping = []
    for org_id, client_id, contract_id in combos:
        data = {
            "supplier": _pick(orgs.get(org_id), SUPPLIER),
            "account": _pick(accounts.get(org_id), ACCOUNT),
            "buyer": _pick(clients.get(client_id), BUYER),
            "contract": _pick(contracts.get(contract_id), CONTRACT) if contract_id is not None else None,
        }
        key = hashlib.sha256(
            json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        ).hexdigest()
        if key not in ids:
            ids[key] = bind.execute(
                sets.insert().values(sha256=key, data=data, created_at=now).returning(sets.c.id)
            ).scalar_one()
        mapping.append({"o": org_id, "c": client_id, "k": contract_id or 0, "s": ids[key]})
    op.execute("CREATE TEMPORARY TABLE requisite_map (o INTEGER, c INTEGER, k INTEGER, s INTEGER)")
    bind.execute(sa.text("INSERT INTO requisite_map (o, c, k, s) VALUES (:o, :c, :k, :s)"), mapping)
    op.execute(
        "UPDATE invoices SET requisites_id = requisite_map.s FROM requisite_map "
        "WHERE invoices.state <> 'draft' AND invoices.organisation_id = requisite_map.o "
        "AND invoices.client_id = requisite_map.c AND coalesce(invoices.contract_id, 0) = requisite_map.k"
    )
    op.execute("DROP TABLE requisite_map")


def downgrade():
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_invoices_requisites_id_requisite_sets"), type_="foreignkey")
        batch_op.drop_column("requisites_id")
    op.drop_table("requisite_sets")
