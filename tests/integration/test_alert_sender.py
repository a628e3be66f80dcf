"""The alert sender against a loopback Bot Connector: stubs only, retries, leases, reads."""

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.adapter import create_adapter
from bot.rates import MemorySendLog, SendLimits
from bot.sender import AlertSender
from bot.settings import Settings
from safeguarding.alerts import LEASE, alert_says
from safeguarding.chats import ChatAddress
from safeguarding.incident_form import read_form
from safeguarding.incidents import QueuedAlert
from safeguarding.services.alerts import acknowledge_alert
from safeguarding.services.outbox import Outbox
from safeguarding.services.viewing import open_incident
from storage.models import AlertRow, AuditEventRow
from tests.support.activities import activity, as_user
from tests.support.cards import texts
from tests.support.presses import press_as
from tests.support.scripted import record_as

MARKER = "MARKER-alert: what was said"
AISHA_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000006"


@pytest.fixture
async def alerted(demo_school, uow_factory, clock, connector):
    """A pastoral incident by James alerting Aisha, whose 1:1 chat is on the loopback connector."""
    _, url = connector
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(demo_school.school_id)}
        aisha = staff["Aisha Khan"]
        address = ChatAddress("a:aisha-chat", url, "tenant", "28:kestrel", "29:aisha")
        await uow.chats.save(aisha.id, address, clock.now())
        await uow.commit()
    values = {"key": "alert-0001", "student_id": "1", "text": MARKER, "categories": "7"}
    values |= {"alert_staff": str(aisha.id), "confirm": str(aisha.id)}
    draft = read_form(values, now=clock.now(), time_zone="Europe/London")
    done = await record_as(uow_factory, clock, staff["James Whitfield"], draft)
    return staff, done.incident_id


async def _swallow(context, error) -> None:
    """As the app's adapter does: an error inside a turn is handled, not raised."""


def sender(uow_factory, clock, send_timeout: float = 5.0) -> AlertSender:
    adapter = create_adapter(Settings(local=True))
    adapter.on_turn_error = _swallow  # failures must still be seen by the sender
    outbox = Outbox(uow_factory, clock)
    limits = SendLimits(MemorySendLog(), per_second=1000)
    return AlertSender(adapter, outbox, app_id="", limits=limits, send_timeout=send_timeout)


async def alert_row(uow_factory) -> AlertRow:
    async with uow_factory() as uow:
        [row] = list(await uow.session.scalars(select(AlertRow)))
        uow.session.expunge_all()
    return row


async def test_an_alert_is_sent_once_as_a_stub_and_its_message_id_kept(
    alerted, uow_factory, clock, connector
):
    staff, incident = alerted
    loopback, _ = connector
    assert await sender(uow_factory, clock).run_once() == 1
    [sent] = loopback.sent
    assert sent.conversation_id == "a:aisha-chat"
    [card] = loopback.cards()
    assert texts(card)[1] == f"New concern raised by James Whitfield (ref K-{incident})"
    assert card["refresh"]["userIds"] == ["29:aisha"]
    stored = json.dumps(sent.body)
    for secret in (MARKER, "Pastoral", "Taylor", "Sam"):
        assert secret not in stored
    row = await alert_row(uow_factory)
    assert (row.state, row.message_id, row.attempts) == ("sent", "sent-1", 0)
    assert await sender(uow_factory, clock).run_once() == 0  # never twice


async def test_429_waits_at_least_retry_after_then_delivers(alerted, uow_factory, clock, connector):
    loopback, _ = connector
    loopback.failures.append((429, "30"))
    send = sender(uow_factory, clock)
    await send.run_once()
    row = await alert_row(uow_factory)
    assert (row.state, row.attempts, row.failure) == ("queued", 1, "teams answered 429")
    assert row.next_attempt_at.replace(tzinfo=clock.now().tzinfo) >= clock.now() + timedelta(
        seconds=30
    )
    assert await send.run_once() == 0  # not due yet
    clock.at += timedelta(minutes=11)
    assert await send.run_once() == 1
    assert (await alert_row(uow_factory)).state == "sent"


async def test_a_colleague_teams_says_is_gone_is_undeliverable_and_others_are_told(
    alerted, uow_factory, clock, connector
):
    staff, _ = alerted
    loopback, _ = connector
    loopback.failures.append((404, None))
    await sender(uow_factory, clock).run_once()
    async with uow_factory() as uow:
        rows = list(await uow.session.scalars(select(AlertRow).order_by(AlertRow.id)))
        uow.session.expunge_all()
    first, *notices = rows
    assert (first.state, first.failure) == ("undeliverable", "teams answered 404")
    told = {staff["James Whitfield"].id, staff["Priya Raman"].id, staff["Tom Okafor"].id}
    assert {n.staff_id for n in notices} == told  # who raised it, and the DSL team
    assert {(n.reason, n.concerning_staff_id) for n in notices} == {("not_reached", first.staff_id)}


