"""A turn's replies and form replacements sent to the Bot Connector over aiohttp.

The SDK's `TurnContext.send_activity` and `update_activity` deep-copy the activity, build the
request with msrest and send it with `requests` on a worker thread: about a third of
recording's CPU, and most of a `help` message's, here (bench/profile). This sends the same
requests (the URL, body, headers and token the SDK's own would: the turn's connector client
formats the URL and serializes the activity, its credentials give the token) over one aiohttp
session of the app's. A replacement (PUT, idempotent) whose connection is lost or that is
answered 408, 429 or 5xx is tried again, twice, after the Retry-After asked for (at most 10 s)
or a short backoff; a reply (POST) only when its connection could not be made, as `requests`
does for the SDK (Teams may have posted it). The caller bounds the whole. Proactive messages
(alerts, triage posts) still go through the SDK, whose errors their senders read.

The environment's proxy (HTTP(S)_PROXY, NO_PROXY, a proxy's login in .netrc, as `requests`
takes them for the SDK) is looked up once per origin: aiohttp's `trust_env` looks it up, and
reads .netrc, on a worker thread for every request (a tenth of recording's CPU here).
"""

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import NamedTuple

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.core.cloud_adapter_base import CloudAdapterBase
from botbuilder.schema import Activity, ActivityTypes, DeliveryModes
from botframework.connector.aio import ConnectorClient
from msrest.serialization import Serializer
from yarl import URL

from cards.elements import json_text

log = logging.getLogger("kestrel.updates")

_PATH = "/v3/conversations/{conversationId}/activities/{activityId}"
_CONVERSATION = "/v3/conversations/{conversationId}/activities"
_IN_PATH = {"conversation_id": "conversationId", "activity_id": "activityId"}
AGAIN = frozenset({408, 429, 500, 502, 503, 504})  # a replacement answered these: tried again
TRIES = 3
LONGEST_WAIT = 10.0  # seconds of Retry-After honoured


class ConnectorRefused(Exception):
    """The Bot Connector answered with an error status (no body kept: it can echo what was
    sent). `response` has the status and headers, as `bot.proactive.status_of` reads them."""

    def __init__(self, status: int, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"the Bot Connector answered {status}")
        self.status = status
        self.response = _Answer(status, {} if headers is None else headers)


class _Answer(NamedTuple):
    status: int
    headers: Mapping[str, str]  # (aiohttp's: names in any case)


