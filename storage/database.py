"""Engines for SQLite (embedded default) and PostgreSQL (production), from one URL."""

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage import sqlite_inline
from storage.fair_pool import FairPool

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def async_url(database_url: str) -> URL:
    """The URL with the async driver Kestrel uses for its backend (sqlite:// -> aiosqlite)."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
    return url.set(drivername=_ASYNC_DRIVERS[backend])


def redacted(database_url: str) -> str:
    """The URL as it may appear in logs: no password."""
    return make_url(database_url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class Timeouts:
    """How long to wait on the database, in seconds: to connect, for one statement (None: no
    limit, for maintenance commands such as migrations) and for a connection from the pool."""

    connect: float = 5.0
    statement: float | None = 5.0
    pool: float = 5.0


SERVING = Timeouts()
MAINTENANCE = Timeouts(statement=None, pool=30.0)
# A transaction left open by a client that vanished is ended by the server after this long.
IDLE_IN_TRANSACTION_MS = 60_000


def create_engine(database_url: str, timeouts: Timeouts = SERVING) -> AsyncEngine:
    """An async engine whose every wait is bounded; SQLite also gets foreign keys and WAL."""
    url = async_url(database_url)
    if url.get_backend_name() != "sqlite":
        engine = create_async_engine(
            url,
            poolclass=FairPool,  # first come, first served (storage/fair_pool.py)
            pool_timeout=timeouts.pool,
            connect_args=_postgres_arguments(timeouts),
            hide_parameters=True,
        )
        _ping_after_idle(engine)
        return engine
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    busy = timeouts.statement or 30.0
    # One connection per process: SQLite has one writer anyway, and a read transaction that later
    # writes would otherwise fail (SQLITE_BUSY) when another connection wrote in between.
    engine = create_async_engine(
        url,
        # sqlite3 on the loop's thread, waiting for locks off it (storage/sqlite_inline.py).
        connect_args={"timeout": busy, "async_creator_fn": sqlite_inline.connect},
        poolclass=FairPool,
        pool_size=1,
        max_overflow=0,
        pool_timeout=timeouts.pool,
        hide_parameters=True,  # database errors must not carry names or text into logs
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas())
    return engine


PING_AFTER_IDLE = 1.0  # seconds


def _ping_after_idle(engine: AsyncEngine) -> None:
    """A pooled PostgreSQL connection idle for `PING_AFTER_IDLE` seconds or more is pinged as
    it is handed out, and replaced if the server has closed it (restarted, failed over, or
    ended it as idle): the next press gets a live one. Not SQLAlchemy's `pool_pre_ping`, which
    pings at every checkout: a round trip on every press (about a tenth of opening an incident,
    measured through the bench). A connection handed back less than a second ago was just
    working; a server that closes it within that second fails the press it is in (its answer
    gives a reference and the press changed nothing), and the pool then drops the connection."""
    pool = engine.sync_engine.pool

    def checked_in(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi_connection, record, _proxy) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 - any failure: the pool connects afresh
            raise DisconnectionError("a pooled connection did not answer its ping") from error

    event.listen(pool, "checkin", checked_in)
    event.listen(pool, "checkout", checked_out)


# Statements each pooled PostgreSQL connection keeps prepared (SQLAlchemy's asyncpg dialect keeps
# 100 by default): one that has been dropped is prepared again, one more round trip. A walk of
# every verb runs about 150 distinct statements (tests/integration/test_one_transaction.py).
PREPARED_STATEMENTS = 1000


def _postgres_arguments(timeouts: Timeouts) -> dict:
    """asyncpg's: the server ends a statement that runs too long (statement_timeout), and the
    client stops waiting a second later, for a server that answers nothing at all; statements
    kept prepared."""
    arguments: dict = {
        "timeout": timeouts.connect,
        "prepared_statement_cache_size": PREPARED_STATEMENTS,
    }
    settings = {"idle_in_transaction_session_timeout": str(IDLE_IN_TRANSACTION_MS)}
    if timeouts.statement is not None:
        arguments["command_timeout"] = timeouts.statement + 1.0
        settings["statement_timeout"] = str(int(timeouts.statement * 1000))
    arguments["server_settings"] = settings
    return arguments


SQLITE_CACHE_KB = 64 * 1024


def _sqlite_pragmas():
    # The busy timeout is sqlite_inline's: it waits for a lock on a worker thread.
    def on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        # The one connection's page cache: SQLite's default of 2 MB is thrashed by a single
        # pupil's record (each incident row on its own page); 64 MB holds a school's working set.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
        cursor.close()

    return on_connect


async def ping(engine: AsyncEngine) -> None:
    """Raise unless the database answers a trivial query."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
