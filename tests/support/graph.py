"""Loopback stand-ins for Microsoft Entra's token endpoint (HTTPS, a self-signed certificate made
here) and Microsoft Graph (users through groups, education schools and users), speaking their
real JSON: OIDC discovery, client-credentials tokens, `value` pages with `@odata.nextLink`,
Graph's error bodies (429 with Retry-After, 403 Authorization_RequestDenied, 401
InvalidAuthenticationToken)."""

import datetime
import ipaddress
import itertools
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TENANT = "5b1f2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
APP_ID = "11111111-2222-4333-8444-555555555555"
SECRET = "loopback-secret"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files (the certificate is its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "entra.pem", folder / "entra.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@dataclass
class Entra:
    """The token endpoint: tokens it issued, and which of them Graph treats as expired."""

    base: str = ""
    issued: list[str] = field(default_factory=list)
    expired: set[str] = field(default_factory=set)
    secret: str = SECRET
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._discovery)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        return app

    async def _discovery(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        return web.json_response(
            {
                "token_endpoint": f"{self.base}/{tenant}/oauth2/v2.0/token",
                "authorization_endpoint": f"{self.base}/{tenant}/oauth2/v2.0/authorize",
                "issuer": f"{self.base}/{tenant}/v2.0",
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
            }
        )

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("grant_type") != "client_credentials" or form.get("client_id") != APP_ID:
            return web.json_response({"error": "unauthorized_client"}, status=400)
        if form.get("client_secret") != self.secret:
            return web.json_response(
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                    "error_codes": [7000215],
                },
                status=401,
            )
        token = f"graph-token-{next(self._ids)}"
        self.issued.append(token)
        return web.json_response(
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": token,
            }
        )


def graph_user(n: int, **overrides: Any) -> dict[str, Any]:
    """A Graph user object as $select asks for it."""
    user = {
        "@odata.type": "#microsoft.graph.user",
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "displayName": f"Colleague {n}",
        "mail": f"colleague{n}@school.example",
        "userPrincipalName": f"colleague{n}@school.example",
        "accountEnabled": True,
        "userType": "Member",
    }
    return {**user, **overrides}


@dataclass
class FakeGraph:
    """Groups' members, education schools and their users; answers to give first (status,
    Retry-After, error code); every request seen (path and query)."""

    entra: Entra
    groups: dict[str, list[dict]] = field(default_factory=dict)
    schools: list[dict] = field(default_factory=list)
    school_users: dict[str, list[dict]] = field(default_factory=dict)
    page_size: int = 100
    answers: list[tuple[int, str | None, str] | None] = field(
        default_factory=list
    )  # None: as usual
    seen: list[str] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        members = "/v1.0/groups/{group}/transitiveMembers/microsoft.graph.user"
        app.router.add_get(members, self._members)
        app.router.add_get("/v1.0/education/schools", self._schools)
        app.router.add_get("/v1.0/education/schools/{school}/users", self._school_users)
        return app

    async def _members(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        group = request.match_info["group"]
        if group not in self.groups:
            return _error(404, "Request_ResourceNotFound", f"Resource '{group}' does not exist.")
        return self._page(request, self.groups[group])

    async def _schools(self, request: web.Request) -> web.Response:
        return self._refusal(request) or self._page(request, self.schools)

    async def _school_users(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        return self._page(request, self.school_users.get(request.match_info["school"], []))

    def _refusal(self, request: web.Request) -> web.Response | None:
        self.seen.append(request.path_qs)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.entra.issued or token in self.entra.expired:
            return _error(
                401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid."
            )
        answer = self.answers.pop(0) if self.answers else None
        if answer is not None:
            status, retry_after, code = answer
            headers = {"Retry-After": retry_after} if retry_after is not None else {}
            return _error(status, code, "scripted by the test", headers)
        return None

    def _page(self, request: web.Request, items: list[dict]) -> web.Response:
        start = int(request.query.get("$skiptoken", "0"))
        body: dict[str, Any] = {"value": items[start : start + self.page_size]}
        if start + self.page_size < len(items):
            body["@odata.nextLink"] = str(
                request.url.update_query({"$skiptoken": str(start + self.page_size)})
            )
        return web.json_response(body)


def _error(status: int, code: str, message: str, headers: dict | None = None) -> web.Response:
    body = {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": "2026-12-06T10:00:00",
                "request-id": "r",
                "client-request-id": "c",
            },
        }
    }
    return web.json_response(body, status=status, headers=headers)


@dataclass
class Loopback:
    entra: Entra
    graph: FakeGraph
    authority: str  # https://127.0.0.1:port (KESTREL_ENTRA_AUTHORITY)
    graph_url: str  # http://127.0.0.1:port (KESTREL_GRAPH_URL)
    ca_file: Path  # the certificate to trust (MSAL's verify, REQUESTS_CA_BUNDLE)


@asynccontextmanager
async def loopback_directory(folder: Path) -> AsyncIterator[Loopback]:
    """Entra's token endpoint over HTTPS and Graph, on 127.0.0.1."""
    cert_file, key_file = self_signed(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    entra = Entra()
    token_server = TestServer(entra.app(), host="127.0.0.1")
    await token_server.start_server(ssl=context)
    entra.base = str(token_server.make_url("")).rstrip("/")
    graph = FakeGraph(entra)
    graph_server = TestServer(graph.app(), host="127.0.0.1")
    await graph_server.start_server()
    try:
        graph_url = str(graph_server.make_url("")).rstrip("/")
        yield Loopback(entra, graph, entra.base, graph_url, cert_file)
    finally:
        await graph_server.close()
        await token_server.close()
