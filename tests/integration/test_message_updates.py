"""bot/message_updates.py: a reply is sent, and a form's message replaced, with the request the
SDK's own `send_activity` and `update_activity` would send (URL, UTF-8 body byte for byte,
headers, Entra token), over aiohttp; a replacement is tried again when Teams is busy and not
when it refuses, a reply never once Teams may have it. Against the loopback Bot Connector and,
for the token, the loopback Entra (HTTPS) the SDK's credentials are pointed at."""

import asyncio

import aiohttp
import msal
import pytest
import requests
from aiohttp import web
from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.core.cloud_adapter_base import CloudAdapterBase
from botbuilder.schema import Attachment
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials

from bot.activity_reader import read_activity
from bot.adapter import create_adapter
from bot.message_updates import ConnectorRefused, MessageUpdates
from bot.proactive import status_of
from bot.settings import Settings
from cards.welcome import welcome_card
from tests.support.activities import activity
from tests.support.connector import start_connector
from tests.support.graph import APP_ID, SECRET, TENANT, loopback_directory

CARD = {  # non-Latin text: UTF-8 on the wire, not escapes
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [{"type": "TextBlock", "text": "Recorded as K-1 — Zoë's form"}],
}


@pytest.fixture
async def connector():
    connector, server = await start_connector()
    yield connector, str(server.make_url("/"))
    await server.close()


class _Trusting(requests.Session):
    """An HTTP client for MSAL that trusts the loopback certificate on every request (requests
    lets REQUESTS_CA_BUNDLE replace a session's own `verify`, never a request's)."""

    def __init__(self, ca_file: str) -> None:
        super().__init__()
        self.ca_file = ca_file

    def request(self, method, url, **kwargs):  # type: ignore[override]
        return super().request(method, url, **{**kwargs, "verify": self.ca_file})


def _turn(connector_url: str, credentials: MicrosoftAppCredentials) -> TurnContext:
    """A turn on the form's message, with the connector client the adapter would give it."""
    body = activity("invoke_action_execute", connector_url, replyToId="1763981300000")
    context = TurnContext(create_adapter(Settings(local=True)), read_activity(body))
    client = ConnectorClient(credentials, base_url=connector_url)
    context.turn_state[CloudAdapterBase.BOT_CONNECTOR_CLIENT_KEY] = client
    return context


def _update() -> object:
    update = MessageFactory.attachment(CardFactory.adaptive_card(CARD))
    update.id = "1763981300000"
    return update


async def test_an_update_is_the_request_the_sdk_sends(connector):
    loopback, url = connector
    context = _turn(url, MicrosoftAppCredentials("", ""))
    updates = MessageUpdates()
    try:
        await updates.replace(context, _update())
    finally:
        await updates.close()
    await context.update_activity(_update())  # the SDK's own
    ours, sdks = loopback.updated
    assert ours.conversation_id == sdks.conversation_id == context.activity.conversation.id
    assert ours.body["id"] == sdks.body["id"] == "1763981300000"
    assert ours.raw == sdks.raw and "Zoë".encode() in ours.raw
    assert ours.content_type == sdks.content_type == "application/json; charset=utf-8"
    assert ours.authorization is sdks.authorization is None  # (local mode: no app id)
    assert ours.body["attachments"][0]["content"] == CARD
    assert ours.body["from"]["id"] == context.activity.recipient.id  # the turn's reference


async def test_with_app_credentials_the_update_carries_the_token_entra_gave(connector, tmp_path):
    loopback, url = connector
    async with loopback_directory(tmp_path) as directory:
        credentials = MicrosoftAppCredentials(APP_ID, SECRET, channel_auth_tenant=TENANT)
        # The SDK's MSAL application, pointed at the loopback Entra (whose certificate it is
        # told to trust) instead of login.microsoftonline.com.
        trusting = _Trusting(str(directory.ca_file))
        credentials.app = await asyncio.to_thread(  # (it reads Entra's discovery document)
            msal.ConfidentialClientApplication,
            APP_ID,
            client_credential=SECRET,
            authority=f"{directory.authority}/{TENANT}",
            validate_authority=False,
            instance_discovery=False,
            http_client=trusting,
        )
        context = _turn(url, credentials)
        updates = MessageUpdates()
        try:
            await updates.replace(context, _update())
            await updates.replace(context, _update())
        finally:
            await updates.close()
        await context.update_activity(_update())  # the SDK's own, the same credentials
    assert directory.entra.issued == ["graph-token-1"]  # one token, kept between updates
    assert [u.authorization for u in loopback.updated] == ["Bearer graph-token-1"] * 3


async def test_a_busy_connector_is_tried_again_and_a_refusal_is_not(connector):
    loopback, url = connector
    context = _turn(url, MicrosoftAppCredentials("", ""))
    updates = MessageUpdates()
    try:
        loopback.update_failures.extend([503])
        await updates.replace(context, _update())
        assert len(loopback.updated) == 1 and loopback.update_failures == []
        loopback.update_failures.extend([403, 503])
        with pytest.raises(ConnectorRefused) as refused:
            await updates.replace(context, _update())
        assert refused.value.status == 403 and loopback.update_failures == [503]
        assert len(loopback.updated) == 1
    finally:
        await updates.close()


async def _forward_proxy(seen: list[str]) -> web.AppRunner:
    """A loopback HTTP forward proxy: the request line's absolute URL is passed on as sent."""

    async def forward(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.url}")
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method, request.url, data=await request.read(), headers=headers
            ) as answer,
        ):
            return web.Response(status=answer.status, body=await answer.read())

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


