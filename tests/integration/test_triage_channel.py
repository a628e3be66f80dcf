"""The DSL team's triage channel over the real endpoint and a loopback Bot Connector: choosing
it, each new concern posted there as a stub, each viewer's own view, updates on assign and
close, and stopping it."""

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.adapter import create_adapter
from bot.rates import MemorySendLog, SendLimits
from bot.settings import Settings
from bot.triage_poster import TriagePoster
from safeguarding.chats import ChatAddress
from safeguarding.incident_form import read_form
from safeguarding.services.casework import assign_case, change_status
from safeguarding.services.triage_outbox import TriageOutbox
from storage.models import AuditEventRow, TriageChannelRow, TriagePostRow
from tests.support.activities import DSL_AAD, TEACHER_AAD, activity, as_user
from tests.support.cards import assert_valid_card, elements, texts
from tests.support.presses import press_as
from tests.support.scripted import record_as

CHANNEL = "19:dslTeamTriage@thread.tacv2"  # the DSL team's channel (a thread id inside)
MARKER = "MARKER-triage: what was said"
SECRETS = (MARKER, "Pastoral", "Amara", "A. O.")  # demo pupil 1 is Amara Okafor
TOM_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000002"


async def say_in_channel(bot, text: str, aad: str = DSL_AAD) -> dict[str, Any]:
    """Type `text` @mentioning Kestrel in the Pastoral channel; the card it answers with."""
    body = activity(
        "message_channel_mention",
        bot.connector_url,
        text=f"<at>Kestrel</at> {text}",
        conversation__id=f"{CHANNEL};messageid=1763981400123",  # the thread typed in
        channelData__channel__id=CHANNEL,
        channelData__teamsChannelId=CHANNEL,
    )
    response = await bot.post(as_user(body, aad))
    assert response.status in (200, 201), await response.text()
    return bot.connector.cards()[-1]


async def view_in_channel(bot, incident: int, aad: str, message_id: str) -> dict[str, Any]:
    """What a viewer's client fetches in place of the post (its refresh, trigger automatic)."""
    action = {
        "type": "Action.Execute",
        "verb": "triage.show",
        "data": {"v": 1, "incident": incident},
    }
    body = activity(
        "invoke_action_execute",
        bot.connector_url,
        value={"action": action, "trigger": "automatic"},
        replyToId=message_id,
        conversation={"conversationType": "channel", "id": CHANNEL, "isGroup": True},
        channelData={
            "tenant": {"id": "7d3c2b1a-5e4f-4a6b-9c8d-0e1f2a3b4c5d"},
            "channel": {"id": CHANNEL},
        },
    )
    response = await bot.post(as_user(body, aad))
    assert response.status == 200, await response.text()
    card = (await response.json())["value"]
    assert_valid_card(card)
    return card


def poster(uow_factory, clock) -> TriagePoster:
    adapter = create_adapter(Settings(local=True))

    async def swallow(context, error) -> None:  # as the app's adapter: the poster sees failures
        return None

    adapter.on_turn_error = swallow
    limits = SendLimits(MemorySendLog(), per_second=1000)
    return TriagePoster(adapter, TriageOutbox(uow_factory, clock), "", limits)


async def staff_by_name(uow_factory) -> dict:
    async with uow_factory() as uow:
        return {s.display_name: s for s in await uow.staff.list(1)}


async def record(uow_factory, clock, who, key: str, **values: str) -> int:
    form = {"form_key": key, "student_id": "1", "text": MARKER, "categories": "7", **values}
    draft = read_form(form, now=clock.now(), time_zone="Europe/London")
    return (await record_as(uow_factory, clock, who, draft)).incident_id


async def audit_actions(uow_factory) -> list[str]:
    async with uow_factory() as uow:
        return list(await uow.session.scalars(select(AuditEventRow.action)))


@pytest.fixture
async def dsl_chats(running_bot, uow_factory, clock):
    """Priya's and Tom's 1:1 chats: their bot-scoped ids are who get a view of their own."""
    staff = await staff_by_name(uow_factory)
    async with uow_factory() as uow:
        for name, user in (("Priya Raman", f"29:{DSL_AAD}"), ("Tom Okafor", f"29:{TOM_AAD}")):
            address = ChatAddress(f"a:{name}", running_bot.connector_url, "t", "28:k", user)
            await uow.chats.save(staff[name].id, address, clock.now())
        await uow.commit()
    return staff


