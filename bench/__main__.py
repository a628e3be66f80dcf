"""`python -m bench`: Kestrel served for real, on SQLite and PostgreSQL, beside the HTTP floor and
the stock botbuilder peer, on a school (or trust) grown to size; one table, JSON, and with --docs
the latest table in docs/benchmarks.md. The in-process benches keep their own commands
(`python -m bench.casework` and the others: bench/README.md)."""

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench.cache import BACKENDS, Cache
from bench.dataset import SIZES
from bench.harness import Plan, load_average, run
from bench.presses import PRESS_KEYS
from bench.report import as_json, report, run_facts, write_docs, write_json


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="school")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--seconds", type=float, default=5.0, help="per type and concurrency")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warm-up", type=float, default=1.0, help="seconds, per request type")
    parser.add_argument("--no-growth", action="store_true", help="skip the 10%% dataset")
    parser.add_argument("--cache", type=Path, default=Path("data/bench"), help="datasets kept")
    parser.add_argument("--json", type=Path, help="default: <cache>/latest.json")
    parser.add_argument("--presses", nargs="+", choices=PRESS_KEYS, default=[], help="default: all")
    parser.add_argument("--docs", action="store_true", help="write the table to the docs")
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> int:
    """Run, print the table, write the JSON (and the docs); 1 if any answer was wrong."""
    plan = Plan(
        SIZES[args.size],
        tuple(args.backends),
        args.seconds,
        args.rounds,
        args.warm_up,
        not args.no_growth,
        tuple(args.presses),
    )
    started, load_before = datetime.now(UTC), load_average()

    def log(line: str) -> None:
        elapsed = (datetime.now(UTC) - started).total_seconds()
        print(f"[{elapsed:6.1f} s] {line}", flush=True)

    runs = await run(plan, Cache(args.cache), log)
    facts = run_facts(started, load_before, load_average())
    text = report(plan, runs, facts)
    print(f"\n{text}")
    write_json(as_json(plan, runs, facts), args.json or args.cache / "latest.json")
    if args.docs:
        write_docs(text)
    wrong = [p for r in runs for row in r.rows for p in row.problems]
    for problem in wrong[:10]:
        print(f"WRONG ANSWER: {problem}", file=sys.stderr)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(arguments())))
