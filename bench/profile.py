"""Where the time goes: `python -m bench.profile` serves the dataset with bench/profiled.py (the
real server, counting statements, rows, bytes, ORM objects and pool waits) and, press type by
press type, samples a spell of requests at concurrency 1 (and, for the chronology page, at 8)
with py-spy (`pip install -e .[bench]`), then prints per press: server CPU, statements, rows and
bytes read, ORM objects built, database time, the costliest statements, the pool's waits, and
where the CPU went (each sample's own function by package, and what it was inside of: ORM
loading, card building, botbuilder...). py-spy's raw stacks stay in <cache>/profile/<backend>/.

py-spy samples real stacks from outside the process (cProfile misreads SQLAlchemy's greenlet
switches). Here py-spy cannot tell a waiting thread from a working one, so samples whose own
function is a known wait (the event loop's select, an idle executor or aiosqlite thread) are
left out; a sample inside a greenlet does not show the coroutine that awaited it.
"""

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import sys
from collections import Counter
from pathlib import Path

from bench.cache import BACKENDS, Cache
from bench.dataset import SIZES
from bench.harness import Processes, processes
from bench.load import Driver, Sample, percentile
from bench.presses import PRESS_KEYS, kestrel_presses
from tests.support.processes import child_env

# py-spy names a file by its package's path: "(sqlalchemy/orm/loading.py:120)", "(core/...)" for
# botbuilder.core (a namespace package), "(storage/incidents.py:40)" for Kestrel's own.
SELF = (  # (what the sampled function's file starts with, the package it counts in)
    ("(sqlalchemy/orm/", "SQLAlchemy ORM"),
    ("(sqlalchemy/", "SQLAlchemy core"),
    ("(greenlet/", "SQLAlchemy core"),
    ("(asyncpg/", "driver"),
    ("(aiosqlite/", "driver"),
    ("(sqlite3/", "driver"),
    ("(core/", "botbuilder + msrest"),
    ("(integration/", "botbuilder + msrest"),
    ("(schema/", "botbuilder + msrest"),
    ("(connector/", "botbuilder + msrest"),
    ("(msrest/", "botbuilder + msrest"),
    ("(isodate/", "botbuilder + msrest"),
    ("(requests/", "botbuilder + msrest"),
    ("(urllib3/", "botbuilder + msrest"),
    ("(http/", "botbuilder + msrest"),
    ("(aiohttp/", "aiohttp"),
    ("(multidict/", "aiohttp"),
    ("(yarl/", "aiohttp"),
    ("(json/", "json"),
    ("(cryptography/", "cryptography"),
    ("(cards/", "Kestrel cards"),
    ("(safeguarding/", "Kestrel domain + services"),
    ("(storage/", "Kestrel storage"),
    ("(bot/", "Kestrel bot"),
    ("(bench/", "bench counters"),
    ("(asyncio/", "asyncio"),
    ("(selectors.py", "asyncio"),
    ("(logging/", "logging"),
    ("(dataclasses.py", "dataclasses"),
    ("(<string>", "dataclasses"),
)
INSIDE = (  # (a frame the sample is inside of, what it was doing)
    ("(sqlalchemy/orm/loading.py", "ORM objects from rows"),
    ("(sqlalchemy/", "SQLAlchemy (all)"),
    ("(msrest/", "msrest (de)serialising"),
    ("(cards/", "building cards"),
    ("(json/encoder.py", "JSON encoding"),
    ("(json/decoder.py", "JSON decoding"),
    ("(storage/encryption.py", "decrypting"),
    ("(safeguarding/access.py", "access decisions"),
    ("(logging/", "logging"),
)
IDLE = (  # a sample whose own function is one of these is a thread waiting, not working
    "EpollSelector.select (selectors.py",
    "_worker (concurrent/futures/thread.py",
    "_connection_worker_thread (aiosqlite/core.py:59)",
    "Condition.wait (threading.py",
)


def package(frame: str) -> str:
    return next((name for part, name in SELF if part in frame), "other")


def thread_of(frames: list[str]) -> str:
    if "MainThread" in frames[0]:
        return "event loop's"
    return "SQLite's" if "_connection_worker_thread" in frames[0] else "others"


def read_samples(path: Path) -> list[tuple[list[str], int]]:
    """py-spy's raw (collapsed) stacks, waits left out: frames root first, how many samples."""
    samples = []
    for line in path.read_text(encoding="utf-8").splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if stack and count.isdigit() and not frames[-1].startswith(IDLE):
            samples.append((frames, int(count)))
    return samples


def cpu_shares(samples: list[tuple[list[str], int]]) -> list[str]:
    """Where the sampled CPU went: by thread, by the sampled function's package, and inside."""
    total = sum(count for _, count in samples) or 1
    threads, own, inside = Counter(), Counter(), Counter()
    for frames, count in samples:
        stack = ";".join(frames)
        threads[thread_of(frames)] += count
        own[package(frames[-1])] += count
        for what in {name for part, name in INSIDE if part in stack}:
            inside[what] += count

    def shares(counter: Counter) -> str:
        return ", ".join(f"{k} {v / total:.0%}" for k, v in counter.most_common())

    return [
        f"- Python samples ({total:,}) by thread: {shares(threads)}",
        f"- by the sampled function's package: {shares(own)}",
        f"- inside: {shares(inside)}",
    ]


