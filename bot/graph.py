"""Microsoft Graph, app-only: tokens from MSAL (client credentials on the bot's own app
registration) and GET requests with aiohttp.

Why aiohttp for Graph and MSAL's own requests only for the token: the scheduled sync runs
inside `kestrel serve`'s event loop, and aiohttp is already how Kestrel talks to the Bot
Connector; MSAL is synchronous, so its (rare: the token is cached until it expires) calls run in
a worker thread. One ConfidentialClientApplication is kept per process, so its token cache is
reused; MSAL reads the authority's OIDC document ({authority}/v2.0/.well-known/openid-
configuration) when it is built, and posts to the token endpoint that document names.
"""

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import msal
import requests

from safeguarding.directory import PERMISSIONS, DirectoryUnavailable

log = logging.getLogger("kestrel.graph")
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
RETRIED = {429, 503, 502, 504}


@dataclass
class EntraToken:
    """App-only tokens for Graph; `verify` is requests' (a CA bundle path for a test's
    loopback authority)."""

    app_id: str
    secret: str
    tenant_id: str
    authority_base: str
    graph_url: str
    verify: bool | str = True
    timeout: float = 10.0
    _app: Any = field(default=None, repr=False)

    async def token(self, *, fresh: bool = False) -> str:
        """A token (MSAL's cached one until it expires; `fresh`: a new one)."""
        try:
            return await asyncio.to_thread(self._acquire, fresh)
        except (ValueError, requests.RequestException) as error:
            raise DirectoryUnavailable(
                f"Kestrel could not get a token from Microsoft Entra at {self.authority} "
                f"({type(error).__name__}): check KESTREL_ENTRA_AUTHORITY and "
                "MicrosoftAppTenantId; nothing was changed.",
                "entra_unreachable",
            ) from error

    @property
    def authority(self) -> str:
        return f"{self.authority_base.rstrip('/')}/{self.tenant_id}"

    def _application(self) -> msal.ConfidentialClientApplication:
        if self._app is None:
            # A configured authority other than Microsoft's (a sovereign cloud, a test's
            # loopback) is trusted as configured: no instance discovery at Microsoft.
            custom = self.authority_base.rstrip("/") != DEFAULT_AUTHORITY
            self._app = msal.ConfidentialClientApplication(
                self.app_id,
                client_credential=self.secret,
                authority=self.authority,
                validate_authority=not custom,
                instance_discovery=False if custom else None,
                http_client=_Session(self.verify, self.timeout),
            )
        return self._app

    def _acquire(self, fresh: bool) -> str:
        app = self._application()
        if fresh:
            app.remove_tokens_for_client()
        result = app.acquire_token_for_client(scopes=[f"{self.graph_url.rstrip('/')}/.default"])
        if "access_token" not in result:
            raise DirectoryUnavailable(
                f"Microsoft Entra refused Kestrel a token ({result.get('error', 'no token')}): "
                "check MicrosoftAppId, MicrosoftAppPassword and MicrosoftAppTenantId; nothing "
                "was changed.",
                "token_refused",
            )
        return result["access_token"]


class _Session(requests.Session):
    """MSAL's HTTP client. requests lets REQUESTS_CA_BUNDLE replace a session's own `verify`,
    but never a request's: each request carries this session's trust and timeout."""

    def __init__(self, verify: bool | str, timeout: float) -> None:
        super().__init__()
        self.verify, self.timeout = verify, timeout

    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs.setdefault("verify", self.verify)
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, **kwargs)


Sleep = Callable[[float], Awaitable[None]]


@dataclass
class Graph:
    """GET from Microsoft Graph, every page; throttling (429, 503 with Retry-After) waited out
    a bounded number of times for a bounded total; an expired token renewed once."""

    base_url: str
    tokens: EntraToken
    http: aiohttp.ClientSession
    retries: int = 5
    longest_wait: float = 120.0  # in all, for one request
    timeout: float = 30.0
    sleep: Sleep = asyncio.sleep

    async def pages(self, path: str) -> AsyncIterator[list[dict]]:
        """Each page's `value`, following @odata.nextLink (only ever to Graph itself: the
        token goes nowhere else)."""
        url: str | None = f"{self.base_url.rstrip('/')}{path}"
        while url:
            body = await self.get(url)
            yield list(body.get("value") or [])
            url = body.get("@odata.nextLink")
            if url and not url.startswith(self.base_url.rstrip("/") + "/"):
                raise DirectoryUnavailable(
                    "Microsoft Graph gave a next page on another host: refused.", "next_link"
                )

    async def get(self, url: str) -> dict:
        renewed, attempts, waited = False, 0, 0.0
        token = await self.tokens.token()
        while True:
            status, body, retry_after = await self._once(url, token)
            if status == 200:
                return body
            if status == 401 and not renewed:
                renewed, token = True, await self.tokens.token(fresh=True)
                continue
            wait = _wait(retry_after, attempts)
            if status in RETRIED and attempts < self.retries and waited + wait <= self.longest_wait:
                log.info("Microsoft Graph answered %s: waiting %.1fs", status, wait)
                attempts, waited = attempts + 1, waited + wait
                await self.sleep(wait)
                continue
            raise _refusal(status, body)

    async def _once(self, url: str, token: str) -> tuple[int, dict, str | None]:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            timeout = aiohttp.ClientTimeout(total=self.timeout)
            async with self.http.get(url, headers=headers, timeout=timeout) as response:
                text = await response.text()
                body = json.loads(text) if text.strip() else {}
                body = body if isinstance(body, dict) else {}
                return response.status, body, response.headers.get("Retry-After")
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            # A dropped connection or a garbled answer is waited out like a 503.
            log.info("Microsoft Graph could not be read (%s)", type(error).__name__)
            return 503, {}, None


def _wait(retry_after: str | None, attempts: int) -> float:
    """Graph's Retry-After (seconds) when given, else 1, 2, 4... seconds."""
    try:
        return max(0.0, float(retry_after)) if retry_after is not None else 2.0**attempts
    except ValueError:
        return 2.0**attempts


def _refusal(status: int, body: dict) -> DirectoryUnavailable:
    error = body.get("error") if isinstance(body, dict) else None
    code = str(error.get("code", "")) if isinstance(error, dict) else ""
    if status == 403:
        return DirectoryUnavailable(
            f"Microsoft Graph refused Kestrel ({code or 403}): {PERMISSIONS} (Entra admin "
            "center, App registrations, Kestrel's app, API permissions); nothing was changed.",
            "permission",
        )
    if status == 401:
        return DirectoryUnavailable(
            "Microsoft Graph refused Kestrel's token twice: check the app registration; "
            "nothing was changed.",
            "unauthorised",
        )
    if status == 404:
        return DirectoryUnavailable(
            "Microsoft Graph has no such group or school: check KESTREL_ROLE_GROUPS and "
            "KESTREL_SCHOOL_GROUPS; nothing was changed.",
            "not_found",
        )
    if status in RETRIED:
        return DirectoryUnavailable(
            f"Microsoft Graph was busy or unreachable ({status}) after several tries: the "
            "sync will run again later; nothing was changed.",
            "throttled",
        )
    return DirectoryUnavailable(
        f"Microsoft Graph answered {status} ({code or 'no code'}); nothing was changed.",
        "graph_error",
    )