async def test_updates_go_through_the_environments_proxy_unless_no_proxy_bypasses_it(
    connector, monkeypatch
):
    loopback, url = connector
    seen: list[str] = []
    proxy = await _forward_proxy(seen)
    port = proxy.addresses[0][1]
    for name in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    context = _turn(url, MicrosoftAppCredentials("", ""))
    updates, direct = MessageUpdates(), MessageUpdates()
    try:
        await updates.replace(context, _update())
        await updates.replace(context, _update())
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        await direct.replace(context, _update())
    finally:
        await updates.close()
        await direct.close()
        await proxy.cleanup()
    path = f"/v3/conversations/{context.activity.conversation.id}/activities/1763981300000"
    assert seen == [f"PUT {url.rstrip('/')}{path}"] * 2  # the third went straight there
    assert len(loopback.updated) == 3
    assert loopback.updated[0].raw == loopback.updated[2].raw


def _reply() -> object:
    return MessageFactory.attachment(CardFactory.adaptive_card(CARD))


@pytest.mark.parametrize("replying", [True, False], ids=["to-the-turn", "to-the-conversation"])
async def test_a_reply_is_the_request_the_sdk_sends(connector, replying):
    loopback, url = connector
    context = _turn(url, MicrosoftAppCredentials("", ""))
    if not replying:  # (an activity with no id: a new message in the conversation)
        context.activity.id = None
    updates = MessageUpdates()
    try:
        ours = await updates.reply(context, _reply())
    finally:
        await updates.close()
    assert context.responded
    sdks = await context.send_activity(_reply())
    first, second = loopback.sent
    assert (ours, sdks.id) == (first.message_id, second.message_id)
    assert first.reply_to == second.reply_to == (context.activity.id or "")
    assert first.conversation_id == second.conversation_id == context.activity.conversation.id
    assert first.raw == second.raw and "Zoë".encode() in first.raw
    assert first.content_type == second.content_type == "application/json; charset=utf-8"
    assert first.body["type"] == "message" and first.body["inputHint"] == "acceptingInput"
    assert first.body["from"]["id"] == context.activity.recipient.id
    assert "id" not in first.body


async def test_a_refused_reply_is_not_sent_again_and_says_how_long_to_wait(connector):
    loopback, url = connector
    context = _turn(url, MicrosoftAppCredentials("", ""))
    updates = MessageUpdates()
    try:
        loopback.failures.append((429, "3"))
        with pytest.raises(ConnectorRefused) as refused:
            await updates.reply(context, _reply())
        loopback.behaviours.append("lose-reply")  # Teams has it; the answer never comes
        with pytest.raises(aiohttp.ClientConnectionError):
            await updates.reply(context, _reply())
    finally:
        await updates.close()
    assert status_of(refused.value) == (429, 3.0)
    assert len(loopback.sent) == 1 and not context.responded  # the lost answer: once, not twice


async def test_a_turn_that_expects_its_replies_back_keeps_them_for_the_sdk(connector):
    """`deliveryMode: expectReplies` (not Teams' own): the SDK buffers the reply for the HTTP
    answer, and nothing is sent to the connector."""
    loopback, url = connector
    context = _turn(url, MicrosoftAppCredentials("", ""))
    context.activity.delivery_mode = "expectReplies"
    updates = MessageUpdates()
    try:
        await updates.reply(context, _reply())
    finally:
        await updates.close()
    [kept] = context.buffered_reply_activities
    assert kept.attachments[0].content == CARD and context.responded
    assert loopback.sent == []


def _rich() -> object:
    """Kestrel's welcome card, a card of every kind of JSON value, and a file with no content
    between them: msrest's walk of the activity with each card put back in its place."""
    every = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": "Ünïcödé ✓", "isVisible": False}],
        "nothing": None,
        "numbers": [0, -7, 2.5, 1e-7, 10**12, True, False],
        "empty": {"list": [], "dict": {}, "text": ""},
        "nested": [[{"deep": [None, {"a": "b"}]}]],
    }
    sent = MessageFactory.carousel(
        [
            CardFactory.adaptive_card(welcome_card()),
            Attachment(content_type="image/png", content_url="https://x.test/m.png", name="m"),
            CardFactory.adaptive_card(every),
        ]
    )
    sent.id = "1763981300000"
    return sent


async def test_a_message_of_several_cards_is_the_sdks_byte_for_byte(connector):
    loopback, url = connector
    context = _turn(url, MicrosoftAppCredentials("", ""))
    updates = MessageUpdates()
    sent = _rich()
    try:
        await updates.replace(context, sent)
        await updates.reply(context, _rich())
    finally:
        await updates.close()
    await context.update_activity(_rich())  # the SDK's own
    await context.send_activity(_rich())
    (ours, sdks), (our_reply, sdk_reply) = loopback.updated, loopback.sent
    assert ours.raw == sdks.raw and our_reply.raw == sdk_reply.raw
    welcome, picture, every = ours.body["attachments"]
    assert (
        welcome["content"] == welcome_card() and every["content"] == _rich().attachments[2].content
    )
    assert picture == {
        "contentType": "image/png",
        "contentUrl": "https://x.test/m.png",
        "name": "m",
    }
    assert sent.attachments[0].content == welcome_card()  # the activity's own cards, unchanged
