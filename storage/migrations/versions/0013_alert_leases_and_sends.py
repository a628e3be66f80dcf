"""alert lease holders and the shared send windows

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 15:00:42.668852
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=400), nullable=False),
        sa.Column("sent_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sends")),
    )
    with op.batch_alter_table("sends", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sends_conversation_id_sent_at"),
            ["conversation_id", "sent_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_sends_sent_at"), ["sent_at"], unique=False)

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=100), nullable=True))
        batch_op.create_index(batch_op.f("ix_alerts_claimed_by"), ["claimed_by"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_claimed_by"))
        batch_op.drop_column("claimed_by")

    with op.batch_alter_table("sends", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sends_sent_at"))
        batch_op.drop_index(batch_op.f("ix_sends_conversation_id_sent_at"))

    op.drop_table("sends")
