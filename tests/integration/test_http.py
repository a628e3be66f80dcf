"""The real aiohttp endpoint over HTTP, with Teams-shaped activities (tests/fixtures)."""

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.app import create_app
from bot.settings import Settings
from storage.models import AuditEventRow
from tests.support.activities import (
    OTHER_TENANT,
    STRANGER_AAD,
    TEACHER_AAD,
    activity,
    as_user,
)
from tests.support.cards import assert_valid_card, buttons, texts

WELCOME_TITLE = "Kestrel: safeguarding concerns, inside Teams"
NOT_SET_UP = "You are not set up in Kestrel. Please ask your administrator to add you."


async def test_help_message_is_answered_with_the_welcome_card(running_bot):
    response = await running_bot.post(activity("message_help", running_bot.connector_url))
    assert response.status == 200
    [card] = running_bot.connector.cards()
    assert texts(card)[0] == WELCOME_TITLE
    assert (
        "Hello Priya Raman. You are Designated Safeguarding Lead at Kestrel Demo Academy."
        in texts(card)
    )
    assert buttons(card) == [("Add incident", "incident.add"), ("My dashboard", "dashboard.show")]
    assert running_bot.connector.sent[0].conversation_id == "a:1Kq0demoPersonalChatWithPriyaRaman"


async def test_turn_after_turn_replies_through_one_kept_connector_client(running_bot):
    """The SDK builds a Bot Connector client for every turn; Kestrel keeps one per service URL
    (bot/adapter.py), so the second reply comes over the first one's kept-alive connection."""
    for _ in range(2):
        response = await running_bot.post(activity("message_help", running_bot.connector_url))
        assert response.status == 200
    first, second = running_bot.connector.sent
    assert first.peer is not None
    assert second.peer == first.peer


async def test_installing_kestrel_shows_the_welcome_card(running_bot):
    response = await running_bot.post(activity("installationUpdate_add", running_bot.connector_url))
    assert response.status == 200
    [card] = running_bot.connector.cards()
    assert texts(card)[0] == WELCOME_TITLE


async def test_uninstalling_kestrel_sends_nothing(running_bot):
    response = await running_bot.post(
        activity("installationUpdate_remove", running_bot.connector_url)
    )
    assert response.status == 200
    assert running_bot.connector.sent == []


async def test_adding_kestrel_to_a_team_welcomes_the_channel(running_bot):
    body = activity("installationUpdate_add_team", running_bot.connector_url)
    response = await running_bot.post(body)
    assert response.status == 200
    [sent] = running_bot.connector.sent
    assert sent.conversation_id == "19:demoTeam@thread.tacv2"
    assert texts(running_bot.connector.cards()[0])[0] == WELCOME_TITLE


async def test_one_install_greets_once_although_teams_sends_two_activities(running_bot):
    for fixture in ("installationUpdate_add", "conversationUpdate_bot_added_to_team"):
        response = await running_bot.post(activity(fixture, running_bot.connector_url))
        assert response.status == 200
    assert len(running_bot.connector.cards()) == 1


async def test_someone_else_joining_a_team_is_not_greeted(running_bot):
    body = activity("conversationUpdate_member_joined", running_bot.connector_url)
    response = await running_bot.post(body)
    assert response.status == 200
    assert running_bot.connector.sent == []


async def test_mentioning_kestrel_in_a_channel_still_finds_the_command(running_bot):
    response = await running_bot.post(
        activity("message_channel_mention", running_bot.connector_url)
    )
    assert response.status == 200
    [card] = running_bot.connector.cards()
    assert texts(card)[0] == WELCOME_TITLE


async def test_unrecognised_text_gets_guidance_and_is_not_echoed(running_bot):
    body = activity("message_unknown_text", running_bot.connector_url)
    response = await running_bot.post(body)
    assert response.status == 200
    [card] = running_bot.connector.cards()
    assert "type help" in " ".join(texts(card))
    assert "Sam" not in str(running_bot.connector.sent[0].body)


async def test_action_submit_is_routed_by_its_verb(running_bot):
    response = await running_bot.post(activity("message_action_submit", running_bot.connector_url))
    assert response.status == 200
    [card] = running_bot.connector.cards()
    assert texts(card)[0] == WELCOME_TITLE