async def test_the_dsl_makes_a_channel_the_triage_channel_and_each_new_concern_is_posted_there(
    running_bot, dsl_chats, uow_factory, clock
):
    chosen = await say_in_channel(running_bot, "triage here")
    assert "now Kestrel Demo Academy's triage channel" in texts(chosen)[1]
    async with uow_factory() as uow:
        where = await uow.session.execute(
            select(TriageChannelRow.conversation_id, TriageChannelRow.service_url)
        )
        assert where.all() == [(CHANNEL, running_bot.connector_url)]
    assert "triage.chosen" in await audit_actions(uow_factory)

    # Pastoral alerts nobody and nobody is tagged: the channel still hears of it.
    incident = await record(uow_factory, clock, dsl_chats["James Whitfield"], "triage-0001")
    assert await poster(uow_factory, clock).run_once() == 1
    [post] = [s for s in running_bot.connector.sent if s.conversation_id == CHANNEL][-1:]
    card = post.body["attachments"][0]["content"]
    assert_valid_card(card)
    assert texts(card) == [
        f"New concern K-{incident}",
        f"New concern K-{incident} raised 10:50 on 24 Nov by James Whitfield: not yet assigned",
    ]
    assert card["refresh"]["userIds"] == [f"29:{DSL_AAD}", f"29:{TOM_AAD}"]
    assert card["refresh"]["action"]["verb"] == "triage.show"
    stored = json.dumps(post.body)  # Teams keeps this channel message
    assert not [secret for secret in SECRETS if secret in stored]

    # The DSL's own view: the pupil and category, Assign to me and Open; audited as a view.
    mine = await view_in_channel(running_bot, incident, DSL_AAD, "sent-1")
    assert "A. O.: Pastoral (Open)" in texts(mine)  # initials, always, outside a 1:1 chat
    assert titles(mine) == ["Assign to me", "Open the incident"]
    assert "triage.viewed" in await audit_actions(uow_factory)
    # Anyone else in the channel: the stub as stored, nothing more.
    theirs = await view_in_channel(running_bot, incident, TEACHER_AAD, "sent-1")
    assert not [secret for secret in SECRETS if secret in json.dumps(theirs)]
    assert texts(theirs) == texts(card)


async def test_assigning_and_closing_update_the_post_for_everyone(
    running_bot, dsl_chats, uow_factory, clock
):
    await say_in_channel(running_bot, "triage here")
    incident = await record(uow_factory, clock, dsl_chats["James Whitfield"], "triage-0002")
    send = poster(uow_factory, clock)
    await send.run_once()
    dsl = dsl_chats["Priya Raman"]
    await press_as(uow_factory, clock, dsl, assign_case, incident, 1, None, True)
    await send.run_once()
    [update] = running_bot.connector.updated
    async with uow_factory() as uow:
        posted = await uow.session.scalar(select(TriagePostRow.message_id))
    assert update.conversation_id == CHANNEL and update.body["id"] == posted
    said = texts(update.body["attachments"][0]["content"])[1]
    assert said.endswith("by James Whitfield: assigned to Priya Raman at 10:50 on 24 Nov")
    mine = await view_in_channel(running_bot, incident, DSL_AAD, "sent-1")
    assert titles(mine) == ["Open the incident"]  # somebody has it

    closing = {"status": "Closed", "outcome": "No further action", "reason": "Spoke to family"}
    await press_as(uow_factory, clock, dsl, change_status, incident, 2, closing)
    await send.run_once()
    closed = running_bot.connector.updated[-1].body["attachments"][0]["content"]
    assert texts(closed)[1].endswith(": closed at 10:50 on 24 Nov")
    assert not [s for s in SECRETS if s in json.dumps(running_bot.connector.updated[-1].body)]


async def test_only_the_dsl_team_chooses_it_only_in_a_channel_and_triage_off_stops_it(
    running_bot, dsl_chats, uow_factory, clock
):
    refused = await say_in_channel(running_bot, "triage here", TEACHER_AAD)
    assert texts(refused)[1] == "The triage channel is chosen by the DSL team."
    assert "access.refused" in await audit_actions(uow_factory)
    await running_bot.post(
        as_user(activity("message_help", running_bot.connector_url, text="triage here"), DSL_AAD)
    )
    assert texts(running_bot.connector.cards()[-1])[1].startswith("Type triage here in a channel")
    async with uow_factory() as uow:
        assert list(await uow.session.scalars(select(TriageChannelRow))) == []

    await say_in_channel(running_bot, "triage here")
    stopped = await say_in_channel(running_bot, "triage off")
    assert texts(stopped)[1] == (
        "New concerns are no longer posted to a triage channel for Kestrel Demo Academy."
    )
    assert "triage.stopped" in await audit_actions(uow_factory)
    await record(uow_factory, clock, dsl_chats["James Whitfield"], "triage-0003")
    assert await poster(uow_factory, clock).run_once() == 0
    async with uow_factory() as uow:
        assert list(await uow.session.scalars(select(TriagePostRow))) == []


async def test_a_post_teams_refuses_is_retried_and_one_kestrel_cannot_make_is_given_up(
    running_bot, dsl_chats, uow_factory, clock
):
    await say_in_channel(running_bot, "triage here")
    await record(uow_factory, clock, dsl_chats["James Whitfield"], "triage-0004")
    running_bot.connector.failures.append((429, "0"))
    send = poster(uow_factory, clock)
    await send.run_once()
    async with uow_factory() as uow:
        [row] = list(await uow.session.scalars(select(TriagePostRow)))
        assert (row.state, row.attempts) == ("queued", 1)
        row.next_attempt_at = None  # due again now
        await uow.commit()
    await send.run_once()
    async with uow_factory() as uow:
        [row] = list(await uow.session.scalars(select(TriagePostRow)))
        assert row.state == "sent" and row.message_id.startswith("sent-")

    await record(uow_factory, clock, dsl_chats["James Whitfield"], "triage-0005")
    running_bot.connector.failures.append((403, None))  # Kestrel removed from the team
    await send.run_once()
    async with uow_factory() as uow:
        states = await uow.session.scalars(select(TriagePostRow.state).order_by(TriagePostRow.id))
        assert list(states) == ["sent", "undeliverable"]


def titles(card: dict[str, Any]) -> list[str]:
    """The card's buttons, wherever they are."""
    return [e["title"] for e in elements(card) if e.get("type") == "Action.Execute"]
