"""Alert leases: short, renewed while their sender lives, named by its instance, so a sender
that died hands its alerts on within seconds and a restarted one takes its own back at once."""

from datetime import timedelta

import pytest

from safeguarding.services.outbox import Outbox
from tests.integration.test_alert_sender import alert_row, alerted, sender  # noqa: F401 - fixture
from tests.support.running import assert_renewed_then_lost, run_until

pytestmark = pytest.mark.usefixtures("alerted")  # one alert for Aisha, queued


async def test_a_restarted_sender_takes_back_its_own_leases_at_once(uow_factory, clock):
    killed = Outbox(uow_factory, clock, holder="kestrel-a")
    assert len(await killed.claim(10)) == 1  # then kill -9
    other = Outbox(uow_factory, clock, holder="kestrel-b")
    assert await other.claim(10) == []  # leased to kestrel-a
    restarted = Outbox(uow_factory, clock, holder="kestrel-a")
    assert await restarted.release_leases() == 1
    assert len(await other.claim(10)) == 1  # due again at once, for any sender
    assert (await alert_row(uow_factory)).claimed_by == "kestrel-b"


async def test_a_living_sender_keeps_its_leases_and_a_dead_one_loses_them_within_a_lease(
    uow_factory, clock
):
    living = Outbox(uow_factory, clock, holder="kestrel-a")
    other = Outbox(uow_factory, clock, holder="kestrel-b")
    await living.claim(10)
    await assert_renewed_then_lost(living, other, clock)


async def test_an_alert_sent_or_retried_is_no_longer_anyone_s_lease(uow_factory, clock):
    outbox = Outbox(uow_factory, clock, holder="kestrel-a")
    [delivery] = await outbox.claim(10)
    await outbox.retry(delivery, timedelta(seconds=0), "teams answered 503")
    assert ((row := await alert_row(uow_factory)).claimed_by, row.claimed_until) == (None, None)
    [delivery] = await outbox.claim(10)
    await outbox.sent(delivery, "sent-9", "a:aisha-chat")
    assert ((row := await alert_row(uow_factory)).claimed_by, row.claimed_until) == (None, None)
    assert await outbox.release_leases() == 0


async def test_a_sender_starting_under_a_name_sends_what_that_name_held_at_once(
    uow_factory, clock, connector
):
    loopback, _ = connector
    await Outbox(uow_factory, clock, holder="kestrel-a").claim(10)  # its previous life
    restarted = sender(uow_factory, clock)
    restarted.outbox = Outbox(uow_factory, clock, holder="kestrel-a")

    async def sent() -> bool:
        return (await alert_row(uow_factory)).state == "sent"

    await run_until(restarted, sent)  # the fixed clock never lets the old lease run out
    assert (await alert_row(uow_factory)).state == "sent"
    assert len(loopback.sent) == 1
