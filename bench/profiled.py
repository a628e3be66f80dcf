"""`python -m bench.profiled`: `kestrel serve --local`, instrumented for bench/profile.py.

Between SIGUSR1 and SIGUSR2 it counts, at the engine and the ORM: statements, their time, the
rows and bytes they return, ORM objects built, the process's CPU (and the event loop thread's),
and the waits for a pooled connection (with how often a waiting request was overtaken by a
later one). SIGUSR2 writes <BENCH_PROFILE_DIR>/<n>.json. Nothing of Kestrel changes: the
counters listen to SQLAlchemy's events and time the pool's own _do_get. (CPU by function comes
from py-spy, sampling from outside: cProfile misreads SQLAlchemy's greenlet switches.)
"""

import itertools
import json
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from bot.cli import main
from storage.models.base import Base

OUT = Path(os.environ.get("BENCH_PROFILE_DIR", "."))


class Window:
    """What happened between the two signals."""

    def __init__(self) -> None:
        self.statements = self.rows = self.bytes = 0
        self.db_seconds = 0.0
        self.by_statement: dict[str, list[float]] = {}
        self.loaded: Counter[str] = Counter()
        self.waits: list[float] = []
        self.overtaken: Counter[int] = Counter()
        self.cpu = (time.process_time(), time.thread_time())

    def summary(self) -> dict:
        cpu, loop_cpu = time.process_time() - self.cpu[0], time.thread_time() - self.cpu[1]
        heads = sorted(self.by_statement.items(), key=lambda kv: -kv[1][1])[:12]
        return {
            "statements": self.statements,
            "rows": self.rows,
            "bytes": self.bytes,
            "db_seconds": self.db_seconds,
            "top_statements": [[head, *numbers] for head, numbers in heads],
            "loaded": dict(self.loaded.most_common()),
            "waits": sorted(self.waits),
            "overtaken": sorted(self.overtaken.values(), reverse=True)[:20],
            "cpu_seconds": cpu,
            "loop_cpu_seconds": loop_cpu,
        }


WINDOW: Window | None = None
ARRIVALS = itertools.count()
WAITING: set[int] = set()
NUMBER = itertools.count(1)


def _size(value: object) -> int:
    return len(value) if isinstance(value, str | bytes) else 8


@event.listens_for(Engine, "before_cursor_execute")
def _before(conn, cursor, statement, parameters, context, executemany) -> None:
    conn.info["bench_started"] = time.perf_counter()


@event.listens_for(Engine, "after_cursor_execute")
def _after(conn, cursor, statement, parameters, context, executemany) -> None:
    if WINDOW is None:
        return
    seconds = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
    rows = list(getattr(cursor, "_rows", None) or ())  # what the adapted cursor fetched
    size = sum(_size(v) for row in rows for v in row)
    WINDOW.statements += 1
    WINDOW.db_seconds += seconds
    WINDOW.rows, WINDOW.bytes = WINDOW.rows + len(rows), WINDOW.bytes + size
    head = " ".join(statement.split())[:90]
    numbers = WINDOW.by_statement.setdefault(head, [0, 0.0, 0, 0])
    numbers[0], numbers[1] = numbers[0] + 1, numbers[1] + seconds
    numbers[2], numbers[3] = numbers[2] + len(rows), numbers[3] + size


@event.listens_for(Base, "load", propagate=True)
def _loaded(target, context) -> None:
    if WINDOW is not None:
        WINDOW.loaded[type(target).__name__] += 1


_do_get = AsyncAdaptedQueuePool._do_get


def _timed_do_get(self):
    """The pool's own checkout, timed; a request granted the connection while earlier ones
    still wait has overtaken each of them."""
    ticket, start = next(ARRIVALS), time.perf_counter()
    WAITING.add(ticket)
    try:
        return _do_get(self)
    finally:
        WAITING.discard(ticket)
        if WINDOW is not None:
            WINDOW.waits.append(time.perf_counter() - start)
            for earlier in [w for w in WAITING if w < ticket]:
                WINDOW.overtaken[earlier] += 1


def _start(*_: object) -> None:
    global WINDOW
    WINDOW = Window()


def _stop(*_: object) -> None:
    global WINDOW
    if WINDOW is None:
        return
    window, WINDOW = WINDOW, None
    number = next(NUMBER)
    summary = window.summary()
    (OUT / f"{number}.json.part").write_text(json.dumps(summary), encoding="utf-8")
    (OUT / f"{number}.json.part").rename(OUT / f"{number}.json")


if __name__ == "__main__":
    AsyncAdaptedQueuePool._do_get = _timed_do_get
    signal.signal(signal.SIGUSR1, _start)
    signal.signal(signal.SIGUSR2, _stop)
    sys.exit(main(["serve", "--local"]))
