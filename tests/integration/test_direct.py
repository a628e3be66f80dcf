"""storage/direct.py: a statement run on the driver's own connection gives what
`Session.execute` gives (rows, values and their types, rows changed, errors), in the session's
transaction, on both databases, with the cursor listeners called."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Integer, bindparam, event, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler

from storage.models import CategoryRow, SchoolRow, TermDateRow
from storage.repositories import plain_execute, plain_rows, plain_scalar, plain_scalars, utc

CATEGORIES = (
    select(
        CategoryRow.id,
        CategoryRow.name,
        CategoryRow.urgent,
        CategoryRow.restricted,
        CategoryRow.retired_at,
        SchoolRow.created_at,
        SchoolRow.year_groups,
    )
    .join(SchoolRow, SchoolRow.id == CategoryRow.school_id)
    .where(CategoryRow.school_id == bindparam("school"))
    .where(CategoryRow.id.not_in(bindparam("skipped", expanding=True)))
    .order_by(CategoryRow.id)
)
RETIRE = (
    update(CategoryRow)
    .where(CategoryRow.id.in_(bindparam("ids", expanding=True)))
    .values(retired_at=bindparam("at"))
    .returning(CategoryRow.id, CategoryRow.retired_at)
)
ADD_TERM = insert(TermDateRow)  # its columns are the parameters'
WHEN = datetime(2026, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)


def _typed(rows) -> list[tuple]:
    return [tuple((type(value), value) for value in row) for row in rows]


async def _year_groups(session: AsyncSession) -> None:
    school = await session.get(SchoolRow, 1)
    school.year_groups = [7, 8, 9]  # JSON; pending until the next statement flushes it
    await session.flush()


@pytest.mark.parametrize("skipped", [[], [1, 2]])
async def test_rows_and_their_types_are_the_ones_session_execute_gives(
    engine, demo_school, skipped
):
    async with AsyncSession(engine) as session:
        await _year_groups(session)
        params = {"school": 1, "skipped": skipped}
        direct = await plain_rows(session, CATEGORIES, params)
        orm = (await session.execute(CATEGORIES, params)).all()
        # a list of the same length again: the SQL kept for it, the new values
        shifted = {**params, "skipped": [n + 1 for n in skipped]}
        again = await plain_rows(session, CATEGORIES, shifted)
        again_orm = (await session.execute(CATEGORIES, shifted)).all()
    assert len(direct) > 2 and _typed(direct) == _typed(orm)
    assert _typed(again) == _typed(again_orm) and (again != direct) == bool(skipped)
    assert all(row.id not in skipped for row in direct)  # by name, as SQLAlchemy's rows
    first = direct[0]
    assert isinstance(first.created_at, datetime) and isinstance(first.urgent, bool)
    assert first.year_groups == [7, 8, 9]
    assert first._mapping["name"] == orm[0].name


async def test_writes_run_in_the_sessions_transaction_with_their_row_counts(engine, demo_school):
    async with AsyncSession(engine) as session:
        ids = await plain_scalars(session, select(CategoryRow.id).order_by(CategoryRow.id), {})
        retired = await plain_execute(session, RETIRE, {"ids": ids[:2], "at": WHEN})
        assert retired.rowcount == 2
        # (SQLite keeps times without their zone, as everywhere: `utc` reads them back)
        assert sorted((i, utc(at)) for i, at in retired.all()) == [(ids[0], WHEN), (ids[1], WHEN)]
        # the parameters name the columns of an INSERT that does not list them
        term = {"school_id": 1, "name": "Spring", "starts_on": date(2027, 1, 4)}
        await plain_execute(session, ADD_TERM, {**term, "ends_on": date(2027, 3, 26)})
        spring = select(TermDateRow.ends_on).where(TermDateRow.name == "Spring")
        assert await plain_scalar(session, spring, {}) == date(2027, 3, 26)
        await session.rollback()  # nothing of the above was committed
        assert await plain_scalar(session, spring, {}) is None
        retired_now = select(func.count()).where(CategoryRow.retired_at.is_not(None))
        assert await plain_scalar(session, retired_now, {}) == 0


async def test_errors_are_sqlalchemys_without_the_values(engine, demo_school):
    async with AsyncSession(engine) as session:
        name = (await plain_rows(session, CATEGORIES, {"school": 1, "skipped": []}))[0].name
        twin = insert(CategoryRow).values(
            school_id=1,
            name=bindparam("twin"),
            colour="#000000",
            urgent=False,
            restricted=False,
            position=0,
            version=1,
        )
        with pytest.raises(IntegrityError) as raised:
            await plain_execute(session, twin, {"twin": name})
    assert name not in str(raised.value)  # a pupil's or a category's name stays out of logs


async def test_the_cursor_listeners_see_each_statement_and_its_rows(engine, demo_school):
    seen: list[tuple[str, str, int]] = []

    def before(_conn, _cursor, statement, *_: object) -> None:
        seen.append(("before", statement.split()[0], 0))

    def after(_conn, cursor, statement, *_: object) -> None:
        seen.append(("after", statement.split()[0], len(cursor._rows)))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    try:
        async with AsyncSession(engine) as session:
            rows = await plain_rows(session, CATEGORIES, {"school": 1, "skipped": []})
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before)
        event.remove(engine.sync_engine, "after_cursor_execute", after)
    assert seen[-2:] == [("before", "SELECT", 0), ("after", "SELECT", len(rows))]


async def test_a_write_leaving_a_python_default_to_sqlalchemy_is_refused(engine, demo_school):
    """Such defaults are computed by SQLAlchemy's execution context, which a direct run has
    not: the statement is refused, not run with the column left empty."""
    partial = insert(CategoryRow).values(school_id=1, name="Partial", colour="#000000")
    async with AsyncSession(engine) as session:
        with pytest.raises(ValueError, match="position, version") as refused:
            await plain_execute(session, partial, {})
        assert "urgent" in str(refused.value)
        named = select(func.count()).where(CategoryRow.name == "Partial")
        assert await plain_scalar(session, named, {}) == 0


@pytest.fixture
def expanded(monkeypatch) -> list[int]:
    """One item for each time SQLAlchemy expands a statement's SQL for its parameters."""
    counted: list[int] = []
    original = SQLCompiler.construct_expanded_state

    def counting(compiled, *args, **kwargs):
        counted.append(1)
        return original(compiled, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "construct_expanded_state", counting)
    return counted


