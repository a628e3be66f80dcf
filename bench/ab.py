"""`python -m bench.ab OTHER_TREE`: this checkout's server and another checkout's (a git worktree
of an earlier commit, say) served side by side on copies of the same dataset, and measured in
turn, press by press, in short spells that alternate which goes first: a change in the machine's
load (these machines are shared) falls on both alike. Per press: requests per second at
concurrency 1 and p50 (medians over the rounds), and the server's CPU per request (from
/proc/<pid>/stat, the server process's own time: what other processes do changes it least).
Every answer is checked, as `python -m bench` checks them.

    git worktree add /tmp/before <commit>
    .venv/bin/python -m bench.ab /tmp/before --presses open dashboard --rounds 6
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench.cache import BACKENDS, Cache
from bench.dataset import SIZES
from bench.harness import baseline, kestrel, processes
from bench.load import Driver
from bench.presses import PRESS_KEYS, kestrel_presses

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """The process's user and system CPU time so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15)


@dataclass
class Side:
    """One server's spells of one press: requests per second, p50 (ms), CPU ms a request."""

    per_second: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def median(self, name: str) -> float:
        return statistics.median(getattr(self, name))


async def spell(driver: Driver, pid: int, seconds: float, side: Side) -> None:
    before = cpu_seconds(pid)
    sample = await driver.sample(1, seconds)
    used = cpu_seconds(pid) - before
    side.per_second.append(sample.per_second)
    side.p50.append(sample.p50)
    side.cpu_ms.append(1000 * used / max(1, len(sample.latencies)))
    side.problems += sample.problems


def other_env(tree: Path) -> dict[str, str]:
    """What `kestrel` needs to run the other checkout's code (its modules first)."""
    return {"PYTHONPATH": str(tree)}


async def measure(args: argparse.Namespace, cache: Cache, backend: str) -> dict[str, dict]:
    full = await cache.ensure(SIZES[args.size], backend, print)
    results: dict[str, dict[str, Side]] = {}
    async with processes(cache.root / "processes-ab") as running:
        connector = (await baseline(running, "connector")).url
        presses = [p for p in kestrel_presses(full.facts, connector) if p.key in args.presses]
        async with cache.working_copy(full) as this_url, cache.working_copy(full) as other_url:
            this = await kestrel(running, f"ab-this-{backend}", this_url, full)
            other = await kestrel(
                running, f"ab-other-{backend}", other_url, full, other_env(args.other)
            )
            servers = {"this": this.process, "other": other.process}
            urls = {"this": this.url, "other": other.url}
            # One driver per press and server for the whole run: its request numbers (a
            # record's form key) never repeat.
            drivers = {
                (press.key, name): Driver(f"{url}/api/messages", press)
                for press in presses
                for name, url in urls.items()
            }
            for press in presses:
                results[press.key] = {name: Side() for name in servers}
                for name in urls:  # not measured: first answers, warm-up
                    await drivers[press.key, name].once()
                    await drivers[press.key, name].sample(1, args.warm_up)
            for number in range(args.rounds):
                # Which goes first alternates from round to round.
                names = ["this", "other"] if number % 2 else ["other", "this"]
                for press in presses:
                    for name in names:
                        side = results[press.key][name]
                        await spell(drivers[press.key, name], servers[name].pid, args.seconds, side)
                        running.check()
                print(f"  {backend}: round {number + 1}/{args.rounds} done", flush=True)
    return results


def table(backend: str, results: dict[str, dict[str, Side]], other: Path) -> str:
    lines = [
        f"**{backend}** (this checkout against {other}; medians of the rounds, c1)",
        "",
        "| press | req/s this | req/s other | this / other | p50 ms this | p50 ms other "
        "| CPU ms a request this | other | this / other |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, sides in results.items():
        this, other_side = sides["this"], sides["other"]
        lines.append(
            f"| {key} | {this.median('per_second'):.0f} | {other_side.median('per_second'):.0f} "
            f"| {this.median('per_second') / other_side.median('per_second'):.2f}x "
            f"| {this.median('p50'):.2f} | {other_side.median('p50'):.2f} "
            f"| {this.median('cpu_ms'):.2f} | {other_side.median('cpu_ms'):.2f} "
            f"| {this.median('cpu_ms') / other_side.median('cpu_ms'):.2f}x |"
        )
    return "\n".join(lines)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ab", description=__doc__)
    parser.add_argument("other", type=Path, help="the other checkout (a git worktree)")
    parser.add_argument("--size", choices=sorted(SIZES), default="school")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--presses", nargs="+", choices=PRESS_KEYS, default=list(PRESS_KEYS))
    parser.add_argument("--seconds", type=float, default=2.0, help="a spell")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--warm-up", type=float, default=1.0)
    parser.add_argument("--cache", type=Path, default=Path("data/bench"))
    parser.add_argument("--json", type=Path, help="the medians, written here too")
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> int:
    args.other = args.other.resolve()
    if not (args.other / "bot" / "cli.py").is_file():
        print(f"{args.other} is not a Kestrel checkout", file=sys.stderr)
        return 2
    cache = Cache(args.cache)
    wrong, medians = [], {}
    for backend in args.backends:
        results = await measure(args, cache, backend)
        print("\n" + table(backend, results, args.other) + "\n", flush=True)
        wrong += [p for sides in results.values() for s in sides.values() for p in s.problems]
        medians[backend] = {
            key: {
                name: {m: side.median(m) for m in ("per_second", "p50", "cpu_ms")}
                for name, side in sides.items()
            }
            for key, sides in results.items()
        }
    if args.json:
        args.json.write_text(json.dumps({"other": str(args.other), "medians": medians}, indent=1))
    for problem in wrong[:10]:
        print(f"WRONG ANSWER: {problem}", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(arguments())))
