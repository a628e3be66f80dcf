"""indexes that follow the dashboard's queries: My history and My assigned newest first (issue 16)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 18:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_incidents_recorded_by_id"), "incidents", ["recorded_by", "id"], unique=False
    )
    op.create_index(
        op.f("ix_incidents_assignee_id_id"), "incidents", ["assignee_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_incidents_assignee_id_id"), table_name="incidents")
    op.drop_index(op.f("ix_incidents_recorded_by_id"), table_name="incidents")
