"""What someone with write access to the database, but not the audit key or the checkpoint
file, tries on the audit log, and how `kestrel audit verify` names each attempt."""

import sqlite3

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.action_form import read_action_form
from safeguarding.incident_form import read_form
from safeguarding.services.casework import assign_case
from storage.audit_keys import AuditKeys
from storage.encryption import new_key_spec
from storage.models import ActionRow, AuditChainHeadRow, AuditEventRow, CaseEventRow, IncidentRow
from tests.support.audit import (
    chain_rows,
    checkpoint,
    record,
    rewrite,
    tamper,
    truncate,
    verify,
)
from tests.support.presses import press_as
from tests.support.scripted import add_action_as, record_as

ZONE = "Europe/London"


@pytest.fixture
def checkpoints(tmp_path):
    """Where the checkpoints go (in production: another host, or WORM storage)."""
    return tmp_path / "elsewhere" / "audit-checkpoints"


@pytest.fixture
async def school(demo_school, uow_factory, clock):
    """The demo school's chain with six more events in it; its chain number."""
    await record(uow_factory, clock, demo_school.school_id, 6)
    return demo_school.school_id


@pytest.fixture
async def worked_case(demo_school, uow_factory, clock):
    """An incident recorded by James, assigned to Priya, with one action: all audited."""
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(demo_school.school_id)}
    james, priya = staff["James Whitfield"], staff["Priya Raman"]
    values = {"key": "audit-0001", "student_id": "1", "text": "MARKER", "categories": "7"}
    done = await record_as(
        uow_factory, clock, james, read_form(values, now=clock.now(), time_zone=ZONE)
    )
    await press_as(uow_factory, clock, priya, assign_case, done.incident_id, 1, priya.id)
    action = read_action_form(
        {"key": "audit-act-1", "text": "MARKER"}, now=clock.now(), time_zone=ZONE
    )
    await add_action_as(uow_factory, clock, priya, done.incident_id, action)
    return demo_school.school_id, done.incident_id


async def test_an_untouched_log_verifies_against_its_checkpoints(
    school, engine, audit_keys, checkpoints, clock, uow_factory
):
    await checkpoint(engine, audit_keys, checkpoints, clock)
    await record(uow_factory, clock, school, 2)
    await checkpoint(engine, audit_keys, checkpoints, clock)
    report = await verify(engine, audit_keys, checkpoints)
    assert report.intact, report.broken
    assert (report.events, report.checkpoints) == (9, 2)


async def test_an_edit_with_every_later_link_recomputed_is_detected_without_the_key(
    school, engine, audit_keys
):
    await rewrite(engine, school, from_seq=3, edit=lambda row: setattr(row, "detail", {"n": 99}))
    report = await verify(engine, audit_keys)
    assert "(seq 3): its contents were changed" in report.broken


async def test_a_rewrite_claiming_to_predate_keyed_audit_is_detected(school, engine, audit_keys):
    await rewrite(
        engine, school, from_seq=3, edit=lambda row: setattr(row, "actor_staff_id", 2), unkeyed=True
    )
    assert "(seq 3): an unkeyed link after keyed ones" in (await verify(engine, audit_keys)).broken


async def test_a_whole_chain_rewritten_as_plain_sha256_is_named_and_fails_its_checkpoint(
    school, engine, audit_keys, checkpoints, clock
):
    await checkpoint(engine, audit_keys, checkpoints, clock)
    await rewrite(
        engine, school, from_seq=1, edit=lambda row: setattr(row, "detail", {}), unkeyed=True
    )
    report = await verify(engine, audit_keys, checkpoints)
    assert f"chain {school}: its first 7 events are linked with plain SHA-256" in report.broken
    assert f"chain {school}, seq 7 is not the link checkpointed at" in report.broken


async def test_truncation_with_the_head_rolled_back_is_named_by_the_checkpoint(
    school, engine, audit_keys, checkpoints, clock
):
    await checkpoint(engine, audit_keys, checkpoints, clock)
    await truncate(engine, school, keep=4)
    report = await verify(engine, audit_keys, checkpoints)
    assert [p.kind for p in report.problems] == ["checkpoint"]
    assert f"chain {school} was truncated: it ends at seq 4, behind its last checkpoint" in (
        report.broken
    )
    assert "seq 7)" in report.broken


async def test_a_wipe_of_every_event_and_head_is_named_by_the_checkpoint(
    school, engine, audit_keys, checkpoints, clock
):
    await checkpoint(engine, audit_keys, checkpoints, clock)
    await tamper(engine, delete(AuditEventRow), delete(AuditChainHeadRow))
    report = await verify(engine, audit_keys, checkpoints)
    assert not report.intact and report.events == 0
    assert f"chain {school} was wiped: the checkpoint of" in report.broken
    assert "up to seq 7, and none of them is left" in report.broken


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_database_restored_from_an_older_copy_is_behind_its_last_checkpoint(
    backend, database_url, school, engine, audit_keys, checkpoints, clock, uow_factory
):
    database = database_url.removeprefix("sqlite:///")
    _backup(database, database + ".backup")  # as docs/operations.md says: sqlite3 .backup
    await record(uow_factory, clock, school, 3)
    await checkpoint(engine, audit_keys, checkpoints, clock)
    await engine.dispose()
    _backup(database + ".backup", database)
    report = await verify(engine, audit_keys, checkpoints)
    assert f"chain {school} was truncated: it ends at seq 7, behind its last checkpoint" in (
        report.broken
    )