async def test_action_execute_invoke_returns_a_card_in_the_http_response(running_bot):
    response = await running_bot.post(activity("invoke_action_execute", running_bot.connector_url))
    body = await response.json()
    assert response.status == 200
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert texts(body["value"])[0] == "My dashboard"
    assert running_bot.connector.sent == []  # an invoke answers in the response, not a message


@pytest.mark.parametrize(
    "action",
    [
        {"type": "Action.Execute", "verb": "incident.delete_everything", "data": {"v": 1}},
        {"type": "Action.Execute", "verb": "help", "data": {"v": 99}},
        {"type": "Action.Execute", "verb": "help", "data": "not an object"},
        {"type": "Action.Execute"},
    ],
    ids=["unknown-verb", "future-version", "data-not-object", "no-verb"],
)
async def test_unknown_or_malformed_button_payloads_get_a_clear_card(running_bot, action):
    body = activity("invoke_action_execute", running_bot.connector_url, value={"action": action})
    response = await running_bot.post(body)
    answer = await response.json()
    assert response.status == 200
    assert "no longer available" in " ".join(texts(answer["value"]))


async def test_invoke_without_an_action_is_answered_not_crashed(running_bot):
    body = activity("invoke_action_execute", running_bot.connector_url, value="garbage")
    response = await running_bot.post(body)
    answer = await response.json()
    assert response.status == 200
    assert "no longer available" in " ".join(texts(answer["value"]))


async def test_unsupported_invoke_names_are_declined_without_a_server_error(running_bot):
    body = activity(
        "invoke_action_execute", running_bot.connector_url, name="composeExtension/query"
    )
    response = await running_bot.post(body)
    assert response.status == 501


@pytest.mark.parametrize(
    ("aad", "tenant", "reason"),
    [
        (STRANGER_AAD, None, "unknown_staff"),
        (TEACHER_AAD, OTHER_TENANT, "tenant_not_allowed"),
        ("", None, "no_identity"),
    ],
    ids=["unknown-user", "other-tenant", "anonymous"],
)
async def test_people_not_set_up_are_refused_politely_and_audited(
    running_bot, engine, aad, tenant, reason
):
    body = activity("message_help", running_bot.connector_url)
    body = as_user(body, aad, tenant) if tenant else as_user(body, aad)
    response = await running_bot.post(body)
    assert response.status == 200
    [card] = running_bot.connector.cards()
    assert texts(card) == ["Kestrel", NOT_SET_UP]
    assert "actions" not in card
    async with engine.connect() as connection:
        refusals = (
            await connection.execute(
                select(AuditEventRow).where(AuditEventRow.action == "identity.refused")
            )
        ).all()
    assert [(r.detail["reason"], r.conversation_type) for r in refusals] == [(reason, "personal")]
    stored = str([tuple(r) for r in refusals])
    assert aad == "" or aad not in stored  # nothing of theirs is kept


async def test_refused_invoke_gets_the_not_set_up_card_in_the_response(running_bot):
    body = as_user(activity("invoke_action_execute", running_bot.connector_url), STRANGER_AAD)
    response = await running_bot.post(body)
    answer = await response.json()
    assert texts(answer["value"]) == ["Kestrel", NOT_SET_UP]


@pytest.mark.parametrize(
    ("content_type", "payload", "status", "reason"),
    [
        (None, b'{"type": "message"}', 415, "Content-Type"),
        ("text/plain", b'{"type": "message"}', 415, "Content-Type"),
        ("application/json", b"{not json", 400, "not valid JSON"),
        ("application/json", b"\xff\xfe", 400, "not valid JSON"),
        ("application/json", b"[1, 2, 3]", 400, "no type"),
        ("application/json", b'{"text": "help"}', 400, "no type"),
        ("application/json", b'{"type": ""}', 400, "no type"),
        (
            "application/json",
            b'{"type": "message", "from": "nobody", "conversation": 7}',
            400,
            "no serviceUrl",
        ),
        (
            "application/json",
            b'{"type": "message", "serviceUrl": "x", "conversation": {"id": "a"}, "from": {}, '
            b'"timestamp": "not a date"}',
            400,
            "could not be read",
        ),
    ],
    ids=[
        "no-content-type",
        "text-plain",
        "bad-json",
        "not-utf8",
        "array",
        "no-type",
        "empty-type",
        "bad-shape",
        "bad-timestamp",
    ],
)
async def test_malformed_requests_get_a_4xx_with_a_reason(
    running_bot, content_type, payload, status, reason
):
    headers = {"Content-Type": content_type} if content_type else {}
    response = await running_bot.http.post(
        f"{running_bot.url}/api/messages",
        data=payload,
        headers=headers,
        skip_auto_headers=["Content-Type"],
    )
    assert response.status == status
    assert reason in (await response.json())["error"]


