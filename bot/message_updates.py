"""Replacing a message for everybody (a finished form) through the Bot Connector, over aiohttp.

The SDK's `TurnContext.update_activity` builds the request with msrest and sends it with
`requests` on a worker thread: about a third of recording's CPU here (bench/profile). This
sends the same request (the URL, body, headers and token the SDK's own `update_activity`
would: the turn's connector client formats the URL and serializes the activity, its
credentials give the token) over one aiohttp session of the app's. Like msrest's policy for an
idempotent PUT, a lost connection or an answer of 429 or 5xx is tried again, twice, after the
Retry-After asked for (at most 10 s) or a short backoff; the caller bounds the whole.

The environment's proxy (HTTP(S)_PROXY, NO_PROXY, a proxy's login in .netrc, as `requests`
takes them for the SDK) is looked up once per origin: aiohttp's `trust_env` looks it up, and
reads .netrc, on a worker thread for every request (a tenth of recording's CPU here).
"""

import asyncio
import logging

import aiohttp
from botbuilder.core import TurnContext
from botbuilder.core.cloud_adapter_base import CloudAdapterBase
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from yarl import URL

from cards.elements import json_text

log = logging.getLogger("kestrel.updates")

_PATH = "/v3/conversations/{conversationId}/activities/{activityId}"
AGAIN = frozenset({408, 429, 500, 502, 503, 504})  # tried again, as msrest's policy does
TRIES = 3
LONGEST_WAIT = 10.0  # seconds of Retry-After honoured


class UpdateRefused(Exception):
    """The Bot Connector answered the update with an error status (no body kept: it can echo
    what was sent)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"the Bot Connector answered {status}")
        self.status = status


class MessageUpdates:
    """`update_activity` for a turn's message; one aiohttp session for the app's life."""

    def __init__(self) -> None:
        self._http: aiohttp.ClientSession | None = None
        self._proxies: dict[URL, tuple[URL | None, aiohttp.BasicAuth | None]] = {}

    async def replace(self, context: TurnContext, activity: Activity) -> None:
        """Replace the message `activity.id` of the turn's conversation with `activity`, as
        `context.update_activity` would (the turn's conversation reference applied)."""
        reference = TurnContext.get_conversation_reference(context.activity)
        activity = TurnContext.apply_conversation_reference(activity, reference)
        client: ConnectorClient = context.turn_state[CloudAdapterBase.BOT_CONNECTOR_CLIENT_KEY]
        operations = client.conversations
        url = operations._client.format_url(  # noqa: SLF001 - the SDK's own URL, as it makes it
            _PATH,
            conversationId=operations._serialize.url(  # noqa: SLF001
                "conversation_id", activity.conversation.id, "str"
            ),
            activityId=operations._serialize.url("activity_id", activity.id, "str"),  # noqa: SLF001
        )
        # msrest's own serializing of the model, as `body` ends with: `body` first walks the
        # activity twice more (rebuilding its models from themselves, then validating them),
        # which changes nothing of an activity made of the SDK's models (held to the SDK's bytes
        # by tests/integration/test_message_updates.py).
        serializer = operations._serialize  # noqa: SLF001
        body = json_text(serializer._serialize(activity, "Activity", is_xml=False)).encode()  # noqa: SLF001
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
        await self._put(url, body, headers)

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
                        raise UpdateRefused(response.status)
                    wait = _retry_after(response.headers.get("Retry-After"), wait)
                    log.warning("update answered %d; trying again", response.status)
            except aiohttp.ClientConnectionError:
                if attempt == TRIES:
                    raise
                log.warning("update's connection lost; trying again")
            await asyncio.sleep(wait)

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