class MessageUpdates:
    """A turn's messages sent (`reply`, as `context.send_activity`) and replaced (`replace`, as
    `context.update_activity`) over one aiohttp session for the app's life."""

    def __init__(self) -> None:
        self._http: aiohttp.ClientSession | None = None
        self._proxies: dict[URL, tuple[URL | None, aiohttp.BasicAuth | None]] = {}

    async def replace(self, context: TurnContext, activity: Activity) -> None:
        """Replace the message `activity.id` of the turn's conversation with `activity`, as
        `context.update_activity` would (the turn's conversation reference applied)."""
        reference = TurnContext.get_conversation_reference(context.activity)
        activity = TurnContext.apply_conversation_reference(activity, reference)
        ids = {"conversation_id": activity.conversation.id, "activity_id": activity.id}
        url, body, headers = await self._request(context, _PATH, ids, activity)
        await self._put(url, body, headers)

    async def reply(self, context: TurnContext, activity: Activity) -> str:
        """Send `activity` to the turn's conversation as `context.send_activity` would (the
        conversation reference applied: a reply to the turn's activity; a message accepting
        input, with no id of its own), and the id Teams gave it. Not tried again on an error
        status: Teams may have posted it. `activity` becomes the one sent (the SDK sends a deep
        copy; Kestrel makes each reply for its send)."""
        if context.activity.delivery_mode == DeliveryModes.expect_replies:
            response = await context.send_activity(activity)  # (buffered by the SDK: not sent)
            return (response and response.id) or ""
        reference = TurnContext.get_conversation_reference(context.activity)
        activity = TurnContext.apply_conversation_reference(activity, reference)
        activity.type = activity.type or ActivityTypes.message
        activity.input_hint = activity.input_hint or "acceptingInput"
        activity.id = None
        ids = {"conversation_id": activity.conversation.id}
        path = _CONVERSATION
        if activity.reply_to_id:
            path, ids["activity_id"] = _PATH, activity.reply_to_id
        url, body, headers = await self._request(context, path, ids, activity)
        answer = await self._post(url, body, headers)
        context.responded = True
        return str(answer.get("id") or "") if isinstance(answer, dict) else ""

    async def _request(
        self, context: TurnContext, path: str, ids: dict[str, str], activity: Activity
    ) -> tuple[str, bytes, dict[str, str]]:
        """The URL, body and headers the turn's connector client would send the activity with."""
        client: ConnectorClient = context.turn_state[CloudAdapterBase.BOT_CONNECTOR_CLIENT_KEY]
        operations = client.conversations
        serializer = operations._serialize  # noqa: SLF001
        url = operations._client.format_url(  # noqa: SLF001 - the SDK's own URL, as it makes it
            path, **{_IN_PATH[name]: serializer.url(name, v, "str") for name, v in ids.items()}
        )
        body = _body(serializer, activity)
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": client.config.user_agent,
        }
        credentials = client.config.credentials
        if credentials._should_set_token(None):  # noqa: SLF001 - the SDK's own test for a token
            # MSAL is blocking (its cache first, Entra when the token is due): on a thread.
            token = await asyncio.get_running_loop().run_in_executor(
                None, credentials.get_access_token
            )
            headers["Authorization"] = f"Bearer {token}"
        return url, body, headers

    async def _put(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        proxy, proxy_auth = await self._proxy(URL(url))
        for attempt in range(1, TRIES + 1):
            wait = 0.8 * 2 ** (attempt - 1)
            try:
                async with self._session().put(
                    url, data=body, headers=headers, proxy=proxy, proxy_auth=proxy_auth
                ) as response:
                    await response.read()
                    if 200 <= response.status < 300:
                        return
                    if response.status not in AGAIN or attempt == TRIES:
                        raise ConnectorRefused(response.status, response.headers)
                    wait = _retry_after(response.headers.get("Retry-After"), wait)
                    log.warning("update answered %d; trying again", response.status)
            except aiohttp.ClientConnectionError:
                if attempt == TRIES:
                    raise
                log.warning("update's connection lost; trying again")
            await asyncio.sleep(wait)

    async def _post(self, url: str, body: bytes, headers: dict[str, str]) -> object:
        """POST once, and Teams' answer (JSON); only a connection that could not be made is
        tried again (as the SDK's `requests` does for a POST: nothing was sent)."""
        proxy, proxy_auth = await self._proxy(URL(url))
        for attempt in range(1, TRIES + 1):
            try:
                async with self._session().post(
                    url, data=body, headers=headers, proxy=proxy, proxy_auth=proxy_auth
                ) as response:
                    answer = await response.read()
                    if response.status not in (200, 201, 202):
                        raise ConnectorRefused(response.status, response.headers)
                    try:
                        return json.loads(answer) if answer else None
                    except ValueError:  # (sent, but Teams' answer is not JSON: no id)
                        return None
            except aiohttp.ClientConnectorError:
                if attempt == TRIES:
                    raise
                log.warning("send's connection could not be made; trying again")
                await asyncio.sleep(0.8 * 2 ** (attempt - 1))
        return None

    async def _proxy(self, url: URL) -> tuple[URL | None, aiohttp.BasicAuth | None]:
        """The environment's proxy for the URL's origin (none when NO_PROXY bypasses it or
        none is set), looked up once: it reads .netrc, so on a worker thread."""
        origin = url.origin()
        if origin not in self._proxies:
            self._proxies[origin] = await asyncio.get_running_loop().run_in_executor(
                None, _proxy_from_env, origin
            )
        return self._proxies[origin]

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()


def _body(serializer: Serializer, activity: Activity) -> bytes:
    """The activity's JSON as the SDK sends it. msrest's own serializing of the model, as the
    SDK's `body` ends with (`body` first walks the activity twice more, rebuilding its models
    from themselves and validating them, which changes nothing of an activity made of the
    SDK's models), but for the attachments' content: msrest walks a card value by value into an
    equal copy of it (a card is JSON values: dicts, lists, strings, numbers, booleans, nulls),
    a tenth of recording's CPU for the form's replacement. The cards go into msrest's JSON as
    they are, in their places. Held to the SDK's bytes by tests/integration/
    test_message_updates.py."""
    attachments = activity.attachments or []
    contents = [attachment.content for attachment in attachments]
    try:
        for n, attachment in enumerate(attachments):
            attachment.content = None if attachment.content is None else f"{_CONTENT}{n}"
        data = serializer._serialize(activity, "Activity", is_xml=False)  # noqa: SLF001
    finally:
        for attachment, content in zip(attachments, contents, strict=True):
            attachment.content = content
    serialized = data.get("attachments") or []
    if len(serialized) != len(contents) or any(
        item.get("content") != (None if content is None else f"{_CONTENT}{n}")
        for n, (item, content) in enumerate(zip(serialized, contents, strict=False))
    ):  # (not as msrest has always made it: msrest's own walk of everything)
        data = serializer._serialize(activity, "Activity", is_xml=False)  # noqa: SLF001
    else:
        for item, content in zip(serialized, contents, strict=True):
            if content is not None:
                item["content"] = content
    return json_text(data).encode()


_CONTENT = "kestrel:attachment-content:"  # in its place while msrest serializes the rest


def _proxy_from_env(origin: URL) -> tuple[URL | None, aiohttp.BasicAuth | None]:
    try:
        return aiohttp.helpers.get_env_proxy_for_url(origin)
    except LookupError:  # bypassed, or no proxy for its scheme
        return None, None


def _retry_after(value: str | None, otherwise: float) -> float:
    try:
        return min(max(float(value), 0.0), LONGEST_WAIT) if value else otherwise
    except ValueError:  # (an HTTP date: the backoff instead)
        return otherwise
