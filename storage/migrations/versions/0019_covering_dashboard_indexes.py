"""covering indexes for the dashboard's sections: My history, My assigned and the unread alerts
walked without reading the wide incident and alert rows; pupils waiting to be merged found
without reading the school's pupils; the alert and triage lease indexes hold leased rows only
(issue 16)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 00:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (old name, new name, table, new columns): each new index replaces one it extends.
_REPLACED = (
    (
        "ix_incidents_recorded_by_id",
        "ix_incidents_recorded_by_id_assignee_id_status_school_id",
        "incidents",
        ["recorded_by", "id", "assignee_id", "status", "school_id"],
        ["recorded_by", "id"],
    ),
    (
        "ix_incidents_assignee_id_id",
        "ix_incidents_assignee_id_id_status",
        "incidents",
        ["assignee_id", "id", "status"],
        ["assignee_id", "id"],
    ),
    (
        "ix_alerts_staff_id_read_at_id",
        "ix_alerts_staff_id_read_at_id_incident_id_state_reason",
        "alerts",
        ["staff_id", "read_at", "id", "incident_id", "state", "reason"],
        ["staff_id", "read_at", "id"],
    ),
)


_PROVISIONAL = "ix_students_school_id_provisional_merged_into"
# Leases, leased rows only (a whole index of a mostly NULL column misled SQLite's planner).
_LEASED = ("alerts", "triage_posts")
_ONLY_LEASED = "claimed_by IS NOT NULL"


def upgrade() -> None:
    for old, new, table, columns, _ in _REPLACED:
        op.create_index(op.f(new), table, columns, unique=False)
        op.drop_index(op.f(old), table_name=table)
    columns = ["school_id", "provisional", "merged_into"]
    op.create_index(op.f(_PROVISIONAL), "students", columns, unique=False)
    where = sa.text(_ONLY_LEASED)
    for table in _LEASED:
        name = f"ix_{table}_claimed_by"
        op.drop_index(name, table_name=table)
        op.create_index(name, table, ["claimed_by"], sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for table in _LEASED:
        op.drop_index(f"ix_{table}_claimed_by", table_name=table)
        op.create_index(f"ix_{table}_claimed_by", table, ["claimed_by"], unique=False)
    op.drop_index(op.f(_PROVISIONAL), table_name="students")
    for old, new, table, _, columns in _REPLACED:
        op.create_index(op.f(old), table, columns, unique=False)
        op.drop_index(op.f(new), table_name=table)
