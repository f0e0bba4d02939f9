"""Events name the aggregate whose state moved (subject, subject_id), for every kind of aggregate

``debitor.states.transition`` writes one event per state move; invoices, payments, contracts and disputes
had a column of their own in events, statements, exports, outbox messages and tasks none. Events written
before were not state moves of this kind and keep no subject.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("subject", sa.String(20), nullable=True))
        batch.add_column(sa.Column("subject_id", sa.BigInteger(), nullable=True))
    op.create_index("ix_events_subject", "events", ["subject", "subject_id", "occurred_at"])


def downgrade():
    op.drop_index("ix_events_subject", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("subject_id")
        batch.drop_column("subject")
