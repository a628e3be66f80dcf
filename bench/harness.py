"""One run of `python -m bench`: the baselines and the connector as processes, then on each
database a fresh copy of the dataset served by the real `kestrel serve --local`, every press
type and both baselines measured in turn, round after round, and the 10% dataset for growth."""

import asyncio
import os
import statistics
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from bench.cache import Cache, Cached
from bench.dataset import Size
from bench.load import Driver, Sample
from bench.presses import Press, baseline_press, kestrel_presses
from tests.support.processes import KestrelProcess, child_env

BASELINES = (("floor", "bare aiohttp floor"), ("peer", "stock botbuilder peer"))
CONCURRENCY = (1, 8)


@dataclass(frozen=True)
class Plan:
    size: Size
    backends: tuple[str, ...]
    seconds: float = 5.0
    rounds: int = 3
    warm_up: float = 1.0
    growth: bool = True
    presses: tuple[str, ...] = ()  # press keys to measure (empty: all of them)

    def chosen(self, presses: list[Press]) -> list[Press]:
        return [p for p in presses if not self.presses or p.key in self.presses]


@dataclass
class Row:
    """One request type on one database: its samples by concurrency, round after round."""

    key: str
    title: str
    samples: dict[int, list[Sample]] = field(default_factory=dict)
    growth: float | None = None
    checked: int = 0  # answers checked, warm-up and the 10% dataset's included
    problems: list[str] = field(default_factory=list)

    def add(self, concurrency: int, sample: Sample) -> None:
        self.samples.setdefault(concurrency, []).append(sample)
        self.note(sample)

    def note(self, sample: Sample) -> None:
        """Count a sample's checked answers and keep what was wrong."""
        self.checked += len(sample.latencies)
        self.problems += sample.problems

    def summary(self, concurrency: int) -> dict[str, float]:
        """Medians over the rounds (the worst wait: over all of them)."""
        samples = self.samples[concurrency]
        return {
            "per_second": statistics.median(s.per_second for s in samples),
            "p50": statistics.median(s.p50 for s in samples),
            "p99": statistics.median(s.p99 for s in samples),
            "worst": max(s.worst for s in samples),
            "requests": sum(len(s.latencies) for s in samples),
        }


@dataclass
class BackendRun:
    backend: str
    dataset: Cached
    rows: list[Row]
    memory: dict[str, float]
    checks: dict[str, int]


class Processes:
    """The child processes of a run, stopped (with their children) when the run ends."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.running = folder, []

    async def start(self, name: str, env: dict[str, str], command=None) -> KestrelProcess:
        process = KestrelProcess.start(name, self.folder / name, env, command)
        self.running.append(process)
        await process.wait_healthy(within=120)
        return process

    def stop(self, process: KestrelProcess) -> None:
        process.stop()
        self.running.remove(process)

    def check(self) -> None:
        """Raise, with its log's tail, if a process of the run has stopped on its own."""
        for process in self.running:
            if process.process.poll() is not None:
                raise RuntimeError(f"{process.name} stopped during the run\n{process.tail()}")

    def stop_all(self) -> None:
        for process in list(self.running):
            self.stop(process)


@dataclass(frozen=True)
class Stage:
    """What a run shares: its processes, the connector's and the baselines' URLs, its log."""

    running: Processes
    connector: str
    floor: str
    peer: str
    log: Callable[[str], None]


@asynccontextmanager
async def processes(folder: Path) -> AsyncIterator[Processes]:
    running = Processes(folder)
    try:
        yield running
    finally:
        running.stop_all()


async def baseline(running: Processes, kind: str) -> KestrelProcess:
    """A baseline (or the connector) as a process of its own."""
    command = [sys.executable, "-m", "bench.baselines", kind]
    return await running.start(kind, child_env(), command)


async def kestrel(
    running: Processes, name: str, url: str, dataset: Cached, extra: dict[str, str] | None = None
) -> KestrelProcess:
    """The real server (`kestrel serve --local`, bench/server.py) on a working copy of the
    dataset, with its keys (and `extra` in its environment: bench/ab.py runs another checkout's
    code by its PYTHONPATH)."""
    env = child_env(
        DATABASE_URL=url,
        KESTREL_ENCRYPTION_KEYS=dataset.keys,
        KESTREL_AUDIT_KEYS=dataset.audit_keys,
        KESTREL_DATA_DIR=str(running.folder / name),
        **(extra or {}),
    )
    return await running.start(name, env, [sys.executable, "-m", "bench.server"])


