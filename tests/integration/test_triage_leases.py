"""Triage post leases, as the alerts': short, renewed while their poster lives, named by its
instance, so a post (or an update) whose poster died is made by another within seconds and a
restarted poster takes its own back at once."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from safeguarding.alerts import LEASE
from safeguarding.services.casework import assign_case
from safeguarding.services.triage_outbox import TriageOutbox
from storage.models import TriagePostRow
from tests.integration.test_triage_channel import (  # noqa: F401 - fixture
    CHANNEL,
    dsl_chats,
    poster,
    record,
    say_in_channel,
    staff_by_name,
)
from tests.support.cards import texts
from tests.support.presses import press_as
from tests.support.running import assert_renewed_then_lost, run_until


@pytest.fixture
async def queued(running_bot, dsl_chats, uow_factory, clock):  # noqa: F811 - fixture
    """A triage channel, and one new concern's post queued for it: the incident id."""
    await say_in_channel(running_bot, "triage here")
    return await record(uow_factory, clock, dsl_chats["James Whitfield"], "lease-0001")


async def post_row(uow_factory) -> TriagePostRow:
    async with uow_factory() as uow:
        [row] = list(await uow.session.scalars(select(TriagePostRow)))
        uow.session.expunge_all()
    return row


async def posted_then_assigned(uow_factory, clock, incident: int) -> None:
    """The post is made, then Priya takes the case: the post is to be updated."""
    await poster(uow_factory, clock).run_once()
    priya = (await staff_by_name(uow_factory))["Priya Raman"]
    await press_as(uow_factory, clock, priya, assign_case, incident, 1, None, True)


def channel_posts(bot) -> list:
    return [s for s in bot.connector.sent if s.conversation_id == CHANNEL]


async def test_a_post_whose_poster_died_is_posted_by_another_once_its_short_lease_lapses(
    running_bot, queued, uow_factory, clock
):
    assert len(await TriageOutbox(uow_factory, clock, "kestrel-a").claim(10)) == 1  # kill -9
    other = poster(uow_factory, clock)
    other.outbox = TriageOutbox(uow_factory, clock, "kestrel-b")
    assert await other.run_once() == 0  # leased to kestrel-a
    clock.at += LEASE + timedelta(seconds=1)  # seconds, no longer minutes
    assert await other.run_once() == 1
    assert (await post_row(uow_factory)).state == "sent"
    assert len(channel_posts(running_bot)) == 1


async def test_a_restarted_poster_takes_its_own_back_at_once(
    running_bot, queued, uow_factory, clock
):
    await TriageOutbox(uow_factory, clock, "kestrel-a").claim(10)  # its previous life
    restarted = poster(uow_factory, clock)
    restarted.outbox = TriageOutbox(uow_factory, clock, "kestrel-a")

    async def sent() -> bool:
        return (await post_row(uow_factory)).state == "sent"

    await run_until(restarted, sent)  # the fixed clock never lets the old lease run out
    row = await post_row(uow_factory)
    assert (row.state, row.claimed_by, row.claimed_until) == ("sent", None, None)
    assert len(channel_posts(running_bot)) == 1


async def test_a_living_poster_keeps_its_lease_and_a_dead_one_loses_it_within_a_lease(
    queued, uow_factory, clock
):
    living = TriageOutbox(uow_factory, clock, "kestrel-a")
    other = TriageOutbox(uow_factory, clock, "kestrel-b")
    await living.claim(10)
    await assert_renewed_then_lost(living, other, clock)
    assert (await post_row(uow_factory)).claimed_by == "kestrel-b"


async def test_an_update_whose_poster_died_mid_update_is_not_lost(
    running_bot, queued, uow_factory, clock
):
    await posted_then_assigned(uow_factory, clock, queued)
    killed = TriageOutbox(uow_factory, clock, "kestrel-a")
    assert len(await killed.stale(10)) == 1  # then kill -9, before Teams heard of it
    other = poster(uow_factory, clock)
    other.outbox = TriageOutbox(uow_factory, clock, "kestrel-b")
    await other.run_once()
    assert running_bot.connector.updated == []  # still kestrel-a's, for now
    clock.at += LEASE + timedelta(seconds=1)
    await other.run_once()
    [update] = running_bot.connector.updated
    assert "assigned to Priya Raman" in texts(update.body["attachments"][0]["content"])[1]
    row = await post_row(uow_factory)
    assert (row.stale, row.claimed_by, row.claimed_until) == (False, None, None)
    await other.run_once()
    assert len(running_bot.connector.updated) == 1  # done: not updated again


async def test_a_restarted_poster_does_again_the_update_it_had_in_flight(
    running_bot, queued, uow_factory, clock
):
    await posted_then_assigned(uow_factory, clock, queued)
    await TriageOutbox(uow_factory, clock, "kestrel-a").stale(10)  # then kill -9
    restarted = TriageOutbox(uow_factory, clock, "kestrel-a")
    assert await restarted.release_leases() == 1
    assert len(await TriageOutbox(uow_factory, clock, "kestrel-b").stale(10)) == 1
