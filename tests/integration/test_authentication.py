"""With app credentials set, only requests signed by the Bot Connector get through."""

import time
from collections.abc import AsyncIterator

import aiohttp
import jwt
import pytest
from aiohttp.test_utils import TestServer

from bot.app import create_app
from bot.settings import Secret, Settings
from tests.support.activities import DEMO_TENANT, activity
from tests.support.openid import SigningAuthority, new_key, signing_authority

APP_ID = "8a1f0c52-3b7e-4d2a-9f60-5c4e2b1d0a99"
SERVICE_URL = "https://smba.trafficmanager.net/uk/"


@pytest.fixture
def authority():
    with signing_authority() as authority:
        yield authority


@pytest.fixture
async def secured_bot(
    engine, clock, database_url, demo_school, authority, keyring, audit_keys
) -> AsyncIterator[str]:
    settings = Settings(
        app_id=APP_ID,
        app_password=Secret("not-a-real-secret"),
        app_tenant_id=DEMO_TENANT,
        allowed_tenants=frozenset({DEMO_TENANT}),
        database_url=database_url,
        openid_metadata_url=authority.metadata_url,
    )
    server = TestServer(
        create_app(settings, engine=engine, clock=clock, keyring=keyring, audit_keys=audit_keys),
        host="127.0.0.1",
    )
    await server.start_server()
    yield str(server.make_url("/api/messages"))
    await server.close()


async def post(url: str, token: str | None) -> tuple[int, dict]:
    # An invoke: the answer comes back in the HTTP response, so no outbound call is needed.
    body = activity("invoke_action_execute", SERVICE_URL)
    body["value"]["action"] = {"type": "Action.Execute", "verb": "help", "data": {"v": 1}}
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, json=body, headers=headers) as response,
    ):
        return response.status, await response.json()


async def test_request_without_a_token_is_refused_with_401(secured_bot):
    status, body = await post(secured_bot, None)
    assert status == 401
    assert "token" in body["error"]


async def test_request_with_a_valid_bot_connector_token_is_answered(secured_bot, authority):
    status, body = await post(
        secured_bot, authority.token(audience=APP_ID, service_url=SERVICE_URL)
    )
    assert status == 200
    assert body["value"]["body"][0]["text"] == "Kestrel: safeguarding concerns, inside Teams"


def forged_with_another_key(authority: SigningAuthority) -> str:
    claims = {"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": SERVICE_URL}
    return jwt.encode(claims, new_key(), algorithm="RS256", headers={"kid": authority.kid})


@pytest.mark.parametrize(
    "make_token",
    [
        lambda a: a.token(audience="some-other-bot", service_url=SERVICE_URL),
        lambda a: a.token(audience=APP_ID, service_url="https://attacker.example/"),
        lambda a: a.token(audience=APP_ID, service_url=SERVICE_URL, lifetime=-3600),
        lambda a: a.token(audience=APP_ID, service_url=SERVICE_URL, iss="https://sts.example/"),
        forged_with_another_key,
        lambda a: "not-a-jwt",
    ],
    ids=[
        "wrong-audience",
        "wrong-service-url",
        "expired",
        "wrong-issuer",
        "forged-signature",
        "garbage",
    ],
)
async def test_request_with_an_invalid_token_is_refused_with_401(
    secured_bot, authority, make_token
):
    status, body = await post(secured_bot, make_token(authority))
    assert status == 401


def lifetime(**offsets: int | None) -> dict[str, int | None]:
    """exp and nbf as seconds from now (None: left out), made when the test runs."""
    now = int(time.time())
    return {claim: None if offset is None else now + offset for claim, offset in offsets.items()}


@pytest.mark.parametrize(
    "offsets",
    [
        {"exp": None},
        {"nbf": None},
        {"exp": None, "nbf": None},
        {"exp": -6 * 60},
        {"nbf": 6 * 60, "exp": 3600},
    ],
    ids=["no-exp", "no-nbf", "neither", "expired-beyond-skew", "not-yet-valid"],
)
async def test_a_validly_signed_token_without_a_usable_lifetime_is_refused_with_401(
    secured_bot, authority, offsets
):
    token = authority.token(audience=APP_ID, service_url=SERVICE_URL, **lifetime(**offsets))
    status, body = await post(secured_bot, token)
    assert status == 401 and "token" in body["error"]


async def test_a_token_whose_exp_is_not_a_number_is_refused_with_401(secured_bot, authority):
    token = authority.token(audience=APP_ID, service_url=SERVICE_URL, exp="tomorrow")
    status, _ = await post(secured_bot, token)
    assert status == 401


@pytest.mark.parametrize(
    "offsets",
    [{"exp": -4 * 60}, {"nbf": 4 * 60, "exp": 3600}],
    ids=["expired-within-skew", "starts-within-skew"],
)
async def test_a_token_within_five_minutes_of_its_lifetime_is_accepted(
    secured_bot, authority, offsets
):
    token = authority.token(audience=APP_ID, service_url=SERVICE_URL, **lifetime(**offsets))
    status, _ = await post(secured_bot, token)
    assert status == 200
