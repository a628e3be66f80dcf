"""SQLite on the event loop's thread (storage/sqlite_inline.py) keeps what aiosqlite's thread
gave: a lock held by another connection is waited for off the loop, a long run of statements
lets other coroutines in, and a lock held too long fails the statement after the timeout."""

import asyncio
import sqlite3
import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage.database import Timeouts, create_engine


@pytest.fixture
def sqlite_file(tmp_path):
    path = tmp_path / "inline.db"
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    setup.commit()
    setup.close()
    return path


class Ticker:
    """Counts the event loop's turns: a coroutine that sleeps 1 ms at a time."""

    def __init__(self) -> None:
        self.ticks = 0
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(0.001)
            self.ticks += 1

    def __enter__(self) -> "Ticker":
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


def hold_write_lock(path, seconds: float) -> threading.Thread:
    """Another connection takes the write lock now and commits after `seconds`."""
    other = sqlite3.connect(path, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO notes (body) VALUES ('theirs')")

    def release() -> None:
        time.sleep(seconds)
        other.commit()
        other.close()

    thread = threading.Thread(target=release)
    thread.start()
    return thread


async def test_a_write_that_meets_another_connections_lock_waits_for_it_off_the_loop(
    sqlite_file,
):
    engine = create_engine(f"sqlite:///{sqlite_file}")
    holder = hold_write_lock(sqlite_file, 0.4)
    try:
        with Ticker() as ticker:
            started = time.monotonic()
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO notes (body) VALUES ('ours')"))
            waited = time.monotonic() - started
            ticks = ticker.ticks
        async with engine.connect() as connection:
            bodies = (await connection.execute(text("SELECT body FROM notes ORDER BY id"))).all()
    finally:
        holder.join()
        await engine.dispose()
    assert [b for (b,) in bodies] == ["theirs", "ours"]
    assert waited >= 0.3
    # The loop kept turning while the write waited (1 ms sleeps: well over 50 in 0.3 s).
    assert ticks >= 50, ticks


async def test_a_lock_held_past_the_timeout_fails_the_statement_after_the_timeout(sqlite_file):
    engine = create_engine(f"sqlite:///{sqlite_file}", Timeouts(statement=0.3))
    holder = hold_write_lock(sqlite_file, 1.5)
    try:
        with Ticker() as ticker:
            started = time.monotonic()
            with pytest.raises(OperationalError, match="database is locked"):
                async with engine.begin() as connection:
                    await connection.execute(text("INSERT INTO notes (body) VALUES ('ours')"))
            waited = time.monotonic() - started
            ticks = ticker.ticks
    finally:
        holder.join()
        await engine.dispose()
    assert 0.25 <= waited < 1.4
    assert ticks >= 50, ticks


async def test_a_long_run_of_statements_lets_other_coroutines_in(sqlite_file):
    engine = create_engine(f"sqlite:///{sqlite_file}")
    try:
        with Ticker() as ticker:
            async with engine.begin() as connection:
                started = time.monotonic()
                for number in range(3000):
                    await connection.execute(
                        text("INSERT INTO notes (body) VALUES (:body)"), {"body": f"n{number}"}
                    )
                took = time.monotonic() - started
            ticks = ticker.ticks
        async with engine.connect() as connection:
            count = (await connection.execute(text("SELECT count(*) FROM notes"))).scalar_one()
    finally:
        await engine.dispose()
    assert count == 3000
    # Statements run on the loop's thread, and after 5 ms in a row the loop gets a turn: the
    # ticker runs about once per 5 ms (without the turns it would not run at all until the end).
    assert ticks >= took / 0.005 / 4, (ticks, took)
