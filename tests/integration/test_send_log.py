"""Teams' rate limits kept through the database: every sender process shares the windows."""

import asyncio
import time

import pytest
from sqlalchemy import func, insert, select

from bot.rates import MARGIN, SendLimits, Windows, wait
from storage.database import create_engine
from storage.models import SendRow
from storage.sends import SqlSendLog
from tests.support.windows import most_in_any


async def sent_at(engine, conversation: str | None = None) -> list[float]:
    query = select(SendRow.sent_at).order_by(SendRow.sent_at)
    if conversation is not None:
        query = query.where(SendRow.conversation_id == conversation)
    async with engine.connect() as connection:
        return list(await connection.scalars(query))


async def send_all(limits: SendLimits, conversations: list[str]) -> None:
    for conversation in conversations:
        await limits.wait_for(conversation)


async def test_a_full_window_answers_how_long_to_wait_and_records_nothing(engine):
    log = SqlSendLog(engine, wait)
    windows = Windows(per_second=50)
    for _ in range(7):
        assert await log.reserve("a:chat", windows) == 0
    delay = await log.reserve("a:chat", windows)
    assert 0 < delay <= 1.0 + MARGIN
    assert await log.reserve("a:other", windows) == 0
    assert len(await sent_at(engine, "a:chat")) == 7


async def test_the_hour_s_1800_are_counted_from_the_database(engine):
    now = time.time()
    # 1,800 sends spread over the last 50 minutes (no shorter window is full)
    rows = [dict(conversation_id="a:busy", sent_at=now - 3000 + n * 1.6) for n in range(1800)]
    async with engine.begin() as connection:
        await connection.execute(insert(SendRow), rows)
    delay = await SqlSendLog(engine, wait).reserve("a:busy", Windows())
    assert 590 <= delay <= 610  # the oldest leaves the hour in about ten minutes


async def test_sends_older_than_every_window_are_cleared(engine):
    async with engine.begin() as connection:
        await connection.execute(
            insert(SendRow), [dict(conversation_id="a:old", sent_at=time.time() - 7200)]
        )
    await SqlSendLog(engine, wait).reserve("a:new", Windows())
    assert await sent_at(engine, "a:old") == []


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite serves one process only
async def test_two_processes_share_each_conversation_s_windows_and_the_app_rate(
    migrated_postgres_url, engine
):
    """Two senders with engines of their own (as two processes have) on one PostgreSQL."""
    other = create_engine(migrated_postgres_url)
    try:
        first = SendLimits(SqlSendLog(engine, wait), per_second=6)
        second = SendLimits(SqlSendLog(other, wait), per_second=6)
        started = time.monotonic()
        await asyncio.gather(
            send_all(first, ["a:shared"] * 6 + [f"a:one-{n}" for n in range(4)]),
            send_all(second, ["a:shared"] * 6 + [f"a:two-{n}" for n in range(4)]),
        )
        took = time.monotonic() - started
    finally:
        await other.dispose()
    shared = await sent_at(engine, "a:shared")
    assert len(shared) == 12
    assert most_in_any(shared, 1.0) <= 7 and most_in_any(shared, 2.0) <= 8
    everything = await sent_at(engine)
    assert len(everything) == 20 and most_in_any(everything, 1.0) <= 6
    assert took >= 2.0  # 12 to one conversation: 8 in the first 2 s, the rest after
    async with engine.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(SendRow)) == 20
