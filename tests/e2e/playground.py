"""A client for the Agents Playground's internal HTTP API, as its own web UI uses it.

Not documented by Microsoft: read from @microsoft/m365agentsplayground 0.2.28 (dist/index.js for
the server, dist/client/static/js for what the UI sends). Shapes that matter:
- GET  /_internal/v1/config -> {"config": {"tenantId", "bot": {"id"}, "currentUser": {"id",
  "aadObjectId", ...}, "personalChat": {"id"}, ...}, "internalConfig": {...}}; it first waits (up
  to 15 s) for the bot's endpoint to answer.
- POST /_conversation/v1/conversations/{conv}/messages {"text", "textFormat", "from": {"id"}}
  -> {"messageId", "timestamp"}; `from.id` must be a member of that conversation.
- POST /_conversation/v1/invoke {"name": "adaptiveCard/action", "value": {"action": {"type",
  "title", "verb", "data"}}, "from": {"id"}, "conversation": {"id"}, "replyToId"} -> {"type",
  "value"}: the bot's invoke response body *without* its statusCode. `replyToId` must be a message
  stored in that conversation. The UI sends no `trigger`.
- GET  /_internal/v1/customActivities/template?conversationId=... -> a base activity (serviceUrl,
  recipient, conversation with tenantId, from = current user) to build custom activities on.
- POST /_internal/v1/customActivities <activity> -> 200 at once, then forwards it to the bot
  unchanged (no check of `from`): the way to speak as someone the Playground does not know.
- WebSocket /_ws_conversation/v1/conversations/stream pushes {"action": "createMessage",
  "actionConversationId", "message": {"messageId", "from": {"id"}, "attachments": [...], ...}}
  for every bot message (not for the user's own). While no client is connected it buffers them
  and flushes the lot to the next client that connects.
"""

import asyncio
import json
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp

from tests.support.cards import buttons

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
BOT_MESSAGE_TIMEOUT = 10.0
_BUFFER_FLUSH_QUIET = 0.5

Json = dict[str, Any]


@dataclass(frozen=True)
class PlaygroundConfig:
    """Who the Playground is, and talks as."""

    tenant_id: str
    bot_id: str
    current_user_id: str
    current_user_aad_object_id: str
    personal_chat_id: str


class Playground:
    """The Playground's HTTP API, over one aiohttp session."""

    def __init__(self, base_url: str, http: aiohttp.ClientSession) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http

    async def config(self) -> PlaygroundConfig:
        """The configuration its UI starts from."""
        body = await self._json("GET", "/_internal/v1/config")
        config = body["config"]
        return PlaygroundConfig(
            tenant_id=config["tenantId"],
            bot_id=config["bot"]["id"],
            current_user_id=config["currentUser"]["id"],
            current_user_aad_object_id=config["currentUser"]["aadObjectId"],
            personal_chat_id=config["personalChat"]["id"],
        )

    async def send_text(self, conversation_id: str, user_id: str, text: str) -> str:
        """Type a plain-text message as a configured user; returns its message id."""
        body = {"text": text, "textFormat": "plain", "from": {"id": user_id}}
        path = f"/_conversation/v1/conversations/{conversation_id}/messages"
        return (await self._json("POST", path, body))["messageId"]

    async def press(
        self, conversation_id: str, user_id: str, message_id: str, button: Json
    ) -> Json:
        """Press an Action.Execute button of a card message; returns the invoke response."""
        action = {key: button[key] for key in ("type", "title", "verb", "data") if key in button}
        body = {
            "name": "adaptiveCard/action",
            "value": {"action": action},
            "from": {"id": user_id},
            "conversation": {"id": conversation_id},
            "replyToId": message_id,
        }
        return await self._json("POST", "/_conversation/v1/invoke", body)

    async def activity_template(self, conversation_id: str) -> Json:
        """A base activity for the conversation, as the Playground would send it."""
        path = f"/_internal/v1/customActivities/template?conversationId={conversation_id}"
        return await self._json("GET", path)

    async def send_custom_activity(self, activity: Json) -> None:
        """Forward an activity to the bot as it is."""
        await self._json("POST", "/_internal/v1/customActivities", activity, expect_body=False)

    async def install(self, conversation_id: str) -> None:
        """Install the app in a conversation, as the Playground's UI does on every page load."""
        path = f"/_debug/conversation/{conversation_id}/installation"
        await self._json("POST", path, {}, expect_body=False)

    def bot_messages(self, conversation_id: str) -> "BotMessages":
        """The bot's new messages in a conversation, as the UI receives them."""
        return BotMessages(self, conversation_id)

    async def _json(
        self, method: str, path: str, body: Json | None = None, *, expect_body: bool = True
    ) -> Json:
        async with self.http.request(method, self.base_url + path, json=body) as response:
            text = await response.text()
            assert response.status == 200, f"{method} {path}: HTTP {response.status}: {text}"
            return json.loads(text) if expect_body else {}


class BotMessages:
    """The conversation WebSocket, opened before acting so that no reply is missed."""

    def __init__(self, playground: Playground, conversation_id: str) -> None:
        self.playground = playground
        self.conversation_id = conversation_id
        self._socket: aiohttp.ClientWebSocketResponse | None = None

    async def __aenter__(self) -> "BotMessages":
        url = self.playground.base_url.replace("http", "ws", 1)
        self._socket = await self.playground.http.ws_connect(
            f"{url}/_ws_conversation/v1/conversations/stream"
        )
        # Messages buffered while nobody listened (earlier tests, the UI) arrive first: skip them.
        while await self._receive(_BUFFER_FLUSH_QUIET) is not None:
            pass
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._socket is not None:
            await self._socket.close()

    async def next(self, within: float = BOT_MESSAGE_TIMEOUT) -> Json:
        """The bot's next message in this conversation; fails if none comes `within` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while (left := deadline - loop.time()) > 0:
            event = await self._receive(left)
            if event is not None and self._is_new_message(event):
                return event["message"]
        raise AssertionError(
            f"no message from the bot in {self.conversation_id} within {within:.0f} s "
            f"(see the Kestrel and Playground logs below)"
        )

    async def assert_quiet(self, seconds: float) -> None:
        """Fail if the bot posts anything more in this conversation within `seconds`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (left := deadline - loop.time()) > 0:
            event = await self._receive(left)
            if event is not None and self._is_new_message(event):
                raise AssertionError(f"the bot posted another message: {event['message']}")

    def _is_new_message(self, event: Json) -> bool:
        return (
            event.get("action") == "createMessage"
            and event.get("actionConversationId") == self.conversation_id
        )

    async def _receive(self, within: float) -> Json | None:
        """One pushed event, or None when nothing arrives `within` seconds."""
        assert self._socket is not None, "use `async with playground.bot_messages(...)`"
        try:
            frame = await self._socket.receive(timeout=within)
        except TimeoutError:
            return None
        assert frame.type == aiohttp.WSMsgType.TEXT, f"the WebSocket ended: {frame.type!r}"
        return json.loads(frame.data)


def only_card(message: Json) -> Json:
    """The single Adaptive Card a bot message carries (fails on anything else)."""
    kinds = [attachment["contentType"] for attachment in message.get("attachments", [])]
    assert kinds == [ADAPTIVE_CARD], f"expected one Adaptive Card, got {kinds}: {message}"
    return message["attachments"][0]["content"]


def button(card: Json, title: str) -> Json:
    """The card's action with this title."""
    matches = [action for action in card.get("actions", []) if action["title"] == title]
    assert len(matches) == 1, f"expected one button {title!r}, card has {buttons(card)}"
    return matches[0]
