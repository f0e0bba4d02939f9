"""The migrations build exactly the schema the models describe, and go down and up again."""

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
