"""The Bot Framework adapter, configured from Settings, with the SDK's known costs removed."""

import asyncio
import functools
import logging
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

import msal
import requests
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import AuthenticationConstants as Auth
from botframework.connector.auth import (
    ClaimsIdentity,
    ConnectorFactory,
    JwtTokenValidation,
    jwt_token_extractor,
    microsoft_app_credentials,
)
from msrest.serialization import Serializer
from msrest.universal_http import ClientConnection, ClientRequest
from msrest.universal_http.requests import ClientRetryPolicy

from bot.settings import Settings
from cards.elements import json_text

# msrest builds a retry policy for every ConnectorClient (one per turn) by testing 999 status
# codes against a 500-element list: ~7 ms of CPU per turn. A set gives the same answer in ~0.
# (shared/teams-platform.md, "Per-turn cost").
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)

_add_content = ClientRequest.add_content


def _add_utf8_content(request: ClientRequest, data: Any) -> None:
    """Activities sent to the Bot Connector as UTF-8 JSON: msrest's json.dumps escapes each
    non-Latin character in six bytes, which Teams' size limits count."""
    if not isinstance(data, dict | list):
        _add_content(request, data)
        return
    body = json_text(data).encode()
    request.headers["Content-Length"] = str(len(body))
    request.data = body


ClientRequest.add_content = _add_utf8_content

_serialize_object = Serializer.serialize_object
_JSON_LEAVES = frozenset({str, int, float, bool, type(None)})


def plain_json(value: Any) -> bool:
    """Whether msrest would copy the value to equal JSON: dicts with str keys, lists, str, int,
    float, bool, None and StrEnum members (which it writes as `str(member)`, their value);
    nothing else (no tuple, time, other subclass or enum)."""
    kind = type(value)
    if kind in _JSON_LEAVES or isinstance(value, StrEnum):
        return True
    if kind is dict:
        return all(type(key) is str and plain_json(item) for key, item in value.items())
    if kind is list:
        return all(map(plain_json, value))
    return False


def _serialize_plain_object(self: Serializer, attr: Any, **kwargs: Any) -> Any:
    """A card's content as it is: msrest copies a plain dict item by item, testing each string
    for an enum's `.value` and for Python 2's `unicode` (two exceptions a string), which cost
    most of an update's serializing; for plain JSON its copy is equal to the original."""
    if type(attr) in (dict, list) and plain_json(attr):
        return attr
    return _serialize_object(self, attr, **kwargs)


Serializer.serialize_object = _serialize_plain_object

# msrest warns on every Action.Execute that `trigger` is not a known attribute: noise, not news.
logging.getLogger("msrest.serialization").setLevel(logging.ERROR)


