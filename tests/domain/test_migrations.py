"""The migrations build exactly the schema the models describe, and go down and up again."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from debitor.db import db


def test_migrated_schema_matches_the_models():
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_downgrade_then_upgrade(app):
    db.session.remove()
    downgrade(revision="base")
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is None
    upgrade()
    with db.engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() is not None
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_upgrade_freezes_the_requisites_of_invoices_issued_before(app):
    """0005 gives invoices issued before it the requisites as they stand, keyed as issuing keys them, so
    that invoices issued afterwards with the same requisites share the set."""
    from datetime import date

    from debitor.invoices.models import Invoice, RequisiteSet
    from debitor.invoices.services import issue_invoice
    from tests import factories as f

    org = f.organisation()
    client = f.client(org)
    old = f.issued(org, client, on=date(2026, 3, 2))
    draft_id = f.draft(org, client).id
    old_id = old.id
    db.session.commit()
    db.session.remove()
    downgrade(revision="0004")
    upgrade()
    old = db.session.get(Invoice, old_id)
    assert old.requisites_id is not None and db.session.get(Invoice, draft_id).requisites_id is None
    assert old.requisite_set.data["supplier"]["inn"] == "7709123453"
    assert old.requisite_set.data["buyer"]["inn"] == old.client.inn
    issue_invoice(db.session.get(Invoice, draft_id), on=date(2026, 3, 3))
    assert db.session.get(Invoice, draft_id).requisites_id == old.requisites_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RequisiteSet)) == 1


def test_upgrade_gives_imported_payments_the_identity_the_import_computes(app, tmp_path):
    """0009: payments imported before it carry the old identity (payer account, number, date, amount and the
    day the money moved); the upgrade gives them the one the import computes now, from their stored columns,
    so that an overlapping statement imported after the upgrade — its bank dates filled in — counts nothing
    twice. A document the old identity had counted twice keeps one payment under the identity, the other one
    marked."""
    from datetime import date

    from debitor.payments.importing import import_path
    from debitor.payments.models import Payment
    from tests import factories as f
    from tests.onec_files import OUR_ACCOUNT, Doc, statement_bytes

    org = f.organisation()
    client = f.client(org)
    db.session.commit()
    docs = [
        Doc("11", "1000.00", "Оплата по счету 1", payer_inn=client.inn),
        Doc("12", "300.00", "Возврат", payer_inn=client.inn, incoming=False),
        Doc("", "5000.00", "Взнос наличных", payer_inn="", payer_name="Иванов И.И.", payer_account="",
            kind="Банковский ордер"),
    ]  # fmt: skip
    path = tmp_path / "day.txt"
    path.write_bytes(statement_bytes(docs).replace("=02.03.2026\r\nПолучатель=".encode("cp1251"),
                                                   "=\r\nПолучатель=".encode("cp1251")))  # fmt: skip
    assert import_path(path).summary["incoming"] == 2  # received dates not filled in yet
    new_keys = dict(db.session.execute(sa.select(Payment.id, Payment.external_key)).all())
    db.session.remove()
    downgrade(revision="0008")
    with db.engine.begin() as conn:
        rows = conn.execute(sa.text("SELECT id, doc_number, external_key FROM payments ORDER BY id")).all()
        payer = {"11": "40702810938000012345", "12": OUR_ACCOUNT, "": ""}  # as the code before 0009 keyed them
        amount = {"11": 100000, "12": 30000, "": 500000}
        assert [r.external_key for r in rows] == [
            f"1c|{payer[r.doc_number]}|{r.doc_number}|2026-03-02|{amount[r.doc_number]}|2026-03-02" for r in rows
        ]
        # the old code counted a document twice when an overlap came with its received date filled in
        copied = ("organisation_id, client_id, state, source, amount_kopecks, currency, payer_name, payer_inn, "
                  "payer_account, payer_bik, doc_number, doc_date, purpose, direction, our_account, statement_id, "
                  "statement_line, created_at")  # fmt: skip
        legacy = "1c|40702810938000012345|11|2026-03-02|100000|2026-03-03"
        conn.execute(sa.text(
            f"INSERT INTO payments ({copied}, external_key, received_on, applied_kopecks, refunded_kopecks, "
            f"match_reasons) SELECT {copied}, '{legacy}', '2026-03-03', 0, 0, '[]' FROM payments "
            "WHERE doc_number = '11'"
        ))  # fmt: skip
    upgrade()
    after = dict(db.session.execute(sa.select(Payment.id, Payment.external_key)).all())
    (twice,) = set(after) - set(new_keys)
    assert {k: after[k] for k in new_keys} == new_keys
    first = next(k for k, p in new_keys.items() if db.session.get(Payment, k).doc_number == "11")
    assert after[twice] == f"{new_keys[first]}|dup{twice}"
    overlap = tmp_path / "overlap.txt"
    overlap.write_bytes(statement_bytes(docs))  # the next day's, with the received dates filled in
    again = import_path(overlap)
    assert again.summary["duplicates_skipped"] == 3 and again.summary["incoming"] == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Payment)) == 4
    assert date(2026, 3, 2) in {p.received_on for p in db.session.scalars(sa.select(Payment))}


def test_upgrade_makes_our_own_transfers_recorded_as_money_in_transfers(app):
    """0009: before it, money from another account of ours was recorded as incoming money from a payer with
    our INN, in the clerk's queue; such payments nobody has dealt with become transfers into our account."""
    from debitor.orgs.models import BankAccount
    from debitor.payments.models import Direction, Payment
    from tests import factories as f

    org = f.organisation()
    org.bank_accounts.append(
        BankAccount(bank_name="Банк", bik="044525593", corr_account="", account="40702810700000067890")
    )
    db.session.commit()
    org_id = org.id
    db.session.remove()
    downgrade(revision="0008")
    insert = sa.text(
        "INSERT INTO payments (organisation_id, client_id, state, external_key, source, received_on, amount_kopecks, "
        "applied_kopecks, refunded_kopecks, currency, payer_name, payer_inn, payer_account, payer_bik, doc_number, "
        "doc_date, purpose, direction, our_account, match_reasons, created_at) VALUES (:org, NULL, :state, :key, "
        "'onec', '2026-03-02', 100000, :applied, 0, 'RUB', 'ООО Тест', '7709123453', :payer, '', :n, '2026-03-02', "
        "'Перевод', 'incoming', '40702810200000012345', '[]', '2026-03-02 10:00:00')"
    )
    with db.engine.begin() as conn:
        for n, payer, applied in (("1", "40702810700000067890", 0), ("2", "40702810700000067890", 100),
                                  ("3", "40702810938000012345", 0)):  # fmt: skip
            conn.execute(insert, {"org": org_id, "key": f"1c|{payer}|{n}", "payer": payer, "n": n, "applied": applied,
                                  "state": "partially_applied" if applied else "unmatched"})  # fmt: skip
    upgrade()
    rows = db.session.execute(sa.select(Payment.doc_number, Payment.direction).order_by(Payment.doc_number)).all()
    assert rows == [("1", Direction.TRANSFER_IN), ("2", Direction.INCOMING), ("3", Direction.INCOMING)]
    transfer = db.session.scalars(sa.select(Payment).where(Payment.doc_number == "1")).one()
    assert transfer.match_reasons == [{"message": "A transfer between our own accounts: not a client's money",
                                       "params": {}}]  # fmt: skip
    from debitor.payments.importer import TRANSFER_REASONS

    assert transfer.match_reasons == [r.as_dict() for r in TRANSFER_REASONS]