async def test_a_sender_that_dies_after_claiming_leaves_the_alert_to_the_next(
    alerted, uow_factory, clock, connector
):
    loopback, _ = connector
    outbox = Outbox(uow_factory, clock)
    assert len(await outbox.claim(10)) == 1  # then the process is killed
    assert await sender(uow_factory, clock).run_once() == 0  # leased to the dead one
    clock.at += LEASE + timedelta(seconds=1)
    assert await sender(uow_factory, clock).run_once() == 1
    assert len(loopback.sent) == 1


async def test_mark_as_read_is_for_the_alerted_colleague_only(
    alerted, uow_factory, clock, running_bot, engine
):
    _, incident = alerted
    await sender(uow_factory, clock).run_once()
    row = await alert_row(uow_factory)

    async def press(aad: str) -> dict:
        body = as_user(activity("invoke_action_execute", running_bot.connector_url), aad)
        body["value"]["action"] = {
            "type": "Action.Execute",
            "verb": "alert.read",
            "data": {"v": 1, "alert": row.id},
        }
        body["replyToId"] = row.message_id
        return (await (await running_bot.post(body)).json())["value"]

    assert texts(await press("4f1c6a0e-1d2b-4c3a-9b8e-000000000003")) == [
        "Not available",
        "That record is not available.",
    ]
    read = await press(AISHA_AAD)
    assert texts(read) == ["Concern read", f"You marked the alert for K-{incident} as read."]
    assert (await alert_row(uow_factory)).read_at is not None
    [update] = running_bot.connector.updated  # the alert message itself shows it was read
    assert update.body["id"] == row.message_id
    async with engine.connect() as connection:
        actions = list(await connection.scalars(select(AuditEventRow.action)))
    assert "alert.read" in actions


async def test_two_senders_share_the_outbox_and_each_alert_goes_once(
    alerted, uow_factory, clock, connector, engine, backend
):
    loopback, _ = connector
    staff, incident = alerted
    # 15 more alerts for Aisha (her chat is on the loopback connector).
    async with engine.begin() as connection:
        await connection.execute(
            AlertRow.__table__.insert(),
            [
                dict(
                    school_id=1,
                    incident_id=incident,
                    staff_id=staff["Aisha Khan"].id,
                    raised_by=staff["James Whitfield"].id,
                    reason="tagged",
                    state="queued",
                    created_at=clock.now(),
                    attempts=0,
                )
                for _ in range(15)
            ],
        )
    first, second = sender(uow_factory, clock), sender(uow_factory, clock)
    if backend == "sqlite":  # one process sends on SQLite; run them one after the other
        handled = [await first.run_once(batch=100), await second.run_once(batch=100)]
    else:  # PostgreSQL: SKIP LOCKED splits the rows between concurrent senders
        handled = await asyncio.gather(first.run_once(batch=8), second.run_once(batch=8))
        handled += await asyncio.gather(first.run_once(batch=8), second.run_once(batch=8))
    assert sum(handled) == 16
    async with uow_factory() as uow:
        states = list(await uow.session.scalars(select(AlertRow.state)))
    assert states == ["sent"] * 16
    assert len(loopback.sent) == 16  # no alert sent twice


async def test_the_incident_an_alert_opens_offers_mark_as_read_until_it_is_read(
    alerted, uow_factory, clock
):
    staff, incident = alerted
    aisha = staff["Aisha Khan"]
    row = await alert_row(uow_factory)

    async def viewed():
        return (await press_as(uow_factory, clock, aisha, open_incident, incident)).view

    assert (await viewed()).unread_alert == row.id
    await press_as(uow_factory, clock, aisha, acknowledge_alert, row.id)
    assert (await viewed()).unread_alert is None


async def urgent_incident(uow_factory, clock, staff) -> int:
    """An URGENT concern by James alerting only Aisha (the DSL team are alerted by default)."""
    async with uow_factory() as uow:
        urgent = next(c.id for c in await uow.categories.list(1) if c.urgent)
    values = {"key": "urgent-0001", "student_id": "2", "text": MARKER, "categories": str(urgent)}
    draft = read_form(values, now=clock.now(), time_zone="Europe/London")
    return (await record_as(uow_factory, clock, staff["James Whitfield"], draft)).incident_id


