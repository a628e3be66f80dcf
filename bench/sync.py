"""Directory sync: `kestrel sync`'s path (bot/directory_sync.py) for 3,000 staff through a
loopback Microsoft Graph (pages of 100: 30 requests for the staff group) and a loopback Entra
token endpoint over HTTPS, on SQLite and PostgreSQL: a first sync (all new), a second (nothing
changes), and a third with 1% renamed and 1% gone from the group.

Times come from one run, peak memory (tracemalloc: Python's allocations) from a second run on a
fresh database. Each run's counts are checked before they are printed.
"""

import argparse
import asyncio
from pathlib import Path

from bench.phases import measured, run_phases
from bot.directory_sync import entra_token, run_sync
from bot.settings import Secret, Settings
from safeguarding.clock import SystemClock
from storage.audit_keys import AuditKeys
from storage.database import create_engine
from storage.encryption import new_key_spec
from storage.migrate import upgrade
from storage.uow import unit_of_work_factory
from tests.support.graph import APP_ID, SECRET, TENANT, graph_user, loopback_directory

PHASES = ("first sync, all new", "re-sync, unchanged", "re-sync, 1% renamed, 1% gone")


async def phases(url: str, staff: int, traced: bool, folder: Path) -> list[tuple[float, float]]:
    """(seconds, peak MB) of each phase, on a new database at `url`."""
    engine = create_engine(url)
    await upgrade(engine)
    clock = SystemClock()
    uow_factory = unit_of_work_factory(engine, clock, audit_keys=AuditKeys.parse(new_key_spec("b")))
    async with uow_factory() as uow:
        await uow.schools.ensure("Bench Academy", TENANT, "Europe/London")
        await uow.commit()
    hundredth = staff // 100
    everyone = [graph_user(n) for n in range(1, staff + 1)]
    changed = [
        graph_user(n, displayName=f"Renamed {n}") if 2 <= n <= hundredth + 1 else graph_user(n)
        for n in range(1, staff + 1 - hundredth)
    ]
    expected = [
        {"created": staff},
        {"unchanged": staff},
        {"updated": hundredth, "left": hundredth, "unchanged": staff - 2 * hundredth},
    ]
    results = []
    async with loopback_directory(folder) as loopback:
        loopback.graph.page_size = 100
        settings = Settings(
            app_id=APP_ID,
            app_password=Secret(SECRET),
            app_tenant_id=TENANT,
            local=True,
            graph_url=loopback.graph_url,
            entra_authority=loopback.authority,
            role_groups=(("dsl", "g-dsl"), ("staff", "g-staff")),
        )
        tokens = entra_token(settings, str(loopback.ca_file))
        loopback.graph.groups["g-dsl"] = [graph_user(1)]
        for members, wanted in zip((everyone, everyone, changed), expected, strict=True):
            loopback.graph.groups["g-staff"] = members

            async def run():
                return await run_sync(settings, uow_factory, clock, tokens, pupils=False)

            seconds, peak, outcome = await measured(run, traced)
            if outcome.failure or any(
                f"{k} {v}," not in outcome.lines[0] + "," for k, v in wanted.items()
            ):
                raise SystemExit(f"unexpected outcome {outcome} (wanted {wanted})")
            results.append((seconds, peak))
    await engine.dispose()
    return results


async def main(staff: int, backends: list[str]) -> None:
    title = f"kestrel sync, {staff:,} staff through a loopback Graph (pages of 100)"
    await run_phases(title, "staff", staff, backends, PHASES, phases)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--staff", type=int, default=3_000)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    arguments = parser.parse_args()
    asyncio.run(main(arguments.staff, arguments.backends))