class _SdkConfiguration:
    """The attribute names the Bot Framework SDK reads its configuration from."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.app_id
        self.APP_PASSWORD = settings.app_password.reveal()
        # With no app id the SDK turns authentication off; its single-tenant path would refuse.
        self.APP_TYPE = settings.app_type if settings.app_id else "MultiTenant"
        self.APP_TENANTID = settings.app_tenant_id
        if settings.openid_metadata_url:
            # Naming any endpoint switches the SDK to "parameterised" authentication, which then
            # needs them all: keep the public cloud's values for the ones we do not move.
            self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = settings.openid_metadata_url
            self.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = Auth.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
            self.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = (
                Auth.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
            )
            self.TO_CHANNEL_FROM_BOT_LOGIN_URL = Auth.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX + (
                settings.app_tenant_id or Auth.DEFAULT_CHANNEL_AUTH_TENANT
            )
            self.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = Auth.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
            self.OAUTH_URL = Auth.OAUTH_URL


def create_adapter(settings: Settings) -> CloudAdapter:
    """A CloudAdapter authenticating as configured (anonymous only in local mode)."""
    bound_sdk_calls(settings.outbound_timeout)
    return ReusingAdapter(ConfigurationBotFrameworkAuthentication(_SdkConfiguration(settings)))


class ReusingAdapter(CloudAdapter):
    """CloudAdapter that keeps the clients it gives every turn instead of building them anew.

    The SDK builds a Bot Connector client (msrest configuration, retry policy, credentials, an
    HTTP session) and a user token client for every activity, whether the turn sends anything
    or not: about 15% of a pupil search's CPU (bench/profile). Both are kept per process, keyed
    by what they are built from: the connector client by service URL and audience (the
    credentials follow from the process's one app registration and that audience), the user
    token client by app id. The SDK never closes either; keeping the connector client also keeps
    its token and its connections to the Bot Connector between turns.
    """

    CONNECTORS = 64  # service URLs in use: a handful of Teams regions, more only in tests

    def __init__(self, authentication: ConfigurationBotFrameworkAuthentication) -> None:
        super().__init__(authentication)
        self._connectors: OrderedDict[tuple[str, str | None], ConnectorClient] = OrderedDict()
        self._token_clients: dict[str | None, Any] = {}
        build_token_client = authentication.create_user_token_client

        async def token_client(claims_identity: ClaimsIdentity) -> Any:
            app_id = JwtTokenValidation.get_app_id_from_claims(claims_identity.claims)
            if app_id not in self._token_clients:
                self._token_clients[app_id] = await build_token_client(claims_identity)
            return self._token_clients[app_id]

        authentication.create_user_token_client = token_client

    async def process_activity(self, auth_header_or_authenticate_request_result, activity, logic):
        result = auth_header_or_authenticate_request_result
        if isinstance(result, str):
            result = await self.bot_framework_authentication.authenticate_request(activity, result)
        if result.connector_factory is not None:
            result.connector_factory = _ReusedConnectors(result.connector_factory, self._connectors)
        return await super().process_activity(result, activity, logic)


class _ReusedConnectors(ConnectorFactory):
    """A turn's connector factory that hands out the process's client for a service URL and
    audience, building it (with the turn's own factory) only the first time."""

    def __init__(self, inner: ConnectorFactory, kept: OrderedDict) -> None:
        self._inner = inner
        self._kept = kept

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        key = (service_url, audience)
        client = self._kept.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            self._kept[key] = client
            if len(self._kept) > ReusingAdapter.CONNECTORS:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(key)
        return client


# The skew the SDK allows on exp and nbf (botframework.connector.auth: clock_tolerance=5*60).
TOKEN_SKEW_SECONDS = 5 * 60


def token_lifetime_problem(claims: Mapping[str, Any], now: float) -> str | None:
    """Why a Bot Connector token's lifetime is unacceptable, or None: `exp` and `nbf` are
    required (the SDK checks them only when present, so a token without `exp` never expired)."""
    expires, starts = claims.get("exp"), claims.get("nbf")
    if not (_seconds(expires) and _seconds(starts)):
        return "the token has no exp or nbf"
    if now > expires + TOKEN_SKEW_SECONDS:
        return "the token has expired"
    if now < starts - TOKEN_SKEW_SECONDS:
        return "the token is not valid yet"
    return None


def _seconds(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def bound_sdk_calls(seconds: float) -> None:
    """Give every HTTP call the SDK makes a timeout; it sets none of its own (msrest waits 100 s
    per socket read for the Bot Connector, msal and the signing-key fetch wait for ever, the
    latter blocking the event loop while it does)."""
    ClientConnection.__init__ = functools.partialmethod(_connection_init, seconds)
    microsoft_app_credentials.ConfidentialClientApplication = functools.partial(
        msal.ConfidentialClientApplication, timeout=seconds
    )
    jwt_token_extractor._OpenIdMetadata._refresh = functools.partialmethod(
        _refresh_signing_keys, seconds
    )


_original_connection_init = ClientConnection.__init__


def _connection_init(self: ClientConnection, seconds: float) -> None:
    _original_connection_init(self)
    self.timeout = seconds


async def _refresh_signing_keys(self, seconds: float) -> None:
    """The SDK's own refresh (OpenID metadata, then its JWKS), in a thread and bounded."""

    def fetch() -> list:
        metadata = requests.get(self.url, timeout=seconds)
        metadata.raise_for_status()
        keys = requests.get(metadata.json()["jwks_uri"], timeout=seconds)
        keys.raise_for_status()
        return keys.json()["keys"]

    self.keys = await asyncio.wait_for(asyncio.to_thread(fetch), 2 * seconds)
    self.last_updated = datetime.now()