async def test_health_check_reports_the_database(running_bot):
    response = await running_bot.http.get(f"{running_bot.url}/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok", "database": "ok"}


async def test_health_check_says_unhealthy_when_the_database_is_gone(clock, keyring, audit_keys):
    # Nothing listens on port 9 (discard); the engine cannot connect.
    settings = Settings(database_url="postgresql://postgres@127.0.0.1:9/none", local=True)
    app = create_app(settings, clock=clock, keyring=keyring, audit_keys=audit_keys)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http, http.get(server.make_url("/healthz")) as r:
            assert r.status == 503
            assert await r.json() == {"status": "unhealthy", "database": "unavailable"}
    finally:
        await server.close()


async def test_a_stranger_typing_anything_is_identified_refused_and_audited(running_bot, engine):
    body = as_user(activity("message_unknown_text", running_bot.connector_url), STRANGER_AAD)
    await running_bot.post(body)
    [card] = running_bot.connector.cards()
    assert texts(card) == ["Kestrel", NOT_SET_UP]
    async with engine.connect() as connection:
        refused = list(await connection.scalars(select(AuditEventRow.action)))
    assert "identity.refused" in refused


async def test_a_button_sent_as_a_chat_message_never_posts_details_into_the_chat(
    running_bot, engine
):
    body = activity("message_action_submit", running_bot.connector_url)
    body["value"] = {"verb": "elevation.enrol", "v": 1}
    await running_bot.post(body)
    [sent] = running_bot.connector.sent
    assert "otpauth" not in str(sent.body) and "Image" not in str(sent.body)
    assert "use the buttons" in " ".join(texts(running_bot.connector.cards()[0]))
    async with engine.connect() as connection:
        details = list(
            await connection.scalars(
                select(AuditEventRow.detail).where(AuditEventRow.action == "access.refused")
            )
        )
    assert details == [{"verb": "elevation.enrol"}]


async def test_an_unknown_verb_from_a_colleague_is_audited(running_bot, engine):
    action = {"type": "Action.Execute", "verb": "incident.delete", "data": {"v": 1}}
    await running_bot.post(
        activity("invoke_action_execute", running_bot.connector_url, value={"action": action})
    )
    async with engine.connect() as connection:
        details = list(
            await connection.scalars(
                select(AuditEventRow.detail).where(AuditEventRow.action == "access.refused")
            )
        )
    assert details == [{"verb": "incident.delete"}]


@pytest.mark.parametrize("name", ["task/fetch", "composeExtension/fetchTask"])
async def test_dialog_openers_get_a_dialog_not_an_error(running_bot, name):
    body = activity("invoke_action_execute", running_bot.connector_url, name=name, value={})
    response = await running_bot.post(body)
    answer = await response.json()
    assert response.status == 200
    task = answer["task"]
    assert task["type"] == "continue" and task["value"]["title"] == "Add incident"
    card = task["value"]["card"]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert "actions" not in card["content"]
    assert_valid_card(card["content"])


async def test_a_deeply_nested_body_is_a_400_not_a_500(running_bot):
    payload = b'{"type": "message", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = await running_bot.http.post(
        f"{running_bot.url}/api/messages",
        data=payload,
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 400


@pytest.mark.parametrize("missing", ["conversation", "serviceUrl", "from"])
async def test_an_activity_without_its_routing_fields_is_a_400(running_bot, missing):
    body = activity("message_help", running_bot.connector_url)
    del body[missing]
    response = await running_bot.post(body)
    assert response.status == 400
    assert running_bot.connector.sent == []
