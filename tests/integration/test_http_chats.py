"""Kestrel keeps each member of staff's 1:1 chat address (for alerts) and forgets it on removal."""

import asyncio

from sqlalchemy import select

from storage.models import ChatAddressRow
from tests.support.activities import TEACHER_AAD, activity, as_user


async def addresses(engine) -> list[tuple]:
    async with engine.connect() as connection:
        query = select(
            ChatAddressRow.staff_id,
            ChatAddressRow.conversation_id,
            ChatAddressRow.service_url,
            ChatAddressRow.user_id,
            ChatAddressRow.bot_id,
        )
        return [tuple(row) for row in (await connection.execute(query)).all()]


async def test_install_saves_the_address_a_message_refreshes_it_and_removal_forgets_it(
    running_bot, engine
):
    url = running_bot.connector_url
    await running_bot.post(activity("installationUpdate_add", url))
    [(staff, conversation, service_url, user, bot)] = await addresses(engine)
    assert (staff, conversation, service_url) == (1, "a:1Kq0demoPersonalChatWithPriyaRaman", url)
    assert user.startswith("29:") and bot.startswith("28:")

    moved = url.rstrip("/") + "/emea/"  # Teams moved the tenant to another region
    await running_bot.post(activity("message_help", moved))
    assert [a[2] for a in await addresses(engine)] == [moved]

    await running_bot.post(activity("installationUpdate_remove", url))
    assert await addresses(engine) == []


async def test_a_group_chat_or_a_stranger_leaves_no_address(running_bot, engine):
    url = running_bot.connector_url
    await running_bot.post(activity("message_channel_mention", url))
    await running_bot.post(
        as_user(activity("message_help", url), "9e9e9e9e-0000-4000-8000-00000000dead")
    )
    assert await addresses(engine) == []


async def test_each_member_of_staff_has_their_own_address(running_bot, engine):
    url = running_bot.connector_url
    await running_bot.post(activity("message_help", url))
    teacher = as_user(activity("message_help", url), TEACHER_AAD)
    teacher["conversation"]["id"] = "a:1Kq0demoPersonalChatWithJames"
    await running_bot.post(teacher)
    found = {row[0]: row[1] for row in await addresses(engine)}
    assert found == {
        1: "a:1Kq0demoPersonalChatWithPriyaRaman",
        3: "a:1Kq0demoPersonalChatWithJames",
    }


async def test_a_conversation_update_in_a_personal_chat_keeps_the_address(running_bot, engine):
    body = activity("installationUpdate_add", running_bot.connector_url)
    body["type"] = "conversationUpdate"
    body.pop("action", None)
    body["membersAdded"] = [{"id": body["recipient"]["id"]}]
    response = await running_bot.post(body)
    assert response.status == 200
    assert [a[1] for a in await addresses(engine)] == ["a:1Kq0demoPersonalChatWithPriyaRaman"]
    assert running_bot.connector.sent == []  # nothing is said on an update


async def test_several_first_presses_at_once_keep_one_address_and_all_are_answered(
    running_bot, engine
):
    """A colleague's first presses arriving together (a double click, two cards) must not race
    to insert their address: every one is answered and one address is kept (seen on
    PostgreSQL by the benchmark, where all but one press failed)."""
    action = {"type": "Action.Execute", "verb": "dashboard.show", "data": {"v": 1}}
    body = as_user(
        activity("invoke_action_execute", running_bot.connector_url, value__action=action),
        TEACHER_AAD,
    )
    responses = await asyncio.gather(*(running_bot.post(body) for _ in range(6)))
    answers = [await response.json() for response in responses]
    assert [response.status for response in responses] == [200] * 6
    assert all("My dashboard" in str(answer["value"]) for answer in answers)
    assert len(await addresses(engine)) == 1
