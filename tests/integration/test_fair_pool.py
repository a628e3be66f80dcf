"""The connection pool hands connections out first come, first served (storage/fair_pool.py):
a press that asks while others wait joins the end of the line, and a waiter that gives up
(the pool timeout) leaves the line without losing the connection for the next."""

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import TimeoutError as PoolTimeout

from storage.database import Timeouts, create_engine


@pytest.fixture
async def one_connection(tmp_path):
    """SQLite's engine: one pooled connection, a short pool timeout."""
    engine = create_engine(f"sqlite:///{tmp_path / 'fair.db'}", Timeouts(pool=0.5))
    yield engine
    await engine.dispose()


async def test_a_returned_connection_goes_to_the_longest_waiter_not_to_a_later_asker(
    one_connection,
):
    order: list[str] = []
    holding = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with one_connection.connect() as connection:
            await connection.execute(text("SELECT 1"))
            order.append("first")
            holding.set()
            await release.wait()
        # Straight back for more without a pause: three others have waited longer.
        async with one_connection.connect() as connection:
            order.append("first again")

    async def waiter(name: str) -> None:
        async with one_connection.connect() as connection:
            await connection.execute(text("SELECT 1"))
            order.append(name)

    holder = asyncio.create_task(first())
    await holding.wait()
    waiters = []
    for name in ("one", "two", "three"):
        waiters.append(asyncio.create_task(waiter(name)))
        await asyncio.sleep(0.01)  # each is waiting before the next asks
    release.set()
    await asyncio.gather(holder, *waiters)
    assert order == ["first", "one", "two", "three", "first again"]


async def test_a_waiter_that_gives_up_leaves_the_line_and_the_next_one_is_served(
    one_connection,
):
    release = asyncio.Event()

    async def hold() -> None:
        async with one_connection.connect() as connection:
            await connection.execute(text("SELECT 1"))
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0.01)
    with pytest.raises(PoolTimeout):
        async with one_connection.connect():
            pass
    served = asyncio.create_task(one_connection.connect().__aenter__())
    await asyncio.sleep(0.01)
    release.set()
    await holder
    connection = await asyncio.wait_for(served, 1.0)
    assert (await connection.execute(text("SELECT 2"))).scalar_one() == 2
    await connection.close()
