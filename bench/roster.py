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
from pathlib import Path

from bench.phases import measured, run_phases
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


async def phases(url: str, pupils: int, traced: bool, _folder: Path) -> list[tuple[float, float]]:
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

        seconds, peak, imported = await measured(run, traced)
        counts = imported.run.counts()
        if any(counts[k] != v for k, v in wanted.items()) or counts["rejected"]:
            raise SystemExit(f"unexpected counts {counts} (wanted {wanted})")
        results.append((seconds, peak))
    await engine.dispose()
    return results


async def main(pupils: int, backends: list[str]) -> None:
    title = f"import_pupils, a OneRoster 1.1 export of {pupils:,} pupils (one transaction each)"
    await run_phases(title, "pupils", pupils, backends, PHASES, phases)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pupils", type=int, default=20_000)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    arguments = parser.parse_args()
    asyncio.run(main(arguments.pupils, arguments.backends))
