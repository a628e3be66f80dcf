"""Kestrel behind the Agents Playground, driven through the Playground's own HTTP API."""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest

from tests.e2e.conftest import E2EStack
from tests.e2e.playground import (
    ADAPTIVE_CARD,
    Json,
    Playground,
    PlaygroundConfig,
    button,
    only_card,
)
from tests.support.cards import buttons, texts

pytestmark = pytest.mark.e2e

DSL_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000001"  # Priya Raman in demo/school.yaml
STRANGER_AAD = "9e9e9e9e-0000-4000-8000-00000000dead"  # nobody in demo/school.yaml
WELCOME_TITLE = "Kestrel: safeguarding concerns, inside Teams"
GREETING = "Hello Priya Raman. You are Designated Safeguarding Lead at Kestrel Demo Academy."
NOT_SET_UP = "You are not set up in Kestrel. Please ask your administrator to add you."


@pytest.fixture
async def playground(e2e_stack: E2EStack) -> AsyncIterator[Playground]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        yield Playground(e2e_stack.playground_url, http)


@pytest.fixture
async def config(playground: Playground) -> PlaygroundConfig:
    config = await playground.config()
    assert config.current_user_aad_object_id == DSL_AAD, (
        "the Playground's current user must be the demo DSL (.m365agentsplayground.yml)"
    )
    return config


async def _help_as_current_user(playground: Playground, config: PlaygroundConfig) -> Json:
    chat = config.personal_chat_id
    async with playground.bot_messages(chat) as replies:
        await playground.send_text(chat, config.current_user_id, "help")
        return await replies.next()


def _message_from_stranger(template: Json, config: PlaygroundConfig, text: str) -> Json:
    """A personal-chat message from someone in the school's tenant whom Kestrel does not know."""
    return {
        **template,
        "type": "message",
        "id": str(uuid.uuid4()),
        "timestamp": datetime.now(UTC).isoformat(),
        "from": {"id": f"29:{STRANGER_AAD}", "name": "Sam Stranger", "aadObjectId": STRANGER_AAD},
        "channelData": {"tenant": {"id": config.tenant_id}},
        "text": text,
        "textFormat": "plain",
        "locale": "en-GB",
    }


async def test_help_from_the_dsl_comes_back_as_the_welcome_card_addressed_to_her(
    playground: Playground, config: PlaygroundConfig
):
    message = await _help_as_current_user(playground, config)

    assert message["from"]["id"] == config.bot_id
    card = only_card(message)
    assert texts(card)[0] == WELCOME_TITLE
    assert GREETING in texts(card)
    assert buttons(card) == [("Add incident", "incident.add"), ("My dashboard", "dashboard.show")]


async def test_pressing_my_dashboard_on_the_welcome_card_replaces_it_with_the_dashboard_card(
    playground: Playground, config: PlaygroundConfig
):
    chat = config.personal_chat_id
    welcome = await _help_as_current_user(playground, config)
    dashboard_button = button(only_card(welcome), "My dashboard")
    assert dashboard_button["data"] == {"v": 1}

    async with playground.bot_messages(chat) as replies:
        response = await playground.press(
            chat, config.current_user_id, welcome["messageId"], dashboard_button
        )
        # Action.Execute answers in place: the card is replaced, nothing new is posted.
        await replies.assert_quiet(0.5)

    assert response["type"] == ADAPTIVE_CARD
    card = response["value"]
    shown = texts(card)
    assert shown[0] == "My dashboard"
    sections = [t.split(" (")[0] for t in shown if t.startswith("**")]
    # The current user is the DSL: the roster's import status (the demo never imported one),
    # then New concerns head her dashboard (issues 13 and 12).
    assert sections == [
        "**Import status: Stale**",
        "**New concerns**",
        "**Alerts**",
        "**My assigned**",
        "**My history**",
    ]


async def test_someone_not_in_the_school_gets_the_not_set_up_card_and_nothing_else(
    playground: Playground, config: PlaygroundConfig
):
    chat = config.personal_chat_id
    template = await playground.activity_template(chat)
    assert template["conversation"]["tenantId"] == config.tenant_id  # the school's own tenant
    stranger_says_help = _message_from_stranger(template, config, "help")

    async with playground.bot_messages(chat) as replies:
        await playground.send_custom_activity(stranger_says_help)
        message = await replies.next()
        await replies.assert_quiet(1.0)

    assert message["from"]["id"] == config.bot_id
    card = only_card(message)
    assert texts(card) == ["Kestrel", NOT_SET_UP]
    assert buttons(card) == []


async def test_installing_kestrel_greets_once_with_the_welcome_card(
    playground: Playground, config: PlaygroundConfig
):
    chat = config.personal_chat_id
    async with playground.bot_messages(chat) as replies:
        await playground.install(chat)  # Teams sends installationUpdate and conversationUpdate
        message = await replies.next()
        await replies.assert_quiet(1.5)

    assert texts(only_card(message))[0] == WELCOME_TITLE
