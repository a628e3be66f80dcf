"""a colleague deactivated by an administrator in Kestrel stays inactive through directory syncs

A sync from Microsoft Entra made active everyone in a mapped group, so a colleague an
administrator had turned off in Kestrel (suspended while an allegation is looked into, say,
and still in the school's groups) was let back in by the next sync. `deactivated_here` records
that Kestrel's own switch turned them off; a sync then keeps them inactive (their name, email
and role still follow the directory) until an administrator turns them on again here.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 23:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deactivated_here", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("deactivated_here")
