"""triage post lease holders: short leases named by instance, as the alerts' (issue 15)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("triage_posts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_by", sa.String(length=100), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_triage_posts_claimed_by"), ["claimed_by"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("triage_posts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_triage_posts_claimed_by"))
        batch_op.drop_column("claimed_by")
