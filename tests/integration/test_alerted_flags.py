"""Whether an incident's recorder and assignee have an unread alert about it (the dashboard's
My history and My cases leave such incidents to Alerts) is kept by the database's triggers
(migration 0021): after every kind of change to an alert, the recorder or the assignee, on both
databases, the flags say what the dashboard's own test of an unread alert says."""

from datetime import UTC, datetime

from sqlalchemy import and_, delete, exists, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.dashboard import _unread
from storage.models import AlertRow, IncidentRow, StaffRow

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def _computed(column) -> exists:
    """The dashboard's test (`_unread`, less its first term: whose alert) for `column`'s
    colleague."""
    return exists().where(
        AlertRow.incident_id == IncidentRow.id, AlertRow.staff_id == column, *_unread()[1:]
    )


async def _flags(connection: AsyncConnection) -> dict[int, tuple[bool, bool]]:
    rows = await connection.execute(
        select(IncidentRow.id, IncidentRow.recorder_alerted, IncidentRow.assignee_alerted)
    )
    return {incident: (bool(recorder), bool(assignee)) for incident, recorder, assignee in rows}


async def _agree(connection: AsyncConnection) -> dict[int, tuple[bool, bool]]:
    """Every incident's flags as kept, after checking them against the dashboard's test."""
    computed = await connection.execute(
        select(
            IncidentRow.id,
            _computed(IncidentRow.recorded_by),
            _computed(IncidentRow.assignee_id),
        )
    )
    kept = await _flags(connection)
    assert kept == {i: (bool(r), bool(a)) for i, r, a in computed}
    return kept


async def _new_incident(connection: AsyncConnection, school: int, recorder: int, key: str) -> int:
    values = dict(
        school_id=school,
        recorded_by=recorder,
        recorded_at=NOW,
        happened_at=NOW,
        time_zone="Europe/London",
        status="Open",
        idempotency_key=key,
        text_ciphertext="not read here",
    )
    added = insert(IncidentRow).values(values).returning(IncidentRow.id)
    return (await connection.execute(added)).scalar_one()


async def _new_alert(
    connection: AsyncConnection, incident: int, staff: int, raised_by: int, **values
) -> int:
    """An alert about `incident` to `staff`: tagged and sent unless `values` say otherwise."""
    values = {"reason": "tagged", "state": "sent", **values}
    school = select(IncidentRow.school_id).where(IncidentRow.id == incident).scalar_subquery()
    added = insert(AlertRow).values(
        school_id=school,
        incident_id=incident,
        staff_id=staff,
        raised_by=raised_by,
        created_at=NOW,
        **values,
    )
    return (await connection.execute(added.returning(AlertRow.id))).scalar_one()


async def _set(connection: AsyncConnection, incident: int, **values) -> None:
    await connection.execute(update(IncidentRow).where(IncidentRow.id == incident).values(values))


