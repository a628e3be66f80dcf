"""Roster import: `import_pupils` of a OneRoster 1.1 export of 20,000 pupils into an empty
school, the same export again (nothing changes), and one with 1% of the pupils changed (renamed
and moved to another tutor group), on SQLite and PostgreSQL.

The export is built in memory (tests/support/rosters.py, deterministic: UPNs, dates of birth,
homerooms, teachers and guardians beside the pupils) before anything is timed; each import reads
it (CSV parsing included), checks it, plans it and writes it in its one transaction. Times come
from one run, peak memory (tracemalloc: Python's allocations) from a second run on a fresh
database, since tracing slows Python down. Each run's counts are checked before they are printed.
"""

import argparse
import asyncio
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable

from bench.databases import postgres_database
from safeguarding.clock import SystemClock
from safeguarding.roster_formats import read_roster
from safeguarding.services.roster import import_pupils
from storage.audit_keys import AuditKeys
from storage.database import create_engine
from storage.encryption import new_key_spec
from storage.migrate import upgrade
from storage.uow import unit_of_work_factory
from tests.support.rosters import changed, oneroster_export, school_pupils

PHASES = ("import, all new", "re-import, unchanged", "re-import, 1% changed")


async def phases(url: str, pupils: int, traced: bool) -> list[tuple[float, float]]:
    """(seconds, peak MB) of each phase, on a new database at `url`."""
    roster = school_pupils(pupils)
    exports = [oneroster_export(roster).files, oneroster_export(changed(roster, 100)).files]
    engine = create_engine(url)
    await upgrade(engine)
    clock = SystemClock()
    uow_factory = unit_of_work_factory(engine, clock, audit_keys=AuditKeys.parse(new_key_spec("b")))
    async with uow_factory() as uow:
        await uow.schools.ensure("Bench Academy", "bench-tenant", "Europe/London")
        await uow.commit()
    expected = [
        {"created": pupils},
        {"unchanged": pupils},
        {"updated": pupils // 100, "unchanged": pupils - pupils // 100},
    ]
    results = []
    for files, wanted in zip((exports[0], exports[0], exports[1]), expected, strict=True):

        async def run(files=files):
            return await import_pupils(uow_factory, clock, lambda: read_roster(files))

        seconds, peak, imported = await _measured(run, traced)
        counts = imported.run.counts()
        if any(counts[k] != v for k, v in wanted.items()) or counts["rejected"]:
            raise SystemExit(f"unexpected counts {counts} (wanted {wanted})")
        results.append((seconds, peak))
    await engine.dispose()
    return results


async def _measured(call: Callable[[], Awaitable], traced: bool):
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    result = await call()
    seconds = time.perf_counter() - start
    peak = 0.0
    if traced:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return seconds, peak, result


async def backend(name: str, pupils: int) -> list[tuple[str, str, float, float]]:
    """Times from one run and peaks from another, each on its own new database."""
    runs = []
    for traced in (False, True):
        if name == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                runs.append(await phases(f"sqlite:///{folder}/bench.db", pupils, traced))
        else:
            async with postgres_database() as url:
                runs.append(await phases(url, pupils, traced))
    timed, traced_run = runs
    return [
        (name, phase, seconds, peak)
        for phase, (seconds, _), (_, peak) in zip(PHASES, timed, traced_run, strict=True)
    ]


async def main(pupils: int, backends: list[str]) -> None:
    rows = [row for name in backends for row in await backend(name, pupils)]
    print(f"\nimport_pupils, a OneRoster 1.1 export of {pupils:,} pupils (one transaction each)")
    print(f"{'database':<12}{'phase':<24}{'seconds':>9}{'pupils/s':>10}{'peak MB':>9}")
    for name, phase, seconds, peak in rows:
        print(f"{name:<12}{phase:<24}{seconds:>9.2f}{pupils / seconds:>10,.0f}{peak:>9.1f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pupils", type=int, default=20_000)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    arguments = parser.parse_args()
    asyncio.run(main(arguments.pupils, arguments.backends))
