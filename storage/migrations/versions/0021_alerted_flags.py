"""whether an incident's recorder and its assignee have an unread alert about it, kept by the
database (issue 16)

The dashboard shows an incident in one section only: one with an unread alert for me is under
Alerts, not under My cases or My history. Those two sections walked my incidents newest first
and tested each against the set of my unread alerts, so a DSL who recorded 5,000 incidents that
all had an unread alert for them read all 5,000 to show none (4.4 ms on SQLite at school size,
and it grew with the school). With the answer on the incident, in the sections' indexes, each walk
reads only what it shows.

The flags are kept by triggers, so that every writer keeps them (the alert sender, a read, an
assignment, a merge, the roster tools, a bulk load) and no code path can forget: after any
change to an alert, or to an incident's recorder or assignee, the incident's two flags are
computed again from its alerts. The test of what is unread is the dashboard's
(`storage/dashboard.py: _unread`); tests/integration/test_alerted_flags.py holds the two to each
other on both databases.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# An alert on its colleague's dashboard: unread, deliverable, a reminder only once sent, and
# never a notice that an alert was not delivered ("not_reached").
_UNREAD = (
    "a.read_at IS NULL AND a.state <> 'undeliverable'"
    " AND (a.reason <> 'reminder' OR a.state = 'sent') AND a.reason <> 'not_reached'"
)


def _alerted(incident: str, staff: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM alerts AS a WHERE a.incident_id = {incident}"
        f" AND a.staff_id = {staff} AND {_UNREAD})"
    )


def _refresh(alert: str) -> str:
    """The statement that computes again the flags of `alert`'s incident (OLD or NEW), if its
    colleague is that incident's recorder or assignee (no other alert changes them), and writes
    them only if one changes: most changes to an alert (sent, read while another stays unread)
    leave them as they are, and then the incident's row is neither written nor locked."""
    recorder = _alerted("incidents.id", "incidents.recorded_by")
    assignee = _alerted("incidents.id", "incidents.assignee_id")
    return (
        f"UPDATE incidents SET recorder_alerted = {recorder}, assignee_alerted = {assignee}"
        f" WHERE incidents.id = {alert}.incident_id"
        f" AND {alert}.staff_id IN (incidents.recorded_by, incidents.assignee_id)"
        f" AND (incidents.recorder_alerted <> {recorder}"
        f" OR incidents.assignee_alerted <> {assignee})"
    )


_ALERT_COLUMNS = "incident_id, staff_id, read_at, state, reason"
_MOVED = "(OLD.incident_id <> NEW.incident_id OR OLD.staff_id <> NEW.staff_id)"

_SQLITE = (
    f"CREATE TRIGGER alerts_alerted_insert AFTER INSERT ON alerts BEGIN {_refresh('NEW')}; END",
    f"CREATE TRIGGER alerts_alerted_update AFTER UPDATE OF {_ALERT_COLUMNS} ON alerts BEGIN"
    f" {_refresh('OLD')} AND {_MOVED}; {_refresh('NEW')}; END",
    f"CREATE TRIGGER alerts_alerted_delete AFTER DELETE ON alerts BEGIN {_refresh('OLD')}; END",
    # (recursive triggers are off: this UPDATE does not fire it again)
    "CREATE TRIGGER incidents_alerted AFTER UPDATE OF recorded_by, assignee_id ON incidents BEGIN"
    f" UPDATE incidents SET recorder_alerted = {_alerted('NEW.id', 'NEW.recorded_by')},"
    f" assignee_alerted = {_alerted('NEW.id', 'NEW.assignee_id')} WHERE id = NEW.id; END",
)
_SQLITE_DROP = ("alerts_alerted_insert", "alerts_alerted_update", "alerts_alerted_delete")

_POSTGRESQL = (
    "CREATE FUNCTION alerts_alerted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    f" IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND {_MOVED}) THEN {_refresh('OLD')}; END IF;"
    f" IF TG_OP <> 'DELETE' THEN {_refresh('NEW')}; END IF;"
    " RETURN NULL; END $$",
    f"CREATE TRIGGER alerts_alerted AFTER INSERT OR DELETE OR UPDATE OF {_ALERT_COLUMNS}"
    " ON alerts FOR EACH ROW EXECUTE FUNCTION alerts_alerted()",
    "CREATE FUNCTION incidents_alerted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    f" NEW.recorder_alerted := {_alerted('NEW.id', 'NEW.recorded_by')};"
    f" NEW.assignee_alerted := {_alerted('NEW.id', 'NEW.assignee_id')};"
    " RETURN NEW; END $$",
    "CREATE TRIGGER incidents_alerted BEFORE UPDATE OF recorded_by, assignee_id ON incidents"
    " FOR EACH ROW EXECUTE FUNCTION incidents_alerted()",
)

# (old name, new name, columns, old columns): the sections' indexes, with the flag after the
# colleague, so that the walk starts at the incidents without an unread alert for them.
_INDEXES = (
    (
        "ix_incidents_recorded_by_id_assignee_id_status_school_id",
        "ix_incidents_recorded_by_recorder_alerted_id_assignee_id_status_school_id",
        ["recorded_by", "recorder_alerted", "id", "assignee_id", "status", "school_id"],
        ["recorded_by", "id", "assignee_id", "status", "school_id"],
    ),
    (
        "ix_incidents_assignee_id_id_status",
        "ix_incidents_assignee_id_assignee_alerted_id_status",
        ["assignee_id", "assignee_alerted", "id", "status"],
        ["assignee_id", "id", "status"],
    ),
)


def upgrade() -> None:
    for column in ("recorder_alerted", "assignee_alerted"):
        op.add_column(
            "incidents",
            sa.Column(column, sa.Boolean(), server_default=sa.false(), nullable=False),
        )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRESQL if postgresql else _SQLITE:
        op.execute(statement)
    op.execute(
        "UPDATE incidents SET"
        f" recorder_alerted = {_alerted('incidents.id', 'incidents.recorded_by')},"
        f" assignee_alerted = {_alerted('incidents.id', 'incidents.assignee_id')}"
        f" WHERE incidents.id IN (SELECT a.incident_id FROM alerts AS a WHERE {_UNREAD})"
    )
    for old, new, columns, _ in _INDEXES:
        op.create_index(op.f(new), "incidents", columns, unique=False)
        op.drop_index(op.f(old), table_name="incidents")


def downgrade() -> None:
    for old, new, _, columns in _INDEXES:
        op.create_index(op.f(old), "incidents", columns, unique=False)
        op.drop_index(op.f(new), table_name="incidents")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER incidents_alerted ON incidents")
        op.execute("DROP TRIGGER alerts_alerted ON alerts")
        op.execute("DROP FUNCTION incidents_alerted()")
        op.execute("DROP FUNCTION alerts_alerted()")
    else:
        for trigger in (*_SQLITE_DROP, "incidents_alerted"):
            op.execute(f"DROP TRIGGER {trigger}")
    # Not batch mode: SQLite (3.35 and later) drops a column in place, where copying the table
    # would delete every row that refers to an incident.
    op.drop_column("incidents", "assignee_alerted")
    op.drop_column("incidents", "recorder_alerted")
