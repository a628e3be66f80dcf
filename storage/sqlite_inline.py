"""SQLite for SQLAlchemy's aiosqlite dialect, run on the event loop's own thread.

aiosqlite runs every call (cursor, execute, fetch, close, commit) on a thread of its own and
wakes the event loop with each answer: about 0.5 ms a call on these machines, 0.8-1 ms a
statement through SQLAlchemy, where sqlite3 itself takes 5 us for a lookup by key and SQLAlchemy
70 us (bench/README.md, issue 16). A press makes about twenty statements, so those hops were most
of its time. This module has aiosqlite's shape (what SQLAlchemy's adapter calls) and makes the
calls directly; `storage.database.create_engine` passes its `connect` as the dialect's
`async_creator_fn`.

What aiosqlite's thread gave for free is kept on purpose:
- **Waiting for a lock never blocks the loop.** The connection's own busy timeout is 0, so a
  statement that meets another process's write lock fails at once with SQLITE_BUSY (having done
  nothing); it is then run again on a worker thread with the configured busy timeout, as
  aiosqlite would have run it, while the loop serves other requests.
- **A long job still lets others in.** A coroutine whose awaits never suspend never gives the
  loop back: a call made `YIELD_AFTER` seconds or more after this connection last yielded
  yields once first (a roster import or a directory sync keeps the server answering meanwhile;
  a press after an idle spell yields once, on its first statement).
"""

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

YIELD_AFTER = 0.005  # seconds of statements in a row before the loop gets a turn
SQLITE_BUSY = 5  # the primary result code; extended codes (BUSY_SNAPSHOT...) share its low byte

T = TypeVar("T")


async def connect(
    database: str,
    *,
    timeout: float = 5.0,  # noqa: ASYNC109 - sqlite3.connect's argument, as SQLAlchemy passes it
    **options: Any,
) -> "Connection":
    """A sqlite3 connection at `database` that waits up to `timeout` seconds for another
    connection's lock, off the loop. `options` go to sqlite3.connect."""
    options.pop("check_same_thread", None)
    # Used from the loop's thread and, to wait for a lock, a worker thread: never both at once
    # (SQLAlchemy's pool hands the connection to one press, which awaits each call).
    connection = sqlite3.connect(database, timeout=0, check_same_thread=False, **options)
    return Connection(connection, timeout)


class Connection:
    """aiosqlite.Connection's surface that SQLAlchemy's aiosqlite adapter uses."""

    def __init__(self, connection: sqlite3.Connection, busy_timeout: float) -> None:
        self._connection: sqlite3.Connection | None = connection
        self._busy_ms = int(busy_timeout * 1000)
        self._paused_at = time.monotonic()
        self._tx = _Inline(self)  # the adapter's isolation_level setter queues a call here
        self._thread = _NoThread()  # the adapter marks aiosqlite's thread a daemon

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        """`call(*args)` now, or on a worker thread if it meets a lock (see the module)."""
        if time.monotonic() - self._paused_at > YIELD_AFTER:
            await asyncio.sleep(0)
            self._paused_at = time.monotonic()
        try:
            return call(*args)
        except sqlite3.OperationalError as error:
            if getattr(error, "sqlite_errorcode", 0) & 0xFF != SQLITE_BUSY or not self._busy_ms:
                raise
        result = await asyncio.to_thread(self._waiting, call, args)
        self._paused_at = time.monotonic()
        return result

    def _waiting(self, call: Callable[..., T], args: tuple) -> T:
        """On a worker thread: `call` with the busy timeout on, then off again."""
        connection = self._conn
        connection.execute(f"PRAGMA busy_timeout={self._busy_ms}")
        try:
            return call(*args)
        finally:
            connection.execute("PRAGMA busy_timeout=0")

    async def fetch_all(self, sql: str, parameters: Iterable[Any]) -> tuple[list, int]:
        """A statement's rows, every one, and its row count (storage/direct.py): one call."""
        return await self.run(self._fetch_all, sql, parameters)

    async def execute_many(self, sql: str, rows: Iterable[Iterable[Any]]) -> int:
        """A write once for each of `rows` (storage/direct.py); its row count."""
        # A list: a statement run again after a lock must not miss a row an iterator gave up.
        return (await self.run(self._conn.executemany, sql, list(rows))).rowcount

    def _fetch_all(self, sql: str, parameters: Iterable[Any]) -> tuple[list, int]:
        cursor = self._conn.execute(sql, parameters)
        try:
            return cursor.fetchall(), cursor.rowcount
        finally:
            cursor.close()

    def cursor(self) -> "Cursor":
        return Cursor(self, self._conn.cursor())

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> "Cursor":
        cursor = self.cursor()
        await cursor.execute(sql, parameters)
        return cursor

    async def commit(self) -> None:
        await self.run(self._conn.commit)

    async def rollback(self) -> None:
        await self.run(self._conn.rollback)

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Close now (SQLAlchemy's terminate); closing twice is harmless."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


class Cursor:
    """aiosqlite.Cursor's surface: every call that steps the statement goes through `run`."""

    __slots__ = ("_owner", "_cursor")

    def __init__(self, owner: Connection, cursor: sqlite3.Cursor) -> None:
        self._owner = owner
        self._cursor = cursor

    async def __aenter__(self) -> "Cursor":
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Iterable[Any] | None = None) -> "Cursor":
        await self._owner.run(self._cursor.execute, sql, () if parameters is None else parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> "Cursor":
        # A list: a statement run again after a lock must not miss a row an iterator gave up.
        await self._owner.run(self._cursor.executemany, sql, list(parameters))
        return self

    async def fetchone(self) -> Any:
        return await self._owner.run(self._cursor.fetchone)

    async def fetchmany(self, size: int | None = None) -> list:
        size = self._cursor.arraysize if size is None else size
        return await self._owner.run(self._cursor.fetchmany, size)

    async def fetchall(self) -> list:
        return await self._owner.run(self._cursor.fetchall)

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _Inline:
    """aiosqlite's call queue as SQLAlchemy uses it (`put_nowait((future, call))`): the call
    is made on the connection now and the future given its result."""

    def __init__(self, owner: Connection) -> None:
        self._owner = owner

    def put_nowait(self, item: tuple[asyncio.Future, Callable[[], Any]]) -> None:
        future, call = item
        try:
            future.set_result(call())
        except Exception as error:  # noqa: BLE001 - handed to whoever awaits the future
            future.set_exception(error)


class _NoThread:
    """Stands for aiosqlite's worker thread, which SQLAlchemy marks a daemon: there is none."""

    daemon = True