async def spell(server, driver: Driver, folder: Path, concurrency: int, seconds: float):
    """Count and sample `seconds` of requests at `concurrency`; (counters, samples, sample)."""
    number = len(await asyncio.to_thread(lambda: list(folder.glob("*.json")))) + 1
    stacks = folder / f"{number}-{driver.press.key}-c{concurrency}.txt"
    spy = await asyncio.create_subprocess_exec(
        *_py_spy(server.process.pid, seconds, stacks),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    os.kill(server.process.pid, signal.SIGUSR1)
    sample = await driver.sample(concurrency, seconds)
    os.kill(server.process.pid, signal.SIGUSR2)
    await spy.wait()
    written = folder / f"{number}.json"
    for _ in range(600):
        if await asyncio.to_thread(written.exists):
            break
        await asyncio.sleep(0.1)
    counters = json.loads(await asyncio.to_thread(written.read_text, encoding="utf-8"))
    samples = read_samples(stacks) if stacks.exists() else []
    return counters, samples, sample


def py_spy() -> str | None:
    """py-spy beside this Python (the `bench` extra), or on the PATH."""
    return shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")


def _py_spy(pid: int, seconds: float, out: Path) -> list[str]:
    found = py_spy() or "py-spy"
    duration = str(max(1, round(seconds)))
    return [found, "record", "--pid", str(pid), "--duration", duration, "--rate", "200"] + [
        "--format",
        "raw",
        "--threads",
        "--output",
        str(out),
    ]


def describe(key: str, concurrency: int, counters: dict, samples, sample: Sample) -> list[str]:
    """The press type's costs, per request."""
    n = len(sample.latencies)
    lines = [
        f"### {key} at c{concurrency}: {n} requests, {sample.per_second:.1f}/s, "
        f"p50 {sample.p50:.1f} ms, p99 {sample.p99:.1f} ms, worst {sample.worst:.0f} ms",
        f"- server CPU {counters['cpu_seconds'] / n * 1000:.1f} ms a request "
        f"({counters['loop_cpu_seconds'] / n * 1000:.1f} ms on the event loop's thread); "
        f"{counters['statements'] / n:.1f} statements, {counters['rows'] / n:,.0f} rows, "
        f"{counters['bytes'] / n / 1024:,.1f} KB read, database time "
        f"{counters['db_seconds'] / n * 1000:.1f} ms a request",
        "- ORM objects a request: "
        + (", ".join(f"{k} {v / n:,.1f}" for k, v in counters["loaded"].items()) or "none"),
        *cpu_shares(samples),
        *_waits(counters),
        "- costliest statements (a request: count x ms, rows, KB):",
    ]
    for head, count, seconds, rows, size in counters["top_statements"][:6]:
        lines.append(
            f"  - {count / n:.1f} x {seconds / count * 1000:.2f} ms, {rows / n:,.0f} rows, "
            f"{size / n / 1024:,.1f} KB: `{head}`"
        )
    return lines


def _waits(counters: dict) -> list[str]:
    waits = [w * 1000 for w in counters["waits"]]
    if not waits or max(waits) < 1:
        return []
    return [
        f"- waits for a pooled connection: {len(waits)} checkouts, median "
        f"{statistics.median(waits):.1f} ms, p99 {percentile(waits, 99):.0f} ms, longest "
        f"{max(waits):.0f} ms; {sum(1 for w in waits if w > 1)} waited; overtaken by later "
        f"arrivals, the most: {counters['overtaken'][:5]}"
    ]


async def profile_backend(args, cache: Cache, backend: str, running: Processes) -> list[str]:
    dataset = await cache.ensure(SIZES[args.size], backend)
    connector = await running.start("connector", child_env(), _module("baselines", "connector"))
    folder = cache.root / "profile" / backend
    folder.mkdir(parents=True, exist_ok=True)
    for old in await asyncio.to_thread(lambda: list(folder.iterdir())):
        old.unlink()
    lines = [f"## {backend}, {args.size} size"]
    async with cache.working_copy(dataset) as url:
        env = child_env(
            DATABASE_URL=url,
            KESTREL_ENCRYPTION_KEYS=dataset.keys,
            KESTREL_DATA_DIR=str(running.folder / "kestrel"),
            BENCH_PROFILE_DIR=str(folder),
        )
        server = await running.start(f"kestrel-{backend}", env, _module("profiled"))
        for press in kestrel_presses(dataset.facts, connector.url):
            if press.key not in args.presses:
                continue
            driver = Driver(f"{server.url}/api/messages", press)
            await driver.once()
            await driver.sample(8, 1.0)
            for concurrency in (1, 8) if press.key in args.c8 else (1,):
                found = await spell(server, driver, folder, concurrency, args.seconds)
                lines += ["", *describe(press.key, concurrency, *found)]
        running.stop(server)
    running.stop(connector)
    return lines


def _module(name: str, *arguments: str) -> list[str]:
    return [sys.executable, "-m", f"bench.{name}", *arguments]


async def main(args: argparse.Namespace) -> None:
    cache = Cache(args.cache)
    for backend in args.backends:
        async with processes(cache.root / "processes") as running:
            lines = await profile_backend(args, cache, backend, running)
        text = "\n".join(lines)
        print(text, flush=True)
        (cache.root / "profile" / f"{backend}.md").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    keys = list(PRESS_KEYS)
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="school")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--presses", nargs="+", choices=keys, default=keys)
    parser.add_argument("--c8", nargs="*", choices=keys, default=["chronology"])
    parser.add_argument("--seconds", type=float, default=10.0, help="profiled, per press type")
    parser.add_argument("--cache", type=Path, default=Path("data/bench"))
    arguments = parser.parse_args()
    if py_spy() is None:
        parser.error("py-spy is needed: .venv/bin/pip install -e '.[bench]'")
    asyncio.run(main(arguments))
