"""The Bot Connector stand-in answering 5xx and 429 without Retry-After, slowly, and by dropping
connections: alerts are retried and delivered, and a chat turn answers in time, never a 500.
(429 with Retry-After, 404, a hung send, a lost reply and a failed update: test_alert_sender.)"""

import asyncio
import time
from datetime import timedelta

import pytest
import requests
from botframework.connector.auth import jwt_token_extractor, microsoft_app_credentials
from msrest.universal_http import ClientConnection

from bot.adapter import bound_sdk_calls
from bot.settings import Settings
from tests.integration.test_alert_sender import alert_row, alerted, sender  # noqa: F401 - fixture
from tests.support.activities import activity

OUTBOUND = 1.0  # seconds: the bot's bound on every call out, short for the test
# The connector is under test here, not the database (test_alert_sender runs both).
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def bot_settings() -> dict:
    return {"outbound_timeout": OUTBOUND}


@SQLITE_ONLY
@pytest.mark.usefixtures("alerted")
@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_a_connector_failing_without_retry_after_is_backed_off_then_delivered(
    uow_factory, clock, connector, status
):
    loopback, _ = connector
    loopback.failures.extend([(status, None)] * 4)  # more than the HTTP client's own retries
    send = sender(uow_factory, clock)
    await send.run_once()
    row = await alert_row(uow_factory)
    assert (row.state, row.attempts, row.failure) == ("queued", 1, f"teams answered {status}")
    assert await send.run_once() == 0  # backing off: not due yet, no hot loop
    loopback.failures.clear()
    clock.at += timedelta(minutes=11)
    await send.run_once()
    assert (await alert_row(uow_factory)).state == "sent" and len(loopback.sent) == 1


@SQLITE_ONLY
@pytest.mark.usefixtures("alerted")
async def test_a_slow_connector_within_the_bound_delivers_on_the_first_try(
    uow_factory, clock, connector
):
    loopback, _ = connector
    loopback.behaviours.append("0.5")
    await sender(uow_factory, clock, send_timeout=OUTBOUND + 1).run_once()
    row = await alert_row(uow_factory)
    assert (row.state, row.attempts) == ("sent", 0)


@SQLITE_ONLY
@pytest.mark.parametrize(
    "fault", [["3"], ["drop"] * 4, [(503, None)] * 4], ids=["hung", "dropping", "503"]
)
async def test_a_chat_turn_answers_in_time_when_its_reply_cannot_be_sent(running_bot, fault):
    loopback = running_bot.connector
    for item in fault:
        (loopback.failures if isinstance(item, tuple) else loopback.behaviours).append(item)
    body = activity("message_help", running_bot.connector_url)
    started = time.monotonic()
    response = await running_bot.post(body)
    took = time.monotonic() - started
    print(f"\nFIGURES chat turn, connector {fault[0]}: {response.status} in {took:.1f} s")
    assert response.status < 500, await response.text()
    # the reply, then the error notice, each bounded; a hung connector never holds the turn
    assert took < 2 * OUTBOUND + 1.5, f"answered after {took:.1f} s"
    loopback.failures.clear()
    loopback.behaviours.clear()
    response = await running_bot.post(body)  # and once the connector is back, all is well
    assert response.status == 200 and loopback.cards(), "help was not sent after recovery"


async def test_the_sdk_s_own_calls_out_give_up_within_the_bound():
    """The signing keys' fetch (blocking, inside the SDK) from a server that answers nothing,
    the Bot Connector client and the token endpoint's client all carry the bound."""
    silent = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    try:
        bound_sdk_calls(0.5)
        metadata = jwt_token_extractor._OpenIdMetadata(f"http://127.0.0.1:{port}/metadata")
        started = time.monotonic()
        with pytest.raises((requests.Timeout, TimeoutError)):
            await metadata._refresh()
        assert time.monotonic() - started < 1.5
        assert ClientConnection().timeout == 0.5  # every ConnectorClient's requests
        token_app = microsoft_app_credentials.ConfidentialClientApplication
        assert token_app.keywords == {"timeout": 0.5}  # msal, for the token endpoint
    finally:
        bound_sdk_calls(Settings().outbound_timeout)
        silent.close()
        await silent.wait_closed()
