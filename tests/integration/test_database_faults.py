"""Kestrel with PostgreSQL behind a loopback TCP proxy that resets, black-holes and cuts
mid-transaction: a press answers in time with everything typed, nothing is half-written, and
everything works again once the network heals."""

import asyncio
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from storage.database import PING_AFTER_IDLE, Timeouts, create_engine
from storage.models import AlertRow, AuditEventRow, IncidentRow, IncidentStudentRow
from tests.integration.test_http_failures import TYPED
from tests.integration.test_http_incidents import press
from tests.support.cards import button, inputs
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.parametrize("backend", ["postgresql"])  # the network is PostgreSQL's
QUICK = Timeouts(connect=1.0, statement=1.0, pool=1.0)  # the faults, not the waits, under test


@pytest.fixture
async def proxy(database_url) -> AsyncIterator[TcpProxy]:
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.close()


def through(database_url: str, proxy: TcpProxy) -> str:
    port = proxy._server.sockets[0].getsockname()[1]
    return make_url(database_url).set(port=port).render_as_string(hide_password=False)


@pytest.fixture
def timeouts(request) -> Timeouts:
    """The database waits under test (QUICK unless a test asks for others)."""
    return getattr(request, "param", QUICK)


@pytest.fixture
async def bot_engine(database_url, proxy, timeouts, engine):
    """The running bot's engine: every connection goes through the proxy."""
    proxied = create_engine(through(database_url, proxy), timeouts)
    yield proxied
    await proxied.dispose()


@pytest.fixture
def bot_settings(timeouts) -> dict:
    return {"press_timeout": 8.0 if timeouts == Timeouts() else 3.0}


async def count(engine, table, *where) -> int:
    async with engine.connect() as connection:
        return await connection.scalar(select(func.count()).select_from(table).where(*where))


async def timed_press(bot, **typed) -> tuple[dict, float]:
    started = time.monotonic()
    card = await press(bot, "incident.record", **typed)
    return card, time.monotonic() - started


def assert_kept(card: dict) -> dict:
    """The form came back "Not saved" with the text typed; its Try again data."""
    assert card["body"][0]["text"] == "Not saved"
    assert inputs(card)["text"]["value"] == TYPED["text"]
    retry = button(card, "Try again")["data"]
    assert (retry["key"], retry["categories"]) == (TYPED["key"], TYPED["categories"])
    return retry


async def try_again_records(bot, retry: dict, engine) -> None:
    card = await press(bot, "incident.record", **retry, text=TYPED["text"])
    assert card["body"][0]["text"].startswith("Incident K-")
    assert await count(engine, IncidentRow) == 1


async def health(bot) -> tuple[int, float]:
    started = time.monotonic()
    async with bot.http.get(f"{bot.url}/healthz") as response:
        return response.status, time.monotonic() - started


@pytest.mark.parametrize("timeouts", [Timeouts()], indirect=True)  # the shipped defaults
async def test_a_database_that_answers_nothing_gets_not_saved_within_ten_seconds(
    running_bot, proxy, engine
):
    assert (await health(running_bot))[0] == 200  # connections made and pooled
    proxy.black_hole()
    card, took = await timed_press(running_bot, **TYPED)
    retry = assert_kept(card)
    assert took < 10.0, f"answered after {took:.1f} s"
    status, probed = await health(running_bot)
    print(
        f"\nFIGURES black hole: Not saved after {took:.1f} s, /healthz {status} in {probed:.1f} s"
    )
    assert status == 503 and probed < 2.0, (status, probed)
    proxy.heal()
    await try_again_records(running_bot, retry, engine)
    assert (await health(running_bot))[0] == 200


async def test_reset_connections_give_the_form_back_and_it_records_once_healed(
    running_bot, proxy, engine
):
    assert (await health(running_bot))[0] == 200
    proxy.reset()
    card, took = await timed_press(running_bot, **TYPED)
    print(f"\nFIGURES reset: Not saved after {took:.1f} s")
    retry = assert_kept(card)
    assert took < 5.0, f"answered after {took:.1f} s"
    assert (await health(running_bot))[0] == 503
    proxy.heal()
    await try_again_records(running_bot, retry, engine)


async def test_a_transaction_cut_mid_way_writes_nothing_and_try_again_records(
    running_bot, proxy, engine
):
    audited_before = await count(engine, AuditEventRow)
    proxy.cut_on(b"INSERT INTO incidents")  # after identification and the form's reads
    card, took = await timed_press(running_bot, **TYPED)
    print(f"\nFIGURES cut mid-transaction: Not saved after {took:.1f} s")
    retry = assert_kept(card)
    assert proxy.cuts == 1
    for table in (IncidentRow, IncidentStudentRow, AlertRow):
        assert await count(engine, table) == 0, table.__tablename__
    assert await count(engine, AuditEventRow) == audited_before  # not even the attempt's reads
    proxy.heal()
    await try_again_records(running_bot, retry, engine)
    assert await count(engine, IncidentStudentRow) == 2  # the pupil and the linked one


async def end_connections(database_url: str) -> int:
    """As a server restart or an administrator would: every other connection to the database
    ended by the server (the bot's pooled ones among them)."""
    url = make_url(database_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, database=url.database
    )
    try:
        return await connection.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()


async def test_pooled_connections_the_server_ended_are_replaced_before_the_next_press(
    running_bot, proxy, engine, database_url
):
    # Pooled connections are pinged only after a second idle (not on every press): a press
    # after a restart or a failover still gets a live connection.
    assert (await health(running_bot))[0] == 200  # a connection made and pooled
    assert await end_connections(database_url) >= 1
    await asyncio.sleep(PING_AFTER_IDLE + 0.2)
    card = await press(running_bot, "incident.record", **TYPED)
    assert card["body"][0]["text"].startswith("Incident K-"), card["body"][0]
    assert (await health(running_bot))[0] == 200
