"""new concerns: the DSL team's list of unassigned open incidents, newest first, by index

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incidents_school_id_status_assignee_id"),
            ["school_id", "status", "assignee_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_school_id_status_assignee_id"))
