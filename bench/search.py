"""Pupil search: the typeahead's use case (students_matching, one press each) over 2,000 and
20,000 pupils, SQLite and PostgreSQL."""

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import datetime

from sqlalchemy import insert, text

from bench.databases import postgres_database
from safeguarding.clock import SystemClock
from safeguarding.search import name_tokens, sort_key
from safeguarding.services.press import AsStaff, Rules, run_press
from safeguarding.services.search import students_matching
from safeguarding.staff import Role
from storage.audit_keys import AuditKeys
from storage.database import create_engine
from storage.encryption import new_key_spec
from storage.migrate import upgrade
from storage.models import SchoolRow, StaffRow, StudentNameTokenRow, StudentRow
from storage.uow import unit_of_work_factory

FIRST = [
    "Amara",
    "Oliver",
    "Zoë",
    "Mohammed",
    "Isla",
    "Jack",
    "Siân",
    "Leo",
    "Freya",
    "Arjun",
    "Chloé",
    "Noah",
    "Maya",
    "Kacper",
    "Ella",
    "Theo",
    "Aisha",
    "Harry",
    "Niamh",
    "José",
]
LAST = [
    "Okafor",
    "Bennett",
    "Kowalski",
    "Hussain",
    "Fraser",
    "Thompson",
    "Jones",
    "Martin",
    "Osei",
    "Patel",
    "Dubois",
    "Williams",
    "Chen",
    "Nowak",
    "Roberts",
    "García",
    "O'Brien",
]
QUERIES = ["zoe", "sam tay", "o'b", "mohammed h", "garc", "chloe rob", "x", "kowalski"]


async def fill(engine, pupils: int) -> None:
    clock, rng = SystemClock(), random.Random(7)
    async with engine.begin() as connection:
        await connection.execute(
            insert(SchoolRow).values(
                id=1, name="Bench", tenant_id="t", time_zone="Europe/London", created_at=clock.now()
            )
        )
        await connection.execute(
            insert(StaffRow).values(
                id=1,
                school_id=1,
                aad_object_id="a",
                display_name="B",
                email="b@x",
                role=Role.STAFF.value,
                active=True,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
        for start in range(0, pupils, 1000):
            rows, tokens = pupil_rows(start, min(start + 1000, pupils), rng, clock.now())
            await connection.execute(insert(StudentRow), rows)
            await connection.execute(insert(StudentNameTokenRow), tokens)
    async with engine.begin() as connection:  # fresh statistics, as autovacuum would keep them
        await connection.execute(text("ANALYZE"))


def pupil_rows(
    start: int, stop: int, rng: random.Random, at: datetime, school_id: int = 1
) -> tuple[list[dict], list[dict]]:
    """Pupils start + 1 to stop of a school, named from FIRST and LAST, and their name tokens."""
    rows, tokens = [], []
    for n in range(start, stop):
        first, last = rng.choice(FIRST) + str(n % 97), rng.choice(LAST)
        rows.append(
            dict(
                id=n + 1,
                school_id=school_id,
                upn=f"B{n:012d}",
                mis_id="",
                first_name=first,
                last_name=last,
                preferred_name="",
                year_group=7 + n % 7,
                tutor_group=f"{7 + n % 7}A",
                house="",
                provisional=False,
                created_at=at,
            )
        )
        key = sort_key(first, last)
        tokens += [
            dict(student_id=n + 1, token=t, school_id=school_id, sort_key=key)
            for t in name_tokens(first, last)
        ]
    return rows, tokens


async def measure(url: str, pupils: int, rounds: int) -> tuple[float, float]:
    engine = create_engine(url)
    await upgrade(engine)
    await fill(engine, pupils)
    clock = SystemClock()
    uow_factory = unit_of_work_factory(engine, clock, audit_keys=AuditKeys.parse(new_key_spec("b")))
    async with uow_factory() as uow:
        who = await uow.staff.by_id(1, 1)
    times = []
    for _ in range(rounds):
        for query in QUERIES:
            start = time.perf_counter()
            await run_press(uow_factory, clock, Rules(), AsStaff(who), students_matching, query)
            times.append((time.perf_counter() - start) * 1000)
    await engine.dispose()
    return statistics.median(times), statistics.quantiles(times, n=100)[98]


async def main(rounds: int) -> None:
    rows = []
    for pupils in (0, 2_000, 20_000):
        with tempfile.TemporaryDirectory() as folder:
            rows.append(
                ("sqlite", pupils, *await measure(f"sqlite:///{folder}/b.db", pupils, rounds))
            )
        async with postgres_database() as url:
            rows.append(("postgresql", pupils, *await measure(url, pupils, rounds)))
    print(f"\nstudents_matching, one press each, {len(QUERIES)} queries x {rounds} rounds")
    print(f"{'database':<12}{'pupils':>8}{'median ms':>12}{'p99 ms':>10}")
    for backend, pupils, median, p99 in sorted(rows):
        print(f"{backend:<12}{pupils:>8}{median:>12.2f}{p99:>10.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=50)
    asyncio.run(main(parser.parse_args().rounds))
