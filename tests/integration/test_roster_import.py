"""Importing a roster on SQLite and PostgreSQL: a realistic OneRoster export of 1,500 pupils
with bad rows, re-imports, leavers (kept, found by the DSL team only, back when listed), a file
that is not a roster, and the import status on the dashboards."""

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from safeguarding.clock import FixedClock
from safeguarding.imports import Health
from safeguarding.incident_form import read_form
from safeguarding.roster import RawPupil, RawRoster, Where
from safeguarding.roster_formats import read_roster
from safeguarding.services.dashboard import show_dashboard
from safeguarding.services.press import Rules
from safeguarding.services.pupils import find_pupils, open_pupil
from safeguarding.services.roster import ImportOptions, import_pupils
from safeguarding.services.search import students_matching
from safeguarding.staff import Role
from storage.models import AuditEventRow, ImportRunRow, StudentNameTokenRow, StudentRow
from tests.integration.test_pupil_presses import transactions
from tests.support.presses import press_as
from tests.support.rosters import changed, oneroster_export, school_pupils
from tests.support.scripted import record_as

GRACE_UPN = "K930000190056"


async def importing(uow_factory, clock, files, **options):
    return await import_pupils(
        uow_factory, clock, lambda: read_roster(files), ImportOptions(**options)
    )


@pytest.fixture
async def school(uow_factory):
    """A school with no pupils yet, and its DSL."""
    async with uow_factory() as uow:
        school = await uow.schools.ensure("Roster Academy", "tenant-roster", "Europe/London")
        dsl = await uow.staff.ensure(school.id, "aad-dsl", "Dee Esel", "d@x", Role.DSL)
        await uow.commit()
    return school, dsl


async def count(engine, table) -> int:
    async with engine.connect() as connection:
        return await connection.scalar(select(func.count()).select_from(table))


async def test_a_realistic_export_imports_every_good_pupil_in_one_transaction(
    school, uow_factory, clock, engine
):
    export = oneroster_export(school_pupils(1500), bad_rows=True)
    with transactions(engine) as begun:
        imported = await importing(uow_factory, clock, export.files)
    run = imported.run
    assert begun == [1]
    assert (run.created, run.updated, run.unchanged, run.left, run.rejected) == (1500, 0, 0, 0, 6)
    expected = sorted(export.bad, key=lambda b: (b.file, b.line))
    assert [p.split(":")[0] for p in run.problems] == [f"{b.file} line {b.line}" for b in expected]
    assert await count(engine, StudentRow) == 1500
    async with engine.connect() as connection:
        stored = (await connection.execute(select(ImportRunRow))).one()
        audit = (
            await connection.execute(
                select(AuditEventRow).where(AuditEventRow.action == "roster.imported")
            )
        ).one()
    assert (stored.created, stored.rejected, stored.succeeded, stored.source) == (
        1500,
        6,
        True,
        "oneroster",
    )
    assert (audit.record_type, audit.record_id, audit.actor_staff_id) == (
        "import_run",
        stored.id,
        None,
    )
    assert audit.detail == {"source": "oneroster", "full": False, **run.counts()}


async def test_importing_the_same_export_again_changes_nothing(school, uow_factory, clock, engine):
    export = oneroster_export(school_pupils(300))
    await importing(uow_factory, clock, export.files)
    tokens = await count(engine, StudentNameTokenRow)
    again = (await importing(uow_factory, clock, export.files)).run
    assert (again.created, again.updated, again.left, again.unchanged) == (0, 0, 0, 300)
    assert await count(engine, StudentRow) == 300
    assert await count(engine, StudentNameTokenRow) == tokens


async def test_a_reimport_with_one_in_a_hundred_changed_updates_those_and_finds_their_new_names(
    school, uow_factory, clock
):
    pupils = school_pupils(500)
    await importing(uow_factory, clock, oneroster_export(pupils).files)
    run = (await importing(uow_factory, clock, oneroster_export(changed(pupils, 100)).files)).run
    assert (run.updated, run.unchanged, run.created) == (5, 495, 0)
    dsl = school[1]
    found = await press_as(uow_factory, clock, dsl, students_matching, "hale", 50)
    assert len(found) == 5 and all(m.name.endswith("-Hale") for m in found)


async def test_a_changed_upn_keeps_one_pupil_with_their_records(school, uow_factory, clock, engine):
    pupils = school_pupils(20)
    await importing(uow_factory, clock, oneroster_export(pupils).files)
    renumbered = [replace(pupils[0], upn="K999999999991")] + pupils[1:]
    run = (await importing(uow_factory, clock, oneroster_export(renumbered).files)).run
    assert (run.created, run.updated) == (0, 1)
    async with engine.connect() as connection:
        upns = set(await connection.scalars(select(StudentRow.upn)))
    assert "K999999999991" in upns and pupils[0].upn not in upns and len(upns) == 20


async def test_with_full_a_missing_pupil_leaves_is_found_only_by_the_dsl_team_and_comes_back(
    demo_school, uow_factory, clock, demo_roster
):
    dsl, teacher = await _staff(uow_factory, Role.DSL), await _staff(uow_factory, Role.STAFF)
    grace = await _grace(uow_factory)
    incident = await _incident_about(uow_factory, clock, teacher, grace)
    without = _report_without(demo_roster, GRACE_UPN)
    run = (await importing(uow_factory, clock, without, full=True)).run
    assert run.created == 1 and run.left == demo_school.students - 6 + 1  # 6 listed, 1 leaving
    assert await press_as(uow_factory, clock, teacher, students_matching, "grace mahmood") == []
    found = (await press_as(uow_factory, clock, dsl, find_pupils, "grace mahmood")).view.matches
    assert [m.name for m in found] == ["Grace Mahmood (left)"]
    record = (await press_as(uow_factory, clock, dsl, open_pupil, grace)).view
    assert record.student.left_on == clock.now().date()
    assert [e.incident.id for e in record.entries] == [incident]
    back = (await importing(uow_factory, clock, demo_roster, full=True)).run
    assert back.returned == 1
    again = await press_as(uow_factory, clock, teacher, students_matching, "grace mahmood")
    assert [m.name for m in again] == ["Grace Mahmood"]