def resident_mb(pid: int) -> dict[str, float]:
    """The process's resident memory now and at its peak (from /proc), in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024
    return {"resident": fields["VmRSS"], "peak": fields["VmHWM"]}


async def connector_counts(url: str) -> dict[str, int]:
    async with aiohttp.ClientSession() as http, http.get(f"{url}/counts") as response:
        return await response.json()


async def rounds(plan: Plan, drivers: list[tuple[Row, Driver]], concurrency, stage) -> None:
    """Every driver in turn, at each concurrency, round after round (interleaved, so that a
    change in the machine's load falls on every row alike)."""
    for row, driver in drivers:  # not measured, but checked
        row.note(await driver.once())
        row.note(await driver.sample(8, plan.warm_up))
    for number in range(1, plan.rounds + 1):
        for row, driver in drivers:
            for c in concurrency:
                row.add(c, await driver.sample(c, plan.seconds))
                stage.running.check()
        stage.log(f"  round {number}/{plan.rounds} done")


def drivers_for(rows: list[Row], urls: list[str], presses: list[Press]) -> list[tuple]:
    """A driver per row: its press sent to its endpoint."""
    paired = zip(rows, urls, presses, strict=True)
    return [(row, Driver(f"{url}/api/messages", press)) for row, url, press in paired]


async def measure_backend(plan: Plan, cache: Cache, backend: str, stage: Stage) -> BackendRun:
    """Baselines and Kestrel on one database; then Kestrel on the 10% dataset (growth)."""
    full = await cache.ensure(plan.size, backend, stage.log)
    tenth = await cache.ensure(plan.size.tenth(), backend, stage.log) if plan.growth else None
    before = await connector_counts(stage.connector)
    presses = plan.chosen(kestrel_presses(full.facts, stage.connector))
    rows = [Row(key, title) for key, title in BASELINES] + [Row(p.key, p.title) for p in presses]
    targets = [baseline_press(full.facts, stage.connector, k, t) for k, t in BASELINES] + presses
    async with cache.working_copy(full) as url:
        stage.log(f"{backend}: a working copy of the {full.size.name} dataset")
        server = await kestrel(stage.running, f"kestrel-{backend}", url, full)
        urls = [stage.floor, stage.peer] + [server.url] * len(presses)
        stage.log(f"{backend}: measuring {len(rows)} request types")
        await rounds(plan, drivers_for(rows, urls, targets), CONCURRENCY, stage)
        memory = resident_mb(server.process.pid)
        stage.running.stop(server)
    if tenth is not None:
        await _growth(plan, cache, tenth, rows[len(BASELINES) :], stage)
    after = await connector_counts(stage.connector)
    checks = {k: after[k] - before[k] for k in after}
    _check_connector(rows, checks)
    return BackendRun(backend, full, rows, memory, checks)


def _check_connector(rows: list[Row], checks: dict[str, int]) -> None:
    """Each help answered one welcome through the connector; each record replaced its form."""
    by_key = {row.key: row for row in rows}
    for key, count in (("help", "greetings"), ("record", "update_cards")):
        if key in by_key and checks[count] != by_key[key].checked:
            by_key[key].problems.append(
                f"{by_key[key].checked} answered, {checks[count]} {count} at the connector"
            )


async def _growth(plan: Plan, cache: Cache, tenth: Cached, rows: list[Row], stage: Stage) -> None:
    """p50 at concurrency 1 on the full dataset over p50 on the 10% one, per press type."""
    small = [Row(r.key, r.title) for r in rows]
    async with cache.working_copy(tenth) as url:
        server = await kestrel(stage.running, f"kestrel-{tenth.backend}-10pc", url, tenth)
        stage.log(f"{tenth.backend}: measuring the 10% dataset")
        presses = plan.chosen(kestrel_presses(tenth.facts, stage.connector))
        urls = [server.url] * len(presses)
        await rounds(plan, drivers_for(small, urls, presses), (1,), stage)
        stage.running.stop(server)
    for row, tenth_row in zip(rows, small, strict=True):
        row.growth = row.summary(1)["p50"] / tenth_row.summary(1)["p50"]
        row.checked += tenth_row.checked
        row.problems += tenth_row.problems


async def run(plan: Plan, cache: Cache, log: Callable[[str], None] = print) -> list[BackendRun]:
    """The whole run: baselines and connector up once, then each database in turn."""
    async with processes(cache.root / "processes") as running:
        kinds = ("connector", "floor", "peer")
        started = await asyncio.gather(*(baseline(running, kind) for kind in kinds))
        stage = Stage(running, *(process.url for process in started), log)
        return [await measure_backend(plan, cache, backend, stage) for backend in plan.backends]


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]
