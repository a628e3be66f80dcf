"""`python -m bench` on a tiny dataset, briefly: the real server on SQLite and PostgreSQL beside
both baselines, every row measured and every answer checked, so that the harness cannot rot.
(Its numbers mean nothing at this size and duration; nothing here is timed.)"""

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from bench.cache import Cache
from bench.databases import POSTGRES
from tests.support.processes import CHECKOUT, child_env

ROWS = ["floor", "peer", "search", "open", "dashboard", "chronology", "record", "help"]


def test_the_bench_measures_every_press_on_both_databases_and_checks_every_answer(
    tmp_path: Path,
):
    cache, out = tmp_path / "bench", tmp_path / "latest.json"
    command = [sys.executable, "-m", "bench", "--size", "tiny", "--seconds", "0.1"]
    command += ["--rounds", "1", "--warm-up", "0.05", "--cache", str(cache), "--json", str(out)]
    env = child_env(KESTREL_TEST_POSTGRES_URL=POSTGRES)  # child_env drops KESTREL_ names
    try:
        done = subprocess.run(
            command, cwd=CHECKOUT, env=env, capture_output=True, text=True, timeout=300
        )
    finally:
        asyncio.run(Cache(cache).drop())
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(result["backends"]) == ["postgresql", "sqlite"]
    for backend, measured in result["backends"].items():
        assert [row["key"] for row in measured["rows"]] == ROWS, backend
        for row in measured["rows"]:
            assert row["c1"]["per_second"] > 0 and row["c8"]["per_second"] > 0, row
            assert row["checked"] >= row["c1"]["requests"] + row["c8"]["requests"] > 0, row
            assert row["wrong"] == 0, row["problems"]
            assert (row["growth"] is None) == (row["key"] in ("floor", "peer")), row
        assert measured["connector"]["greetings"] == measured["rows"][-1]["checked"]
        assert 50 < measured["memory_mb"]["resident"] <= measured["memory_mb"]["peak"]
        assert f"**{backend}**: 120 pupils, 600 incidents" in done.stdout
    for title in (row["title"] for row in result["backends"]["sqlite"]["rows"]):
        assert done.stdout.count(f"| {title} |") == 2, title


def test_the_side_by_side_bench_measures_two_checkouts_and_checks_every_answer(tmp_path: Path):
    """`python -m bench.ab` (another checkout beside this one: here this one twice), briefly."""
    cache, out = tmp_path / "bench", tmp_path / "ab.json"
    command = [sys.executable, "-m", "bench.ab", str(CHECKOUT), "--size", "tiny"]
    command += ["--backends", "sqlite", "--presses", "open", "record", "--seconds", "0.1"]
    command += ["--rounds", "2", "--warm-up", "0.05", "--cache", str(cache), "--json", str(out)]
    try:
        done = subprocess.run(
            command, cwd=CHECKOUT, env=child_env(), capture_output=True, text=True, timeout=300
        )
    finally:
        asyncio.run(Cache(cache).drop())
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    medians = json.loads(out.read_text(encoding="utf-8"))["medians"]["sqlite"]
    assert sorted(medians) == ["open", "record"]
    for sides in medians.values():
        assert sorted(sides) == ["other", "this"]
        for measured in sides.values():
            assert measured["per_second"] > 0 and measured["p50"] > 0 and measured["cpu_ms"] > 0
    assert done.stdout.count("| open |") == done.stdout.count("| record |") == 1
