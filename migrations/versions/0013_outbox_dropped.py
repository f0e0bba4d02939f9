"""Outbox messages can be dropped: a collection letter whose documents were paid (or paused) after it was
queued is not sent, and stays in the outbox with the reason

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 15:40:00

"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def _states(values) -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_constraint(op.f("ck_outbox_messages_outboxstate"), type_="check")
        batch.create_check_constraint(
            op.f("ck_outbox_messages_outboxstate"), f"state IN ({', '.join(repr(v) for v in values)})"
        )


def upgrade():
    _states(("pending", "sent", "failed", "dropped"))


def downgrade():
    op.execute("UPDATE outbox_messages SET state = 'failed', last_error = 'dropped' WHERE state = 'dropped'")
    _states(("pending", "sent", "failed"))
