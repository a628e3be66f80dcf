"""Finding pupils by name on SQLite and PostgreSQL: accents, case, preferred names, namesakes."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.school import Student
from safeguarding.search import MAX_RESULTS, StudentMatch
from safeguarding.services.search import students_matching
from safeguarding.staff import Role
from storage.database import create_engine
from storage.migrate import upgrade
from storage.models import StudentNameTokenRow
from storage.uow import unit_of_work_factory
from tests.support.exclusions import exclude
from tests.support.presses import press_as


@pytest.fixture
async def staff(demo_school, uow_factory, clock):
    async with uow_factory() as uow:
        return {s.role: s for s in reversed(await uow.staff.list(demo_school.school_id))}


async def find_students(who, text, *, uow_factory, clock):
    """The typeahead's press: pupils matching what was typed, for this member of staff."""
    return await press_as(uow_factory, clock, who, students_matching, text)


async def names(who, text, uow_factory, clock) -> list[str]:
    return [m.name for m in await find_students(who, text, uow_factory=uow_factory, clock=clock)]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("zoe", "Zoë Roberts"),
        ("ZOË", "Zoë Roberts"),
        ("rob zo", "Zoë Roberts"),
        ("mo wri", "Mo Wright"),  # preferred name
        ("mohammed wright", "Mo Wright"),  # and the legal one
        ("garcia", "Callum García"),
        ("JOSE", "José Nowak"),
        ("obrien", "Zara O'Brien"),
        ("o'b", "Zara O'Brien"),
    ],
)
async def test_pupils_are_found_by_any_part_of_their_names(
    staff, uow_factory, clock, typed, expected
):
    assert expected in await names(staff[Role.STAFF], typed, uow_factory, clock)


async def test_namesakes_are_told_apart_by_year_and_tutor_group(staff, uow_factory, clock):
    found = await find_students(
        staff[Role.STAFF], "zoe roberts", uow_factory=uow_factory, clock=clock
    )
    assert sorted((m.year_group, m.tutor_group) for m in found) == [(7, "7C"), (13, "13Y")]
    found = await find_students(
        staff[Role.STAFF], "sam taylor", uow_factory=uow_factory, clock=clock
    )
    assert sorted((m.name, m.year_group, m.tutor_group) for m in found) == [
        ("Sam Taylor", 8, "8B"),
        ("Sam Taylor", 11, "11A"),
    ]


async def test_a_search_returns_at_most_fifteen_names_in_name_order(
    staff, uow_factory, clock, demo_school
):
    async with uow_factory() as uow:
        for n in range(20):
            await uow.students.ensure(
                Student(0, demo_school.school_id, f"X{n:012d}", f"Alex{n:02d}", "Smith", 9, "9A")
            )
        await uow.commit()
    found = await find_students(staff[Role.STAFF], "smith", uow_factory=uow_factory, clock=clock)
    assert len(found) == MAX_RESULTS
    assert [m.name for m in found] == sorted(m.name for m in found)


@pytest.mark.parametrize("typed", ["", "   ", "!!", "zzzzqq"])
async def test_nothing_typed_or_nothing_matching_finds_nobody(staff, uow_factory, clock, typed):
    assert await names(staff[Role.STAFF], typed, uow_factory, clock) == []


async def test_a_colleague_never_finds_a_pupil_they_are_excluded_from(staff, uow_factory, clock):
    [zoe, _] = await find_students(
        staff[Role.STAFF], "zoe roberts", uow_factory=uow_factory, clock=clock
    )
    await exclude(
        uow_factory, clock, staff[Role.DSL], staff[Role.STAFF].id, zoe.student_id, "relative"
    )
    hidden = await find_students(
        staff[Role.STAFF], "zoe roberts", uow_factory=uow_factory, clock=clock
    )
    assert zoe.student_id not in {m.student_id for m in hidden} and len(hidden) == 1
    everyone = await find_students(
        staff[Role.DEPUTY_DSL], "zoe roberts", uow_factory=uow_factory, clock=clock
    )
    assert zoe.student_id in {m.student_id for m in everyone}