async def test_a_file_that_is_not_a_roster_changes_nothing_and_the_dashboard_says_failed(
    demo_school, uow_factory, clock, engine
):
    before = await count(engine, StudentRow)
    with transactions(engine) as begun:
        imported = await importing(uow_factory, clock, {"pupils.csv": b"Name,Class\nAmara,7A\n"})
    assert begun == [1] and not imported.run.succeeded
    assert "has no column for the first name" in imported.run.failure
    assert await count(engine, StudentRow) == before
    dsl, admin = await _staff(uow_factory, Role.DSL), await _staff(uow_factory, Role.ADMINISTRATOR)
    for who in (dsl, admin):
        health = (await press_as(uow_factory, clock, who, show_dashboard, ())).view.imports
        assert (health.status, health.why) == (Health.FAILED, imported.run.failure)
    teacher = await _staff(uow_factory, Role.STAFF)
    assert (await press_as(uow_factory, clock, teacher, show_dashboard, ())).view.imports is None
    async with engine.connect() as connection:
        detail = await connection.scalar(
            select(AuditEventRow.detail).where(AuditEventRow.action == "roster.import_failed")
        )
    assert detail == {"source": "", "reason": "wrong_columns"}  # ids and codes only


async def test_the_dashboard_says_healthy_after_a_clean_import_and_stale_a_day_later(
    demo_school, uow_factory, clock, demo_roster
):
    dsl = await _staff(uow_factory, Role.DSL)
    assert (await _health(uow_factory, clock, dsl)).status == Health.STALE  # never imported
    await importing(uow_factory, clock, demo_roster)
    assert (await _health(uow_factory, clock, dsl)).status == Health.HEALTHY
    later = FixedClock(clock.now() + timedelta(hours=27))
    assert (await _health(uow_factory, later, dsl)).status == Health.STALE
    rules = Rules(import_stale_after=timedelta(hours=48))
    assert (await _health(uow_factory, later, dsl, rules)).status == Health.HEALTHY


async def test_a_pupil_with_a_nul_in_a_name_is_rejected_on_both_databases(
    school, uow_factory, clock
):
    good = {"mis_id": "1", "first_name": "Amara", "last_name": "Okafor", "year_group": "7"}
    pupils = tuple(RawPupil(Where("api", n), {**good, "mis_id": str(n)}) for n in range(1, 4)) + (
        RawPupil(Where("api", 4), {**good, "mis_id": "4", "last_name": "O\x00kafor"}),
    )
    raw = RawRoster("graph", pupils, frozenset(good))
    run = (await import_pupils(uow_factory, clock, lambda: raw)).run
    assert (run.created, run.problems) == (3, ("api line 4: its text has control characters",))


@pytest.fixture
def demo_roster() -> dict[str, bytes]:
    """The demo's SIMS report (seven of its pupils, a new one, a leaver) with every other
    demo pupil added: the demo school's whole roster."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "demo" / "roster" / "sims-student-list.csv"
    return {"sims-student-list.csv": path.read_bytes()}


def _report_without(files: dict[str, bytes], upn: str) -> dict[str, bytes]:
    ((name, content),) = files.items()
    lines = [line for line in content.split(b"\n") if upn.encode() not in line]
    return {name: b"\n".join(lines)}


async def _health(uow_factory, clock, who, rules=None):
    board = await press_as(uow_factory, clock, who, show_dashboard, (), rules=rules)
    return board.view.imports


async def _staff(uow_factory, role: Role):
    async with uow_factory() as uow:
        return next(s for s in await uow.staff.list(1) if s.role == role)


async def _grace(uow_factory) -> int:
    async with uow_factory() as uow:
        return next(s.id for s in await uow.students.roster(1) if s.upn == GRACE_UPN)


async def _incident_about(uow_factory, clock, who, student_id: int) -> int:
    values = {"key": f"roster-{student_id}", "student_id": str(student_id), "text": "x"}
    draft = read_form(values | {"categories": "7"}, now=clock.now(), time_zone="Europe/London")
    return (await record_as(uow_factory, clock, who, draft)).incident_id


async def test_over_http_a_leaver_is_not_in_the_typeahead_but_the_dsl_opens_their_record(
    running_bot, uow_factory, clock, demo_roster
):
    from tests.integration.test_http_merging import press
    from tests.support.activities import DSL_AAD, TEACHER_AAD, activity, as_user

    await importing(uow_factory, clock, _report_without(demo_roster, GRACE_UPN), full=True)
    search = as_user(activity("invoke_application_search", running_bot.connector_url), TEACHER_AAD)
    search["value"]["queryText"] = "grace mah"
    results = (await (await running_bot.post(search)).json())["value"]["results"]
    assert results == []
    found = await press(running_bot, "student.find", DSL_AAD, text="grace mah")
    [title] = [a["title"] for b in found["body"] if b["type"] == "ActionSet" for a in b["actions"]]
    assert title.startswith("Grace Mahmood (left) (Year 9")
    record = await press(running_bot, "student.show", DSL_AAD, student=await _grace(uow_factory))
    assert {"title": "Left", "value": "24/11/2026"} in record["body"][1]["facts"]