async def test_the_flags_follow_every_change_to_alerts_recorders_and_assignees(engine, demo_school):
    async with engine.begin() as connection:
        staff = list(
            (await connection.execute(select(StaffRow.id).order_by(StaffRow.id))).scalars()
        )
        recorder, other, bystander, newcomer = staff[:4]
        school = demo_school.school_id
        incident = await _new_incident(connection, school, recorder, "first")
        second = await _new_incident(connection, school, recorder, "second")

        async def alert(staff_id: int, **values) -> int:
            return await _new_alert(connection, incident, staff_id, other, **values)

        async def change(alert_id: int, **values) -> dict[int, tuple[bool, bool]]:
            await connection.execute(update(AlertRow).where(AlertRow.id == alert_id).values(values))
            return await _agree(connection)

        # Alerts that are not on the recorder's dashboard: a bystander's, a notice, an
        # undeliverable one, a reminder not yet sent.
        await alert(bystander)
        await alert(recorder, reason="not_reached")
        await alert(recorder, state="undeliverable")
        reminder = await alert(recorder, reason="reminder", state="queued")
        assert (await _agree(connection))[incident] == (False, False)
        # A reminder once sent is; read, it is not.
        assert (await change(reminder, state="sent"))[incident] == (True, False)
        assert (await change(reminder, read_at=NOW))[incident] == (False, False)
        # Unread again, then given to someone else, then back, then moved to another incident.
        assert (await change(reminder, read_at=None))[incident] == (True, False)
        assert (await change(reminder, staff_id=bystander))[incident] == (False, False)
        assert (await change(reminder, staff_id=recorder))[incident] == (True, False)
        moved = await change(reminder, incident_id=second)
        assert (moved[incident], moved[second]) == ((False, False), (True, False))
        await connection.execute(delete(AlertRow).where(AlertRow.id == reminder))
        assert (await _agree(connection))[second] == (False, False)

        # The assignee's alert: kept as they are assigned, reassigned and unassigned.
        tagged = await alert(other)
        assert (await _agree(connection))[incident] == (False, False)
        await _set(connection, incident, assignee_id=other)
        assert (await _agree(connection))[incident] == (False, True)
        await _set(connection, incident, assignee_id=recorder)
        assert (await _agree(connection))[incident] == (False, False)
        await alert(recorder)
        assert (await _agree(connection))[incident] == (True, True)  # recorder and assignee
        await _set(connection, incident, assignee_id=other)
        assert (await _agree(connection))[incident] == (True, True)
        assert (await change(tagged, state="undeliverable"))[incident] == (True, False)
        # Recorded by someone else (a staff merge): the recorder's flag is theirs.
        await _set(connection, incident, recorded_by=newcomer)
        assert (await _agree(connection))[incident] == (False, False)
        await _set(connection, incident, recorded_by=recorder)
        assert (await _agree(connection))[incident] == (True, False)
        # Deleted: the flag goes with it.
        await connection.execute(
            delete(AlertRow).where(
                and_(AlertRow.incident_id == incident, AlertRow.staff_id == recorder)
            )
        )
        assert (await _agree(connection))[incident] == (False, False)


async def _version_of(connection: AsyncConnection, incident: int) -> object:
    """Something that changes whenever the incident's row is written: where its row version is
    on PostgreSQL (ctid: every update writes a new version, in the same transaction too), the
    connection's count of changed rows, triggers' included, on SQLite."""
    if connection.dialect.name == "postgresql":
        query = text("SELECT ctid::text FROM incidents WHERE id = :id")
        return (await connection.execute(query, {"id": incident})).scalar_one()
    return (await connection.execute(text("SELECT total_changes()"))).scalar_one()


async def test_a_change_that_moves_no_flag_leaves_the_incident_row_alone(engine, demo_school):
    """The sender marking an alert sent, or a read while another stays unread, must not write
    (or, on PostgreSQL, lock) the incident's row: casework on it would wait for it."""
    async with engine.begin() as connection:
        recorder, other = list(
            (await connection.execute(select(StaffRow.id).order_by(StaffRow.id))).scalars()
        )[:2]
        incident = await _new_incident(connection, demo_school.school_id, recorder, "quiet")
        first, second = [
            await _new_alert(connection, incident, recorder, other, state="queued")
            for _ in range(2)
        ]
        assert (await _agree(connection))[incident] == (True, False)
        before = await _version_of(connection, incident)
        for alert_id, change in ((first, {"state": "sent"}), (first, {"read_at": NOW})):
            await connection.execute(update(AlertRow).where(AlertRow.id == alert_id).values(change))
        after = await _version_of(connection, incident)
        if connection.dialect.name == "sqlite":
            assert after == before + 2  # the two alerts' rows, not the incident's
        else:
            assert after == before
        # The last unread one read: now the flag moves, and the row is written.
        await connection.execute(update(AlertRow).where(AlertRow.id == second).values(read_at=NOW))
        last = await _version_of(connection, incident)
        assert (await _agree(connection))[incident] == (False, False)
        if connection.dialect.name == "sqlite":
            assert last == after + 2  # the alert's row and the incident's
        else:
            assert last != after
