"""Outbox messages no longer keep one-time links: outbox_messages.secret_link says how to mint one at send time

Existing reset and invitation messages had their live link in the stored bodies, readable in the staff
workspace: the links are masked, and those still pending are failed (their user asks for a new link).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 17:00:00

"""
import re

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

LINK = re.compile(r"(/reset/)[^\s\"'<>]+")


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret_link', sa.JSON(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT id, state, body_text, body_html FROM outbox_messages "
            "WHERE dedupe_key LIKE 'pwreset:%' OR dedupe_key LIKE 'invite:%'"
        )
    ).all()
    for row in rows:
        bind.execute(
            sa.text(
                "UPDATE outbox_messages SET body_text = :text, body_html = :html, state = :state, "
                "last_error = CASE WHEN :state <> state THEN :why ELSE last_error END WHERE id = :id"
            ),
            {
                "id": row.id,
                "text": LINK.sub(r"\1…", row.body_text),
                "html": LINK.sub(r"\1…", row.body_html),
                "state": "failed" if row.state == "pending" else row.state,
                "why": "The one-time link was withdrawn by an upgrade; ask for a new one.",
            },
        )


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('secret_link')