async def test_a_pupil_renamed_by_a_re_seed_is_found_by_the_new_name(
    staff, uow_factory, clock, demo_school
):
    [zoe, *_] = await find_students(
        staff[Role.STAFF], "zoe roberts", uow_factory=uow_factory, clock=clock
    )
    async with uow_factory() as uow:
        old = await uow.students.by_id(demo_school.school_id, zoe.student_id)
        await uow.students.ensure(Student(**{**old.__dict__, "last_name": "Okonjo"}))
        await uow.commit()
    assert zoe.student_id not in {
        m.student_id
        for m in await find_students(
            staff[Role.STAFF], "roberts", uow_factory=uow_factory, clock=clock
        )
    }
    assert await names(staff[Role.STAFF], "zoe okon", uow_factory, clock) == ["Zoë Okonjo"]


def test_a_match_carries_nothing_of_the_record():
    student = Student(7, 1, "U", "Mohammed", "Hussain", 7, "7A", preferred_name="Mo", house="Hawk")
    assert StudentMatch.of(student) == StudentMatch(7, "Mo Hussain", 7, "7A")


ZONE = "Europe/London"
OLD_KEY = "øst\x1fłukasz"  # the sort key as the older folding made it
LATIN = [("Łukasz", "Kowalski"), ("Øyvind", "Berg"), ("Đorđe", "Petrović"), ("Þóra", "Jónsdóttir")]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("lukasz", "Łukasz Kowalski"),
        ("Łukasz", "Łukasz Kowalski"),
        ("oyvind", "Øyvind Berg"),
        ("dorde petrovic", "Đorđe Petrović"),
        ("thora jonsd", "Þóra Jónsdóttir"),
    ],
)
async def test_every_latin_letter_is_folded_so_plain_typing_finds_the_name(
    staff, uow_factory, clock, demo_school, typed, expected
):
    async with uow_factory() as uow:
        for n, (first, last) in enumerate(LATIN):
            await uow.students.ensure(
                Student(0, demo_school.school_id, f"L{n:012d}", first, last, 9, "9A")
            )
        await uow.commit()
    assert await names(staff[Role.STAFF], typed, uow_factory, clock) == [expected]


async def test_the_migration_tokenises_pupils_already_there_with_the_new_folding(
    empty_database_url, clock, audit_keys
):
    """A database at 0008, its tokens made by the older folding (Ł kept as it is)."""
    engine = create_engine(empty_database_url)
    try:
        await upgrade(engine, "0008")
        async with engine.begin() as connection:  # the tables as they were at 0008
            await connection.execute(
                text(
                    "INSERT INTO schools (id, name, tenant_id, time_zone, created_at) "
                    "VALUES (1, 'Old', 't', :zone, :at)"
                ),
                {"zone": ZONE, "at": clock.now()},
            )
            await connection.execute(
                text(
                    "INSERT INTO students (id, school_id, upn, mis_id, first_name, last_name, "
                    "preferred_name, year_group, tutor_group, house, provisional, created_at) "
                    "VALUES (1, 1, 'U1', 'M1', 'Łukasz', 'Øst', '', 9, '9A', '', false, :at)"
                ),
                {"at": clock.now()},
            )
            for token in ("łukasz", "øst"):
                await connection.execute(
                    text(
                        "INSERT INTO student_name_tokens (student_id, token, school_id, sort_key) "
                        "VALUES (1, :token, 1, :key)"
                    ),
                    {"token": token, "key": OLD_KEY},
                )
        await upgrade(engine)
        async with AsyncSession(engine) as session:
            rows = (
                await session.execute(
                    select(StudentNameTokenRow.token, StudentNameTokenRow.sort_key)
                )
            ).all()
        assert sorted(rows) == [("lukasz", "ost\x1flukasz"), ("ost", "ost\x1flukasz")]
        uow_factory = unit_of_work_factory(engine, clock, audit_keys=audit_keys)
        async with uow_factory() as uow:
            found = await uow.students.search(1, ["lukasz"], hidden_for=1, limit=15)
        assert [pupil.id for pupil in found] == [1]
    finally:
        await engine.dispose()
