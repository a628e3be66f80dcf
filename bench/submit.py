"""Incident submission: the Add Incident use case with 0 and 100,000 incidents stored.

Each request reads a form (two categories, a linked pupil, a tagged colleague, a default alert
group) and records it: rights, alerts, grants and audit in one transaction, as the bot does.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from bench.databases import postgres_database
from safeguarding.clock import SystemClock
from safeguarding.incident_form import read_form
from safeguarding.school import Category, Student
from safeguarding.services.press import AsStaff, Rules, run_press
from safeguarding.services.recording import store_incident
from safeguarding.staff import Role
from storage.audit_keys import AuditKeys
from storage.database import create_engine
from storage.encryption import Keyring, new_key_spec
from storage.migrate import upgrade
from storage.models import AlertRow, IncidentCategoryRow, IncidentRow, IncidentStudentRow
from storage.uow import unit_of_work_factory

PUPILS = 2_000
BATCH = 5_000


async def school(uow_factory) -> dict[str, int]:
    """A school with staff, pupils, two categories (one alerting the DSL team by default)."""
    async with uow_factory() as uow:
        found = await uow.schools.ensure("Bench", "t", "Europe/London")
        dsl = await uow.staff.ensure(found.id, "a-dsl", "DSL", "d@x", Role.DSL)
        teacher = await uow.staff.ensure(found.id, "a-teacher", "Teacher", "t@x", Role.STAFF)
        colleague = await uow.staff.ensure(found.id, "a-colleague", "Colleague", "c@x", Role.STAFF)
        group = await uow.alert_groups.ensure(found.id, "DSL team", [dsl.id])
        first = await uow.categories.ensure(Category(0, found.id, "Safeguarding", "#f00"))
        second = await uow.categories.ensure(Category(0, found.id, "Pastoral", "#0f0"))
        await uow.categories.set_default_alert_groups(first.id, [group.id])
        for n in range(PUPILS):
            await uow.students.ensure(
                Student(0, found.id, f"B{n:012d}", f"Pupil{n}", "Bench", 7 + n % 7, "7A")
            )
        await uow.commit()
    return {
        "school": found.id,
        "teacher": teacher.id,
        "colleague": colleague.id,
        "dsl": dsl.id,
        "first": first.id,
        "second": second.id,
    }


async def history(engine, ids: dict[str, int], incidents: int) -> None:
    """Incidents already stored (rows as the use case writes them; text is a placeholder)."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for base in range(0, incidents, BATCH):
        numbers = range(base + 1, min(base + BATCH, incidents) + 1)
        async with engine.begin() as connection:
            await connection.execute(
                insert(IncidentRow),
                [
                    dict(
                        id=n,
                        school_id=ids["school"],
                        recorded_by=ids["teacher"],
                        recorded_at=start + timedelta(minutes=n),
                        happened_at=start + timedelta(minutes=n),
                        time_zone="Europe/London",
                        status="Open",
                        agencies=[],
                        version=1,
                        idempotency_key=f"history-{n}",
                        text_ciphertext="v1.x.placeholder",
                    )
                    for n in numbers
                ],
            )
            await connection.execute(
                insert(IncidentStudentRow),
                [
                    dict(incident_id=n, student_id=1 + n % PUPILS, linked=False, monitoring=False)
                    for n in numbers
                ],
            )
            await connection.execute(
                insert(IncidentCategoryRow),
                [
                    dict(incident_id=n, student_id=1 + n % PUPILS, category_id=ids["second"])
                    for n in numbers
                ],
            )
            await connection.execute(
                insert(AlertRow),
                [
                    dict(
                        school_id=ids["school"],
                        incident_id=n,
                        staff_id=ids["dsl"],
                        raised_by=ids["teacher"],
                        reason="group",
                        state="queued",
                        created_at=start + timedelta(minutes=n),
                    )
                    for n in numbers
                ],
            )
    if engine.dialect.name == "postgresql" and incidents:
        async with engine.begin() as connection:
            await connection.execute(text(f"SELECT setval('incidents_id_seq', {incidents})"))
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))


async def measure(url: str, incidents: int, requests: int) -> tuple[float, float]:
    engine = create_engine(url)
    await upgrade(engine)
    clock = SystemClock()
    with tempfile.TemporaryDirectory() as files:
        uow_factory = unit_of_work_factory(
            engine,
            clock,
            Keyring.parse(new_key_spec("b")),
            files,
            audit_keys=AuditKeys.parse(new_key_spec("b")),
        )
        ids = await school(uow_factory)
        await history(engine, ids, incidents)
        async with uow_factory() as uow:
            teacher = await uow.staff.by_id(ids["school"], ids["teacher"])
        times: list[float] = []
        for n in range(requests):
            values = {
                "key": f"bench-request-{n:06d}",
                "student_id": str(1 + n % PUPILS),
                "text": "What was said, as said. " * 40,
                "categories": f"{ids['first']},{ids['second']}",
                "linked": [1 + (n + 1) % PUPILS],
                f"linked_{1 + (n + 1) % PUPILS}_same": "true",
                "alert_staff": str(ids["colleague"]),
                "confirm": str(ids["colleague"]),
            }
            start = time.perf_counter()
            draft = read_form(values, now=clock.now(), time_zone="Europe/London")
            await run_press(uow_factory, clock, Rules(), AsStaff(teacher), store_incident, draft)
            times.append((time.perf_counter() - start) * 1000)
    await engine.dispose()
    return statistics.median(times), statistics.quantiles(times, n=100)[98]


async def main(requests: int, stored: list[int]) -> None:
    rows = []
    for incidents in stored:
        with tempfile.TemporaryDirectory() as folder:
            sqlite = await measure(f"sqlite:///{folder}/b.db", incidents, requests)
            rows.append(("sqlite", incidents, *sqlite))
        async with postgres_database() as url:
            rows.append(("postgresql", incidents, *await measure(url, incidents, requests)))
    print(f"\nrecord_incident, {requests} submissions (server time per submission)")
    print(f"{'database':<12}{'stored':>9}{'median ms':>12}{'p99 ms':>10}")
    for backend, incidents, median, p99 in sorted(rows):
        print(f"{backend:<12}{incidents:>9}{median:>12.2f}{p99:>10.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--stored", type=int, nargs="+", default=[0, 100_000])
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.stored))