async def escalations(uow_factory, incident: int) -> list[int]:
    async with uow_factory() as uow:
        query = select(AlertRow.staff_id).where(
            AlertRow.incident_id == incident, AlertRow.reason == "escalation"
        )
        return sorted(await uow.session.scalars(query))


async def test_an_unread_urgent_concern_is_escalated_once_to_the_dsl_and_deputies(
    alerted, uow_factory, clock, connector
):
    staff, _ = alerted
    incident = await urgent_incident(uow_factory, clock, staff)
    send = sender(uow_factory, clock)
    await send.run_once()
    assert await escalations(uow_factory, incident) == []  # not yet 15 minutes
    clock.at += timedelta(minutes=15)
    await send.run_once()
    leads = sorted(s.id for s in staff.values() if s.leads_safeguarding)
    assert await escalations(uow_factory, incident) == leads
    clock.at += timedelta(hours=1)
    await send.run_once()  # survives rounds and restarts: the incident is marked, not a timer
    assert await escalations(uow_factory, incident) == leads
    async with uow_factory() as uow:
        audited = list(
            await uow.session.scalars(
                select(AuditEventRow.record_id).where(AuditEventRow.action == "incident.escalated")
            )
        )
    assert audited == [incident]


async def test_an_urgent_concern_read_in_time_is_not_escalated(alerted, uow_factory, clock):
    staff, _ = alerted
    incident = await urgent_incident(uow_factory, clock, staff)
    async with uow_factory() as uow:
        query = select(AlertRow.id, AlertRow.staff_id).where(AlertRow.incident_id == incident)
        first_id, staff_id = (await uow.session.execute(query)).first()
        reader = await uow.staff.by_id(1, staff_id)
    await press_as(uow_factory, clock, reader, acknowledge_alert, first_id)
    clock.at += timedelta(minutes=30)
    await sender(uow_factory, clock).run_once()
    assert await escalations(uow_factory, incident) == []


async def test_kestrel_starts_a_chat_with_a_colleague_it_has_not_talked_to(
    alerted, uow_factory, clock, connector
):
    staff, incident = alerted
    loopback, _ = connector
    tom = staff["Tom Okafor"]
    async with uow_factory() as uow:  # an alert for Tom, who never opened a chat with Kestrel
        await uow.incidents.queue_alert(
            QueuedAlert(1, incident, tom.id, staff["James Whitfield"].id, "tagged", clock.now())
        )
        await uow.commit()
    await sender(uow_factory, clock).run_once()
    [created] = loopback.created
    assert created["members"] == [{"id": tom.aad_object_id}]
    assert created["isGroup"] is False and created["channelData"] == {"tenant": {"id": "tenant"}}
    async with uow_factory() as uow:
        row = await uow.session.scalar(select(AlertRow).where(AlertRow.staff_id == tom.id))
        assert (row.state, row.conversation_id) == ("sent", "a:created-1")
        assert (await uow.chats.get(tom.id)).conversation_id == "a:created-1"  # kept for next time


async def test_a_colleague_without_the_app_installed_is_undeliverable(
    alerted, uow_factory, clock, connector
):
    staff, incident = alerted
    loopback, _ = connector
    tom = staff["Tom Okafor"]
    loopback.not_installed.add(tom.aad_object_id)
    async with uow_factory() as uow:
        await uow.incidents.queue_alert(
            QueuedAlert(1, incident, tom.id, staff["James Whitfield"].id, "tagged", clock.now())
        )
        await uow.commit()
    await sender(uow_factory, clock).run_once()
    async with uow_factory() as uow:
        row = await uow.session.scalar(select(AlertRow).where(AlertRow.staff_id == tom.id))
        assert (row.state, row.failure) == ("undeliverable", "teams answered 404")


@pytest.mark.parametrize("behaviour", ["drop", "3"])
async def test_a_dropped_connection_or_a_hung_connector_is_retried_not_lost(
    alerted, uow_factory, clock, connector, behaviour
):
    loopback, _ = connector
    loopback.behaviours.append(behaviour)
    send = sender(uow_factory, clock, send_timeout=1.0)
    await send.run_once()
    row = await alert_row(uow_factory)
    assert (row.state, row.attempts) == ("queued", 1)
    clock.at += timedelta(minutes=11)
    await send.run_once()
    assert (await alert_row(uow_factory)).state == "sent"