def _backup(source: str, target: str) -> None:
    with sqlite3.connect(source) as copied, sqlite3.connect(target) as into:
        copied.backup(into)


async def test_a_wipe_without_any_checkpoint_still_shows_records_with_no_audit_event(
    worked_case, engine, audit_keys
):
    _, incident = worked_case
    await tamper(engine, delete(AuditEventRow), delete(AuditChainHeadRow))
    report = await verify(engine, audit_keys)
    assert [p.kind for p in report.problems] == ["record", "record", "record"]
    assert f"1 incident record(s) have no incident.recorded audit event (id {incident})" in (
        report.broken
    )
    assert "1 action record(s) have no action.added audit event" in report.broken
    assert "1 case event record(s) have no case.assigned audit event" in report.broken


async def test_records_written_around_kestrel_are_named(worked_case, engine, audit_keys):
    _, incident = worked_case
    assert (await verify(engine, audit_keys)).intact
    async with AsyncSession(engine) as session, session.begin():
        forged = [
            _copy(await session.get(IncidentRow, incident), idempotency_key="forged"),
            _copy(await session.scalar(select(ActionRow)), idempotency_key="forged"),
            _copy(await session.scalar(select(CaseEventRow)), version=7),
        ]
        session.add_all(forged)
        await session.flush()
        ids = [row.id for row in forged]
    report = await verify(engine, audit_keys)
    assert f"incident record(s) have no incident.recorded audit event (id {ids[0]})" in (
        report.broken
    )
    assert f"action record(s) have no action.added audit event (id {ids[1]})" in report.broken
    assert f"case event record(s) have no case.assigned audit event (id {ids[2]})" in report.broken


def _copy(row, **changes):
    """A new row with `row`'s values but its id (and `changes`)."""
    values = {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key != "id"}
    return type(row)(**values | changes)


async def test_truncation_without_a_checkpoint_is_named_when_it_hid_a_record(
    worked_case, engine, audit_keys
):
    school, incident = worked_case
    recorded = [r for r in await chain_rows(engine, school) if r.action == "incident.recorded"]
    await truncate(engine, school, keep=recorded[0].seq - 1)
    report = await verify(engine, audit_keys)
    assert f"incident record(s) have no incident.recorded audit event (id {incident})" in (
        report.broken
    )


async def test_an_altered_or_forged_checkpoint_line_is_named(
    school, engine, audit_keys, checkpoints, clock
):
    await checkpoint(engine, audit_keys, checkpoints, clock)
    line = checkpoints.read_text()
    altered = line.replace('"heads":{"', '"heads":{"9').rstrip("\n")
    stranger = AuditKeys.parse(new_key_spec("audit"))
    await checkpoint(engine, stranger, checkpoints.with_name("forged"), clock)
    forged = checkpoints.with_name("forged").read_text().rstrip("\n")
    checkpoints.write_text(f"{line}{altered}\n{forged}\n")
    report = await verify(engine, audit_keys, checkpoints)
    assert [p.kind for p in report.problems] == ["checkpoint", "checkpoint"]
    assert "line 2: not signed by a configured audit key" in report.broken
    assert "line 3: not signed by a configured audit key" in report.broken


async def test_a_missing_checkpoint_file_fails_verification(school, engine, audit_keys, tmp_path):
    report = await verify(engine, audit_keys, tmp_path / "never-written")
    assert "never-written does not exist" in report.broken


async def test_checkpoints_vouch_only_for_heads_whose_link_holds(
    school, engine, audit_keys, checkpoints, clock
):
    await tamper(engine, update(AuditChainHeadRow).values(hash="f" * 64))
    written = await checkpoint(engine, audit_keys, checkpoints, clock)
    assert written.heads == 0
    assert written.left_out == [
        f"chain {school}: its newest link does not hold: run `kestrel audit verify`"
    ]


async def test_a_checkpoint_is_written_only_when_a_head_moved(
    school, engine, audit_keys, checkpoints, clock, uow_factory
):
    first = await checkpoint(engine, audit_keys, checkpoints, clock)
    again = await checkpoint(engine, audit_keys, checkpoints, clock)
    await record(uow_factory, clock, None, 1)
    moved = await checkpoint(engine, audit_keys, checkpoints, clock)
    assert (first.written, again.written, moved.written) == (True, False, True)
    assert (first.heads, moved.heads) == (1, 2)
    assert len(checkpoints.read_text().splitlines()) == 2
