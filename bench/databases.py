"""Throwaway PostgreSQL databases for benchmarks, and the school they fill."""

import os
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

import asyncpg
from sqlalchemy import insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from safeguarding.staff import Role
from storage.models import CategoryRow, SchoolRow, StaffRow, StudentRow

POSTGRES = os.environ.get(
    "KESTREL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """The URL of a new, empty database; dropped afterwards."""
    admin = make_url(POSTGRES)
    name = f"kestrel_bench_{uuid.uuid4().hex[:8]}"
    connection = await asyncpg.connect(
        host=admin.host, port=admin.port or 5432, user=admin.username, database=admin.database
    )
    await connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


async def bench_school(
    engine: AsyncEngine,
    *,
    staff: int,
    pupils: int,
    categories: Sequence[str],
    at: datetime,
    dsl: int = 1,
    time_zone: str = "Europe/London",
) -> None:
    """School 1 with its staff (`dsl` is the DSL, the rest staff), pupils and categories."""
    async with engine.begin() as connection:
        await connection.execute(
            insert(SchoolRow).values(
                id=1, name="Bench", tenant_id="t", time_zone=time_zone, created_at=at
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
        await connection.execute(
            insert(StudentRow),
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
