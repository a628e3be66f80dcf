"""The real aiohttp app on a real port, and a loopback Bot Connector for its replies."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.afterwards import Afterwards
from bot.app import create_app
from bot.keys import AFTERWARDS
from bot.settings import Settings
from tests.support.connector import LoopbackConnector, start_connector


@dataclass
class RunningBot:
    url: str
    connector: LoopbackConnector
    connector_url: str
    http: aiohttp.ClientSession
    afterwards: Afterwards  # what presses leave for after their answers

    async def post(self, body: object, **headers: str) -> aiohttp.ClientResponse:
        """POST an activity to /api/messages as JSON; returns once what the press left for
        after its answer (a form replaced for everybody) is done too."""
        response = await self.answer(body, **headers)
        await self.afterwards.settled()
        return response

    async def answer(self, body: object, **headers: str) -> aiohttp.ClientResponse:
        """POST an activity and read its answer, without waiting for its follow-ups."""
        response = await self.http.post(
            f"{self.url}/api/messages", json=body, headers=headers or None
        )
        await response.read()
        return response


@pytest.fixture
async def connector() -> AsyncIterator[tuple[LoopbackConnector, str]]:
    """A loopback Bot Connector and its service URL."""
    connector, server = await start_connector()
    yield connector, str(server.make_url("/"))
    await server.close()


@pytest.fixture
def bot_settings() -> dict:
    """Settings of the running bot beyond the usual (a test module overrides this fixture)."""
    return {}


@pytest.fixture
def bot_engine(engine):
    """The engine the running bot uses (a test module may put a proxy in between)."""
    return engine


@pytest.fixture
async def running_bot(
    bot_engine,
    clock,
    database_url,
    connector,
    demo_school,
    keyring,
    files_dir,
    bot_settings,
    audit_keys,
) -> AsyncIterator[RunningBot]:
    """Kestrel in local mode (no auth) over the demo school, served on 127.0.0.1."""
    async with serving(
        bot_engine, clock, database_url, connector, keyring, files_dir, audit_keys, **bot_settings
    ) as bot:
        yield bot


@asynccontextmanager
async def serving(
    engine, clock, database_url, connector, keyring, files_dir, audit_keys, **settings: Any
) -> AsyncIterator[RunningBot]:
    """Kestrel in local mode on 127.0.0.1, with these settings besides the test's own."""
    # The alert sender is driven by its own tests (run_once), not by a background loop here.
    configured = Settings(
        database_url=database_url,
        local=True,
        host="127.0.0.1",
        files_dir=files_dir,
        send_alerts=False,
        **settings,
    )
    app = create_app(configured, engine=engine, clock=clock, keyring=keyring, audit_keys=audit_keys)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            url = str(server.make_url("")).rstrip("/")
            yield RunningBot(url, connector[0], connector[1], http, app[AFTERWARDS])
    finally:
        await server.close()
