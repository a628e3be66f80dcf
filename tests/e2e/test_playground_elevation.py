"""Elevated access end to end: the DSL sets up an authenticator through the Playground."""

from collections.abc import AsyncIterator

import aiohttp
import pyotp
import pytest

from tests.e2e.conftest import E2EStack
from tests.e2e.playground import Playground, button, only_card
from tests.support.cards import texts

pytestmark = pytest.mark.e2e


@pytest.fixture
async def playground(e2e_stack: E2EStack) -> AsyncIterator[Playground]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        yield Playground(e2e_stack.playground_url, http)


async def test_dsl_scans_the_qr_code_and_a_code_from_the_app_elevates_her_access(
    playground: Playground,
):
    config = await playground.config()
    chat, me = config.personal_chat_id, config.current_user_id
    async with playground.bot_messages(chat) as replies:
        await playground.send_text(chat, me, "settings")
        message = await replies.next()
        settings = only_card(message)
        assert "Elevated access" in texts(settings)
        setup = button(settings, "Set up elevated access")
        enrolment = (await playground.press(chat, me, message["messageId"], setup))["value"]
        await replies.assert_quiet(0.5)  # the QR code is never posted into the chat

    assert any(
        e["type"] == "Image" and e["url"].startswith("data:image/png") for e in enrolment["body"]
    )
    secret = texts(enrolment)[texts(enrolment).index("Cannot scan? Enter this key by hand:") + 1]
    code = pyotp.TOTP(secret.replace(" ", "")).now()
    confirm = {**button(enrolment, "Confirm"), "data": {"v": 1, "code": code}}
    elevated = (await playground.press(chat, me, message["messageId"], confirm))["value"]
    assert "Your access is elevated." in texts(elevated)
    assert any(t.startswith("Active until ") for t in texts(elevated))

    replay = {**button(elevated, "Elevate my access"), "data": {"v": 1, "code": code}}
    refused = (await playground.press(chat, me, message["messageId"], replay))["value"]
    assert any("not accepted" in t for t in texts(refused))
