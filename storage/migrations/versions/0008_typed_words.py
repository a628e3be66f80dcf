"""typed words: what was typed after a command, held server-side for its button

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "typed_words",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.String(length=1000), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_typed_words_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_typed_words")),
        sa.UniqueConstraint("token", name=op.f("uq_typed_words_token")),
    )
    with op.batch_alter_table("typed_words", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_typed_words_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("typed_words", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_typed_words_expires_at"))
    op.drop_table("typed_words")