async def test_a_copy_sent_after_a_lost_reply_stands_aside_when_teams_refreshes_it(
    alerted, uow_factory, clock, connector, running_bot
):
    """Teams took the message but its answer was lost: the alert goes again (at least once),
    and the copy whose id was never recorded turns into a pointer when the chat shows it."""
    _, incident = alerted
    loopback, _ = connector
    loopback.behaviours.append("lose-reply")
    send = sender(uow_factory, clock, send_timeout=2.0)
    await send.run_once()
    clock.at += timedelta(minutes=11)
    await send.run_once()
    lost, kept = loopback.sent
    row = await alert_row(uow_factory)
    assert (row.state, row.message_id) == ("sent", "sent-2")  # sent-1 never reached Kestrel
    refresh = loopback.cards()[0]["refresh"]["action"]

    async def refreshed(message_id: str) -> dict:
        body = as_user(activity("invoke_action_execute", running_bot.connector_url), AISHA_AAD)
        body["value"]["action"] = refresh | {"trigger": "automatic"}
        body["replyToId"] = message_id
        return (await (await running_bot.post(body)).json())["value"]

    copy = texts(await refreshed("sent-1"))
    assert copy[0] == "Alert sent twice" and f"K-{incident}" in copy[1]
    assert MARKER not in json.dumps(copy)
    assert MARKER in json.dumps(await refreshed("sent-2"))  # the recorded one shows the concern
    assert lost.body["attachments"] == kept.body["attachments"]


async def test_a_late_second_delivery_never_replaces_the_recorded_message(alerted, uow_factory):
    async with uow_factory() as uow:
        [row] = list(await uow.session.scalars(select(AlertRow)))
        alert_id = row.id
        await uow.alerts.mark_sent(alert_id, "first", "a:aisha-chat", row.created_at)
        await uow.alerts.mark_sent(alert_id, "second", "a:aisha-chat", row.created_at)
        await uow.commit()
    assert (await alert_row(uow_factory)).message_id == "first"


async def test_after_a_case_change_the_alert_message_is_updated_to_a_fresh_stub(
    alerted, uow_factory, clock, connector
):
    from safeguarding.services.casework import assign_case
    from tests.support.presses import press_as

    staff, incident = alerted
    loopback, _ = connector
    send = sender(uow_factory, clock)
    await send.run_once()
    priya = staff["Priya Raman"]
    await press_as(uow_factory, clock, priya, assign_case, incident, 1, priya.id)
    await send.run_once()
    [update] = [u for u in loopback.updated if u.conversation_id == "a:aisha-chat"]
    assert update.body["id"] == (await alert_row(uow_factory)).message_id
    card = update.body["attachments"][0]["content"]
    assert "The case has changed since. Open it for the latest." in texts(card)
    assert card["refresh"]["userIds"] == ["29:aisha"]  # she still gets her own view on opening
    stored = json.dumps(update.body)
    for secret in (MARKER, "Pastoral", "Taylor", "Sam", "Priya"):
        assert secret not in stored
    assert not (await alert_row(uow_factory)).stale
    await send.run_once()
    assert len([u for u in loopback.updated if u.conversation_id == "a:aisha-chat"]) == 1


async def test_an_update_that_fails_is_tried_again_on_a_later_round(
    alerted, uow_factory, clock, connector
):
    from safeguarding.services.casework import assign_case
    from tests.support.presses import press_as

    staff, incident = alerted
    loopback, _ = connector
    send = sender(uow_factory, clock)
    await send.run_once()
    priya = staff["Priya Raman"]
    await press_as(uow_factory, clock, priya, assign_case, incident, 1, priya.id)
    loopback.update_failures.append(412)  # (the HTTP client itself retries a 502 on a PUT)
    await send.run_once()
    row = await alert_row(uow_factory)
    assert row.stale and row.refresh_attempts == 1  # still to do, after a wait
    assert await send.run_once() == 0 and not loopback.updated  # not yet: no hot loop
    clock.at += timedelta(minutes=11)
    await send.run_once()
    assert len(loopback.updated) == 1 and not (await alert_row(uow_factory)).stale


async def test_a_late_failing_copy_never_marks_a_delivered_alert_undeliverable(
    alerted, uow_factory, clock
):
    outbox = Outbox(uow_factory, clock)
    [delivery] = await outbox.claim(10)
    await outbox.sent(delivery, "sent-1", "a:aisha-chat")
    await outbox.undeliverable(delivery, "teams answered 404")  # a second sender's copy
    async with uow_factory() as uow:
        rows = list(await uow.session.scalars(select(AlertRow)))
        uow.session.expunge_all()
    assert [(r.state, r.reason) for r in rows] == [("sent", "tagged")]  # and nobody told


