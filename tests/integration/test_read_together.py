"""storage/repositories.py `read_together` and storage/direct.py `execute_together`: reads
started together go to the database as one statement and give each what it gives alone (its
rows, their types and names, in its own order). PostgreSQL does so; SQLite, which has no round
trip to save, runs them one after another, and is made to run them together here too
(`together_everywhere`) so that the unions are tried on both databases."""

import asyncio
import gc
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, event, func, literal_column, select, union_all, update
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.incident_form import read_form
from safeguarding.services.viewing import show_incident
from storage import direct, repositories
from storage.categories import _CATEGORIES
from storage.models import CategoryRow, SchoolRow, StaffRow, StudentRow
from storage.repositories import plain_execute, plain_rows, plain_scalar, read_together
from tests.support.presses import press_as
from tests.support.scripted import record_as

PUPILS = (  # a list of pupils, newest name first, a page of them
    select(StudentRow.id, StudentRow.first_name, StudentRow.provisional, StudentRow.date_of_birth)
    .where(StudentRow.id.in_(bindparam("ids", expanding=True)))
    .order_by(StudentRow.last_name.desc(), StudentRow.id)
    .limit(bindparam("limit"))
)
STAFF = (  # its own values (an IN list and a string), a JSON column, a time
    select(StaffRow.id, StaffRow.display_name, SchoolRow.year_groups, SchoolRow.created_at)
    .join(SchoolRow, SchoolRow.id == StaffRow.school_id)
    .where(StaffRow.id.in_((1, 2, 3)), StaffRow.role != "nobody")
    .order_by(StaffRow.display_name)
)
NAMED = select(func.count()).where(StaffRow.school_id == bindparam("ids"))  # "ids": an int here
UNORDERED = select(CategoryRow.name).where(CategoryRow.school_id == bindparam("school"))


@pytest.fixture
def together_everywhere(monkeypatch):
    monkeypatch.setattr(repositories, "TOGETHER_ON", {"postgresql", "sqlite"})


def _typed(rows) -> list[tuple]:
    return [tuple((type(value), value) for value in row) for row in rows]


