"""PostgreSQL databases for benchmarks (throwaway, kept, copied), bulk inserts, and the school
they fill."""

import json
import os
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import JSON, insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from safeguarding.staff import Role
from storage.models import CategoryRow, SchoolRow, StaffRow, StudentRow

POSTGRES = os.environ.get(
    "KESTREL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """The URL of a new, empty database; dropped afterwards."""
    name = f"kestrel_bench_{uuid.uuid4().hex[:8]}"
    await create_database(name)
    try:
        yield database_url(name)
    finally:
        await drop_database(name)


def database_url(name: str) -> str:
    """The URL of database `name` on the benchmarks' PostgreSQL server."""
    return make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)


@asynccontextmanager
async def _admin() -> AsyncIterator[asyncpg.Connection]:
    url = make_url(POSTGRES)
    connection = await asyncpg.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        database=url.database,
    )
    try:
        yield connection
    finally:
        await connection.close()


async def create_database(name: str, template: str | None = None, big: bool = False) -> None:
    """A new database, empty or a copy of `template`: of a big one, a file copy (it waits for a
    checkpoint, which a small copy through the log does not)."""
    strategy = "FILE_COPY" if big else "WAL_LOG"
    copy = f' TEMPLATE "{template}" STRATEGY {strategy}' if template else ""
    async with _admin() as connection:
        await connection.execute(f'CREATE DATABASE "{name}"{copy}')


async def drop_database(name: str) -> None:
    """Drop the database if it exists, whoever is connected to it."""
    async with _admin() as connection:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def database_exists(name: str) -> bool:
    """Whether the server has a database of this name."""
    async with _admin() as connection:
        found = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    return found is not None


async def bulk_insert(connection: AsyncConnection, model: Any, rows: list[dict]) -> None:
    """Insert many rows of one model: COPY on PostgreSQL, one executemany elsewhere.

    COPY skips SQLAlchemy, so client-side column defaults are filled and JSON is encoded here.
    """
    if not rows:
        return
    table = model.__table__
    if connection.dialect.name != "postgresql":
        await connection.execute(insert(table), rows)
        return
    given = rows[0].keys()
    missing = {c.name: c.default for c in table.columns if c.name not in given and c.default}
    defaults = {name: d.arg(None) if d.is_callable else d.arg for name, d in missing.items()}
    names = [*given, *defaults]
    encoded = [c.name for c in table.columns if c.name in names and isinstance(c.type, JSON)]
    records = []
    for row in rows:
        values = {**row, **defaults} if defaults else row
        for name in encoded:
            values[name] = json.dumps(values[name])
        records.append(tuple(values[name] for name in names))
    raw = await connection.get_raw_connection()
    await raw.driver_connection.copy_records_to_table(table.name, records=records, columns=names)


async def bench_school(
    engine: AsyncEngine,
    *,
    staff: int,
    pupils: int,
    categories: Sequence[str],
    at: datetime,
    dsl: int = 1,
    time_zone: str = "Europe/London",
    tenant: str = "t",
) -> None:
    """School 1 with its staff (`dsl` is the DSL, the rest staff), pupils (Pupil<n> Bench; none
    when 0: the caller adds its own) and categories."""
    async with engine.begin() as connection:
        await connection.execute(
            insert(SchoolRow).values(
                id=1, name="Bench", tenant_id=tenant, time_zone=time_zone, created_at=at
            )
        )
        await connection.execute(
            insert(StaffRow),
            [
                dict(
                    id=n,
                    school_id=1,
                    aad_object_id=f"aad-{n}",
                    display_name=f"Staff {n}",
                    email=f"s{n}@x",
                    role=(Role.DSL if n == dsl else Role.STAFF).value,
                    active=True,
                    created_at=at,
                    updated_at=at,
                )
                for n in range(1, staff + 1)
            ],
        )
        await bulk_insert(
            connection,
            StudentRow,
            [
                dict(
                    id=n,
                    school_id=1,
                    upn=f"B{n:012d}",
                    first_name=f"Pupil{n}",
                    last_name="Bench",
                    year_group=7 + n % 7,
                    tutor_group=f"{7 + n % 7}A",
                    created_at=at,
                )
                for n in range(1, pupils + 1)
            ],
        )
        await connection.execute(
            insert(CategoryRow),
            [
                dict(id=n, school_id=1, name=name, colour="#123456")
                for n, name in enumerate(categories, 1)
            ],
        )