async def test_one_notice_per_incident_and_person_names_everyone_not_reached_and_is_updated(
    demo_school, uow_factory, clock
):
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(demo_school.school_id)}
    aisha, daniel, james = staff["Aisha Khan"], staff["Daniel Hughes"], staff["James Whitfield"]
    tagged = f"{aisha.id},{daniel.id}"
    values = {"key": "alert-notice-1", "student_id": "1", "text": MARKER, "categories": "7"}
    values |= {"alert_staff": tagged, "confirm": str(aisha.id)}  # Daniel may see it already
    draft = read_form(values, now=clock.now(), time_zone="Europe/London")
    await record_as(uow_factory, clock, james, draft)
    outbox = Outbox(uow_factory, clock)
    to_aisha, to_daniel = sorted(await outbox.claim(10), key=lambda d: d.staff_id != aisha.id)
    await outbox.undeliverable(to_aisha, "teams answered 404")
    notices = {d.staff_id: d for d in await outbox.claim(10)}
    told = {james.id, staff["Priya Raman"].id, staff["Tom Okafor"].id}
    assert set(notices) == told  # who raised it, and the DSL team: one notice each
    assert {d.concerning for d in notices.values()} == {"Aisha Khan"}
    await outbox.sent(notices[james.id], "m-notice", "a:james-chat")
    await outbox.undeliverable(to_daniel, "teams answered 404")  # a second colleague not reached
    async with uow_factory() as uow:
        rows = list(
            await uow.session.scalars(select(AlertRow).where(AlertRow.reason == "not_reached"))
        )
        uow.session.expunge_all()
    assert sorted(r.staff_id for r in rows) == sorted(told)  # still one notice each
    assert [r.staff_id for r in rows if r.stale] == [james.id]  # his, sent: updated in place
    [(refreshed, message_id, _)] = await outbox.stale_messages(10)
    assert (refreshed.concerning, message_id) == ("Aisha Khan and Daniel Hughes", "m-notice")
    title, said = alert_says(
        refreshed.reason, refreshed.raised_by, refreshed.reference, concerning=refreshed.concerning
    )
    assert (
        said == f"Kestrel could not reach Aisha Khan and Daniel Hughes about {refreshed.reference}."
    )


async def test_a_notice_about_a_delivery_is_not_a_concern_on_the_dashboard(
    alerted, uow_factory, clock, connector
):
    from safeguarding.services.dashboard import show_dashboard

    staff, _ = alerted
    loopback, _ = connector
    loopback.failures.append((404, None))
    await sender(uow_factory, clock).run_once()
    james = staff["James Whitfield"]
    board = (await press_as(uow_factory, clock, james, show_dashboard, (0, 0, 0, 0))).view
    assert board.alerts.total == 0  # his own concern's notice is a chat message, not an alert


async def test_mark_as_read_on_the_incident_it_opened_updates_the_alert_message_not_that_card(
    alerted, uow_factory, clock, running_bot
):
    await sender(uow_factory, clock).run_once()
    row = await alert_row(uow_factory)
    body = as_user(activity("invoke_action_execute", running_bot.connector_url), AISHA_AAD)
    body["value"]["action"] = {
        "type": "Action.Execute",
        "verb": "alert.read",
        "data": {"v": 1, "alert": row.id},
    }
    body["replyToId"] = "the-dashboard-message"  # pressed on the incident opened from there
    response = await running_bot.post(body)
    assert texts((await response.json())["value"])[0] == "Concern read"
    assert [u.body["id"] for u in running_bot.connector.updated] == [row.message_id]


async def test_acting_on_a_case_never_refreshes_the_actors_own_alert_message_under_them(
    alerted, uow_factory, clock, connector
):
    from safeguarding.action_form import read_action_form
    from tests.support.scripted import add_action_as

    staff, incident = alerted
    loopback, _ = connector
    send = sender(uow_factory, clock)
    await send.run_once()
    values = {"form_key": "alert-acting-1", "text": "MARKER-action: phoned home"}
    draft = read_action_form(values, now=clock.now(), time_zone="Europe/London")
    await add_action_as(uow_factory, clock, staff["Aisha Khan"], incident, draft)
    row = await alert_row(uow_factory)
    assert row.read_at is not None and not row.stale  # read by acting, and left as she has it
    await send.run_once()
    assert [u for u in loopback.updated if u.conversation_id == "a:aisha-chat"] == []