def _statements(engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    return seen


async def test_reads_together_give_what_each_gives_alone_in_one_statement(
    engine, demo_school, together_everywhere
):
    reads = [
        (PUPILS, {"ids": [1, 2, 3, 4, 5, 6], "limit": 4}),
        (PUPILS, {"ids": [7, 3], "limit": 10}),  # the same statement, other values
        (STAFF, {}),
        (NAMED, {"ids": 1}),  # a name another part uses for a list
        (UNORDERED, {"school": 1}),
    ]
    async with AsyncSession(engine) as session:
        school = await session.get(SchoolRow, 1)
        school.year_groups = [7, 8, 9]  # JSON
        await session.flush()
        alone = [await plain_rows(session, statement, params) for statement, params in reads]
        seen = _statements(engine)
        together = await read_together(
            session, *(plain_rows(session, statement, params) for statement, params in reads)
        )
    assert len(seen) == 1 and seen[0].count("UNION ALL") == len(reads) - 1
    for own, theirs, (statement, _) in zip(alone, together, reads, strict=True):
        if statement is UNORDERED:
            own, theirs = sorted(own), sorted(theirs)
        assert _typed(theirs) == _typed(own)
        assert [row._fields for row in theirs] == [row._fields for row in own]
    assert len(together[0]) == 4 and together[2][0].year_groups == [7, 8, 9]


async def test_reads_started_by_reads_together_join_their_statement(
    engine, demo_school, together_everywhere
):
    # Reads together within reads together (a read that gathers reads of its own, two deep)
    # join the one statement of the reads beside them.
    async with AsyncSession(engine) as session:
        alone = [await plain_rows(session, s, p) for s, p in ((STAFF, {}), (NAMED, {"ids": 1}))]

        async def deeper():
            return await read_together(session, plain_rows(session, NAMED, {"ids": 1}))

        async def nested():
            return await read_together(session, plain_rows(session, STAFF, {}), deeper())

        seen = _statements(engine)
        staff, (again, (named,)) = await read_together(
            session, plain_rows(session, STAFF, {}), nested()
        )
    assert len(seen) == 1 and seen[0].count("UNION ALL") == 2
    assert staff == again == alone[0] and named == alone[1]


async def test_unions_go_together_too_in_their_own_order(engine, demo_school, together_everywhere):
    # A union (as `tagged_union` makes them), ordered by its result's columns, is a part too.
    names = select(StaffRow.display_name.label("name"), StaffRow.id).where(StaffRow.id < 4)
    pupils = select(StudentRow.first_name, StudentRow.id).where(StudentRow.id < 4)
    both = union_all(names, pupils)
    ordered = both.order_by(literal_column("name").desc(), literal_column("id"))
    async with AsyncSession(engine) as session:
        alone = [await plain_rows(session, s, {}) for s in (both, ordered)]
        seen = _statements(engine)
        found = await read_together(
            session,
            plain_rows(session, both, {}),
            plain_rows(session, ordered, {}),
            plain_rows(session, STAFF, {}),
        )
    assert len(seen) == 1
    assert sorted(found[0]) == sorted(alone[0]) and found[1] == alone[1] and len(found[1]) == 6


async def test_reads_that_cannot_be_a_part_run_beside_the_others(
    engine, demo_school, together_everywhere
):
    # A read with a WITH of its own and a locking read run alone, in turn; the school's
    # categories (an outer join and an order of its own) go with the rest.
    few = select(StaffRow.id).where(StaffRow.id < 3).cte("few")
    with_cte = select(few.c.id).order_by(few.c.id)
    locked = select(StaffRow.id).where(StaffRow.id == bindparam("id")).with_for_update()
    async with AsyncSession(engine) as session:
        categories = await plain_rows(session, _CATEGORIES, {"school": 1})
        seen = _statements(engine)
        found = await read_together(
            session,
            plain_rows(session, with_cte, {}),
            plain_scalar(session, locked, {"id": 2}),
            plain_rows(session, _CATEGORIES, {"school": 1}),
            plain_rows(session, PUPILS, {"ids": [1], "limit": 1}),
        )
    assert [tuple(r) for r in found[0]] == [(1,), (2,)] and found[1] == 2
    assert found[2] == categories and len(found[3]) == 1
    assert len(seen) == 3  # the two that cannot be parts, then the other two as one
    assert seen[-1].count("UNION ALL") == 1


@pytest.mark.parametrize("everywhere", [False, True])
async def test_writes_and_the_orm_are_refused_while_reading_together(
    engine, demo_school, monkeypatch, everywhere
):
    if everywhere:  # (where reads run one after another too: a mistake shows on both)
        monkeypatch.setattr(repositories, "TOGETHER_ON", {"postgresql", "sqlite"})
    retire = update(CategoryRow).where(CategoryRow.id == 1).values(retired_at=datetime.now(UTC))
    async with AsyncSession(engine) as session:
        with pytest.raises(RuntimeError, match="reads only"):
            await read_together(session, plain_execute(session, retire, {}))
        with pytest.raises(RuntimeError, match="not the ORM"):
            await read_together(session, session.execute(select(StaffRow.id)))
        # and afterwards the session works as before
        assert await plain_scalar(session, NAMED, {"ids": 1}) > 0


@pytest.mark.parametrize("everywhere", [False, True])
async def test_a_failing_read_fails_the_reads_beside_it_and_leaves_none_waiting(
    engine, demo_school, monkeypatch, recwarn, everywhere
):
    if everywhere:
        monkeypatch.setattr(repositories, "TOGETHER_ON", {"postgresql", "sqlite"})
    async with AsyncSession(engine) as session:
        with pytest.raises(InvalidRequestError):  # "limit" is not given
            await asyncio.wait_for(
                read_together(
                    session,
                    plain_rows(session, STAFF, {}),
                    plain_rows(session, PUPILS, {"ids": [1]}),
                    plain_rows(session, UNORDERED, {"school": 1}),
                ),
                10,
            )
    # the read after the failing one, never started where they run in turn, is closed
    gc.collect()  # (a coroutine left unawaited says so when it is collected)
    assert not [w for w in recwarn if "never awaited" in str(w.message)]


async def test_an_incident_opened_reads_its_parts_in_one_statement_on_a_server(
    engine, demo_school, uow_factory, clock, backend
):
    # The reads after the decision to show an incident: actions, text, body map, files,
    # categories, names, the viewer's unread alert: one statement (one round trip) on
    # PostgreSQL, each its own on SQLite.
    async with uow_factory() as uow:
        dsl = next(s for s in await uow.staff.list(1) if s.display_name == "Priya Raman")
    form = {"key": "together-1", "student_id": "1", "text": "x", "categories": "7"}
    draft = read_form(form, now=clock.now(), time_zone="Europe/London")
    incident = (await record_as(uow_factory, clock, dsl, draft)).incident_id
    await press_as(uow_factory, clock, dsl, show_incident, incident)
    built = len(direct._togethers)
    seen = _statements(engine)
    view = (await press_as(uow_factory, clock, dsl, show_incident, incident)).view
    assert view.text == "x"
    assert len(direct._togethers) == built  # each press's union is made once, then kept
    unions = [s for s in seen if s.count("UNION ALL") >= 4 and "body_map_markers" in s]
    if backend == "postgresql":
        assert len(unions) == 1 and "attachments" in unions[0] and "alerts" in unions[0]
    else:
        assert unions == [] and any(s.startswith("SELECT body_map_markers") for s in seen)


async def test_recording_reads_rules_pupils_and_exclusions_in_one_statement_on_a_server(
    engine, demo_school, uow_factory, clock, backend
):
    # After the form's key: the school's rules, both pupils and the recorder's exclusions
    # (independent reads) are one statement on PostgreSQL, each its own on SQLite.
    async with uow_factory() as uow:
        dsl = next(s for s in await uow.staff.list(1) if s.display_name == "Priya Raman")
    form = {
        "key": "together-2",
        "student_id": "1",
        "text": "x",
        "categories": "7",
        "linked": "2",
        "linked_2_same": "true",
    }
    draft = read_form(form, now=clock.now(), time_zone="Europe/London")
    assert [p.student_id for p in draft.pupils] == [1, 2]
    seen = _statements(engine)
    recorded = await record_as(uow_factory, clock, dsl, draft)
    async with uow_factory() as uow:
        facts = (await uow.incidents.facts_of(1, [recorded.incident_id]))[recorded.incident_id]
    assert sorted(p.student.id for p in facts.pupils) == [1, 2]
    reads = [s for s in seen if "exclusions" in s and "FROM students" in s]
    if backend == "postgresql":
        assert len(reads) == 1 and "category_role_rights" in reads[0]
        assert reads[0].count("FROM students") == 2  # (each pupil a part of its own)
    else:
        assert reads == []
        assert sum(s.startswith("SELECT students.") for s in seen) == 2
