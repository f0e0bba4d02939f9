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
