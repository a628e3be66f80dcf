"""The phased one-off benches (bench/roster.py, bench/sync.py): each phase timed in one run and
its peak memory (tracemalloc: Python's allocations) taken in a second, since tracing slows
Python down, each run on a new database; then one table of seconds, rate and peak."""

import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.databases import postgres_database

# (database URL, how many, traced, a scratch folder) -> (seconds, peak MB) of each phase
Phases = Callable[[str, int, bool, Path], Awaitable[list[tuple[float, float]]]]
Row = tuple[str, str, float, float]  # database, phase, seconds, peak MB


async def measured(call: Callable[[], Awaitable[Any]], traced: bool) -> tuple[float, float, Any]:
    """(seconds, peak MB or 0 when not traced, result) of one awaited call."""
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


async def run_phases(
    title: str, unit: str, count: int, backends: list[str], names: tuple[str, ...], phases: Phases
) -> None:
    """Measure the named phases for `count` `unit`s on each database and print one table."""
    rows = [row for name in backends for row in await on_backend(name, names, phases, count)]
    print_table(title, count, unit, rows)


async def on_backend(name: str, names: tuple[str, ...], phases: Phases, count: int) -> list[Row]:
    """Times from one run and peaks from another, each on its own new database."""
    runs = []
    for traced in (False, True):
        with tempfile.TemporaryDirectory() as folder:
            if name == "sqlite":
                runs.append(
                    await phases(f"sqlite:///{folder}/bench.db", count, traced, Path(folder))
                )
            else:
                async with postgres_database() as url:
                    runs.append(await phases(url, count, traced, Path(folder)))
    timed, traced_run = runs
    return [
        (name, phase, seconds, peak)
        for phase, (seconds, _), (_, peak) in zip(names, timed, traced_run, strict=True)
    ]


def print_table(title: str, count: int, unit: str, rows: list[Row]) -> None:
    """The phases of every database: seconds, `unit` per second (of `count`), peak MB."""
    width = max(len(phase) for _, phase, _, _ in rows) + 2
    print(f"\n{title}")
    print(f"{'database':<12}{'phase':<{width}}{'seconds':>9}{unit + '/s':>10}{'peak MB':>9}")
    for name, phase, seconds, peak in rows:
        print(f"{name:<12}{phase:<{width}}{seconds:>9.2f}{count / seconds:>10,.0f}{peak:>9.1f}")