async def test_the_sql_is_expanded_once_for_each_length_of_its_lists(engine, demo_school, expanded):
    """Expanding a statement's lists (SQLAlchemy's `construct_expanded_state`) costs more than
    SQLite running it: it is done once for each set of lengths, the statement's own lists
    (`IN (0, 1, 2)`) included, and the values are taken from the parameters each run."""
    statement = CATEGORIES.where(CategoryRow.position.in_((0, 1, 2, 3, 4, 5, 6, 7)))
    async with AsyncSession(engine) as session:
        found = {}
        for skipped in ([1], [2], [1, 2], [3, 4], [2]):
            rows = await plain_rows(session, statement, {"school": 1, "skipped": skipped})
            found[tuple(skipped)] = [row.id for row in rows]
    assert len(expanded) == 2  # a list of one category, a list of two
    every = set(found[(1,)]) | {1}
    assert all(set(ids) == every - set(skipped) for skipped, ids in found.items())


async def test_a_number_written_into_the_sql_gives_its_own_statement_for_each_value(
    engine, demo_school, expanded
):
    """A `literal_execute` parameter (a LIMIT or OFFSET that PostgreSQL should see as a number,
    storage/dashboard.py) is part of the SQL: each value is its own statement, expanded once."""
    bound = bindparam("n", type_=Integer, literal_execute=True)
    statement = CATEGORIES.limit(bound).offset(
        bindparam("skip", type_=Integer, literal_execute=True)
    )
    sql: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: sql.append(a[2]))
    async with AsyncSession(engine) as session:
        counts = [
            len(
                await plain_rows(
                    session, statement, {"school": 1, "skipped": [], "n": n, "skip": s}
                )
            )
            for n, s in ((2, 0), (3, 0), (2, 0), (3, 1), (2, 0))
        ]
    assert counts == [2, 3, 2, 3, 2]
    assert len(expanded) == 3  # (2, 0), (3, 0), (3, 1): each once
    assert "LIMIT 3 OFFSET 1" in sql[3] and "LIMIT 2" in sql[4]
