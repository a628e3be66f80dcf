"""The run's numbers: one table per database (printed, and kept in docs/benchmarks.md) and JSON."""

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.harness import BackendRun, Plan, Row

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
START, END = "<!-- bench:latest:start -->", "<!-- bench:latest:end -->"
HEADER = (
    "| request | req/s c1 | req/s c8 | p50 ms | p99 ms | c8 p50 | c8 p99 | c8 worst/p50 "
    "| x peer c1 / c8 | p50 x floor | p99 x floor | growth |"
)


def _rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _ms(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:,.0f}"


def _times(value: float) -> str:
    return f"{value:.2f}x" if value < 10 else f"{value:.0f}x"


def table(run: BackendRun) -> list[str]:
    """The database's table: throughput, latency, the ratios to the baselines, growth."""
    floor, peer = (row.summary(1) for row in run.rows[:2])
    peer8 = run.rows[1].summary(8)
    lines = [HEADER, "|" + "---|" * (HEADER.count("|") - 1)]
    for row in run.rows:
        c1, c8 = row.summary(1), row.summary(8)
        lines.append(
            f"| {row.title} | {_rate(c1['per_second'])} | {_rate(c8['per_second'])} "
            f"| {_ms(c1['p50'])} | {_ms(c1['p99'])} | {_ms(c8['p50'])} | {_ms(c8['p99'])} "
            f"| {_times(c8['worst'] / c8['p50'])} "
            f"| {_times(c1['per_second'] / peer['per_second'])} / "
            f"{_times(c8['per_second'] / peer8['per_second'])} "
            f"| {_times(c1['p50'] / floor['p50'])} | {_times(c1['p99'] / floor['p99'])} "
            f"| {_times(row.growth) if row.growth else '-'} |"
        )
    return lines


def report(plan: Plan, runs: list[BackendRun], facts: dict[str, Any]) -> str:
    """Markdown: what ran where, then each database's table with its memory and checks."""
    out = [
        f"{facts['date']} on {facts['cores']} cores (load average {facts['load_before']} "
        f"before, {facts['load_after']} after); {plan.size.name} size, {plan.rounds} rounds of "
        f"{plan.seconds:g} s per request type and concurrency (medians of the rounds), "
        f"{facts['minutes']:.1f} minutes in all.",
    ]
    for run in runs:
        size = run.dataset.size
        out += [
            "",
            f"**{run.backend}**: {size.pupils:,} pupils, {size.incidents:,} incidents, "
            f"{size.actions:,} actions, {size.incidents + size.unread:,} alerts "
            f"({size.unread:,} unread for the DSL), {size.audit:,} audit events; server "
            f"resident memory {run.memory['resident']:.0f} MB (peak {run.memory['peak']:.0f} "
            f"MB); {sum(r.checked for r in run.rows):,} answers checked, "
            f"{sum(len(r.problems) for r in run.rows)} wrong.",
            "",
            *table(run),
        ]
    return "\n".join(out)


def as_json(plan: Plan, runs: list[BackendRun], facts: dict[str, Any]) -> dict[str, Any]:
    """Every number of the run, by database and request type."""
    return {
        **facts,
        "size": plan.size.name,
        "seconds": plan.seconds,
        "rounds": plan.rounds,
        "backends": {run.backend: _backend(run) for run in runs},
    }


def _backend(run: BackendRun) -> dict[str, Any]:
    return {
        "dataset": {**vars(run.dataset.size), "built_seconds": run.dataset.built_seconds},
        "memory_mb": run.memory,
        "connector": run.checks,
        "rows": [_row(row) for row in run.rows],
    }


def _row(row: Row) -> dict[str, Any]:
    return {
        "key": row.key,
        "title": row.title,
        "c1": row.summary(1),
        "c8": row.summary(8),
        "rounds": {c: [s.per_second for s in row.samples[c]] for c in (1, 8)},
        "growth": row.growth,
        "checked": row.checked,
        "problems": row.problems[:20],
        "wrong": len(row.problems),
    }


def run_facts(started: datetime, load_before: list[float], load_after: list[float]) -> dict:
    """When and where the run was, and how long it took."""
    return {
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "load_before": load_before,
        "load_after": load_after,
        "minutes": (datetime.now(UTC) - started).total_seconds() / 60,
    }


def write_json(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def write_docs(text: str, path: Path = DOCS) -> None:
    """Replace the latest table in docs/benchmarks.md (the rest of the page stays)."""
    page = path.read_text(encoding="utf-8")
    section = f"{START}\n{text}\n{END}"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    path.write_text(pattern.sub(lambda _: section, page), encoding="utf-8")
