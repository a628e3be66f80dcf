"""My dashboard: a DSL with 5,000 unread alerts in a school of 100,000 incidents, and an empty one.

The school has 20 staff and 2,000 pupils. Incidents are recorded in turn by each member of staff
(the DSL among them); every tenth is assigned to the DSL; every fourth has a linked pupil; each
incident has one read alert to another colleague, and 5,000 spread through them are the DSL's,
sent and unread. Timed: show_dashboard (one press, identity included) on the first page and
on alerts page (4990, 0, 0).
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.databases import bench_school, postgres_database
from safeguarding.clock import SystemClock
from safeguarding.dashboard import PAGE
from safeguarding.identity import Caller
from safeguarding.services.dashboard import show_dashboard
from safeguarding.services.press import Request, Rules, run_press
from storage.audit_keys import AuditKeys
from storage.database import create_engine
from storage.encryption import Keyring, new_key_spec
from storage.migrate import upgrade
from storage.models import (
    AlertRow,
    IncidentCategoryRow,
    IncidentRow,
    IncidentStudentRow,
)
from storage.uow import unit_of_work_factory

STAFF, PUPILS, CATEGORIES, BATCH, DSL = 20, 2_000, 4, 5_000, 1
START = datetime(2020, 1, 1, tzinfo=UTC)


async def school(engine: AsyncEngine) -> None:
    """The school, its staff (the DSL is id 1), pupils and categories."""
    await bench_school(
        engine,
        staff=STAFF,
        pupils=PUPILS,
        categories=[f"Category {n}" for n in range(1, CATEGORIES + 1)],
        at=datetime.now(UTC),
        dsl=DSL,
    )


def incident(n: int) -> dict:
    """Incident n: recorded by each member of staff in turn; every tenth assigned to the DSL."""
    return dict(
        id=n,
        school_id=1,
        recorded_by=1 + n % STAFF,
        recorded_at=START + timedelta(minutes=n),
        happened_at=START + timedelta(minutes=n),
        time_zone="Europe/London",
        status=("Open", "Active", "Closed")[n % 3],
        assignee_id=DSL if n % 10 == 0 else None,
        agencies=[],
        version=1,
        idempotency_key=f"history-{n}",
        text_ciphertext="v1.x.placeholder",
    )


def alert(n: int, staff_id: int, read: bool, at: datetime | None = None) -> dict:
    """A sent alert about incident n to this member of staff (when incident n was recorded)."""
    at = START + timedelta(minutes=n) if at is None else at
    return dict(
        school_id=1,
        incident_id=n,
        staff_id=staff_id,
        raised_by=1 + n % STAFF,
        reason="group",
        state="sent",
        created_at=at,
        message_id=f"m-{n}-{staff_id}",
        sent_at=at,
        read_at=at if read else None,
    )


async def history(engine: AsyncEngine, incidents: int, unread: int) -> None:
    """Incidents with their pupils, categories and alerts (`unread` of them the DSL's)."""
    step = max(1, incidents // unread) if unread else 0
    for base in range(0, incidents, BATCH):
        numbers = range(base + 1, min(base + BATCH, incidents) + 1)
        pupils = [(n, 1 + n % PUPILS, False) for n in numbers]
        pupils += [(n, 1 + (n + 1) % PUPILS, True) for n in numbers if n % 4 == 0]
        alerts = [alert(n, 2 + n % (STAFF - 1), True) for n in numbers]
        alerts += [
            alert(n, DSL, False) for n in numbers if step and n % step == 0 and n // step <= unread
        ]
        async with engine.begin() as connection:
            await connection.execute(insert(IncidentRow), [incident(n) for n in numbers])
            await connection.execute(
                insert(IncidentStudentRow),
                [dict(incident_id=n, student_id=s, linked=linked) for n, s, linked in pupils],
            )
            await connection.execute(
                insert(IncidentCategoryRow),
                [
                    dict(incident_id=n, student_id=s, category_id=1 + n % CATEGORIES)
                    for n, s, _ in pupils
                ],
            )
            await connection.execute(insert(AlertRow), alerts)
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE"))


async def measure(url: str, incidents: int, unread: int, rounds: int) -> list[tuple]:
    """(page, unread shown, median ms, p99 ms) for the first page and the last alerts page."""
    engine = create_engine(url)
    await upgrade(engine)
    await school(engine)
    await history(engine, incidents, unread)
    clock, results = SystemClock(), []
    with tempfile.TemporaryDirectory() as files:
        uow_factory = unit_of_work_factory(
            engine,
            clock,
            Keyring.parse(new_key_spec("b")),
            files,
            audit_keys=AuditKeys.parse(new_key_spec("b")),
        )
        async with uow_factory() as uow:
            dsl = await uow.staff.by_id(1, DSL)
            tenant = (await uow.schools.by_id(dsl.school_id)).tenant_id
        request = Request(Caller(tenant, dsl.aad_object_id, "personal"))
        for offsets in dict.fromkeys([(0, 0, 0), (max(0, unread - PAGE), 0, 0)]):
            times, shown = [], 0
            for n in range(rounds + 1):  # the first call warms up, and is not counted
                start = time.perf_counter()
                pressed = await run_press(
                    uow_factory, clock, Rules(), request, show_dashboard, offsets
                )
                board = pressed.outcome.view
                if n:
                    times.append((time.perf_counter() - start) * 1000)
                shown = board.alerts.total
            p99 = statistics.quantiles(times, n=100)[98]
            results.append((str(offsets), shown, statistics.median(times), p99))
    await engine.dispose()
    return results


async def main(incidents: int, unread: int, rounds: int) -> None:
    rows = []
    for stored, alerts in ((0, 0), (incidents, unread)):
        with tempfile.TemporaryDirectory() as folder:
            for result in await measure(f"sqlite:///{folder}/b.db", stored, alerts, rounds):
                rows.append(("sqlite", stored, *result))
        async with postgres_database() as url:
            for result in await measure(url, stored, alerts, rounds):
                rows.append(("postgresql", stored, *result))
    print(f"\nshow_dashboard for the DSL, {rounds} rounds per page (server time per dashboard)")
    print(f"{'database':<12}{'incidents':>10}{'unread':>8}  {'offsets':<16}", end="")
    print(f"{'median ms':>10}{'p99 ms':>9}")
    for backend, stored, offsets, shown, median, p99 in rows:
        print(f"{backend:<12}{stored:>10}{shown:>8}  {offsets:<16}{median:>10.2f}{p99:>9.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--unread", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(args.incidents, args.unread, args.rounds))
