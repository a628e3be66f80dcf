"""The scheduled directory sync on SQLite and PostgreSQL: one process at a time, every
KESTREL_SYNC_HOURS; a failure tells the school's administrators once, through a loopback Bot
Connector, and again only after a sync has succeeded and another failed."""

import asyncio
from datetime import timedelta

import pytest

from bot.adapter import create_adapter
from bot.directory_sync import entra_token
from bot.settings import Settings
from bot.sync_schedule import ScheduledSync
from safeguarding.chats import ChatAddress
from safeguarding.staff import Role
from tests.integration.test_directory_sync import GROUPS, settings_for
from tests.support.graph import TENANT, graph_user, loopback_directory


@pytest.fixture
async def directory(tmp_path):
    async with loopback_directory(tmp_path) as loopback:
        loopback.graph.groups = {
            "g-dsl": [graph_user(1)],
            "g-deputy": [],
            "g-staff": [graph_user(n) for n in range(1, 6)],
            "g-admin": [graph_user(50, displayName="Ada Min")],
        }
        yield loopback


@pytest.fixture
async def administrator(uow_factory, clock, connector):
    """A school of the tenant, and its administrator's chat with Kestrel (on the connector)."""
    async with uow_factory() as uow:
        school = await uow.schools.ensure("Schedule Academy", TENANT, "Europe/London")
        admin = await uow.staff.ensure(
            school.id, graph_user(50)["id"], "Ada Min", "a@x", Role.ADMINISTRATOR
        )
        address = ChatAddress("a:ada-chat", connector[1], TENANT, "28:kestrel", "29:ada")
        await uow.chats.save(admin.id, address, clock.now())
        await uow.commit()
    return admin


def scheduled(directory, uow_factory, clock, instance: str) -> ScheduledSync:
    groups = (*GROUPS, ("administrator", "g-admin"))
    settings = settings_for(directory, instance=instance, sync_hours=6, role_groups=groups)
    adapter = create_adapter(Settings(local=True))

    async def no_wait(seconds: float) -> None:
        return None

    tokens = entra_token(settings, str(directory.ca_file))
    return ScheduledSync(settings, uow_factory, clock, adapter, tokens, sleep=no_wait)


async def test_one_process_syncs_when_due_and_the_next_waits_for_the_interval(
    directory, administrator, uow_factory, clock
):
    first = scheduled(directory, uow_factory, clock, "one:3978")
    second = scheduled(directory, uow_factory, clock, "two:3978")
    outcomes = await asyncio.gather(first.run_once(), second.run_once())
    assert sorted(o is None for o in outcomes) == [False, True]  # one of them, not both
    assert [o.failure for o in outcomes if o is not None] == [""]
    assert await second.run_once() is None  # not due for another six hours
    clock.at += timedelta(hours=6, minutes=1)
    assert await second.run_once() is not None


async def test_a_failed_sync_tells_the_administrators_once_until_one_succeeds(
    directory, administrator, uow_factory, clock, connector
):
    sync = scheduled(directory, uow_factory, clock, "one:3978")
    directory.graph.answers = [(403, None, "Authorization_RequestDenied")]
    assert "GroupMember.Read.All" in (await sync.run_once()).failure
    sent = connector[0].sent
    assert [s.conversation_id for s in sent] == ["a:ada-chat"]
    words = str(connector[0].cards())
    assert "Staff sync from Microsoft Entra failed" in words
    assert "GroupMember" not in words and "Colleague" not in words  # content-free
    clock.at += timedelta(hours=7)
    directory.graph.answers = [(403, None, "Authorization_RequestDenied")]
    assert (await sync.run_once()).failure
    assert len(sent) == 1  # the same failure: not again
    clock.at += timedelta(hours=7)
    assert (await sync.run_once()).failure == ""
    clock.at += timedelta(hours=7)
    directory.graph.answers = [(503, None, "ServiceUnavailable")] * 10
    assert (await sync.run_once()).failure
    assert len(sent) == 2  # a new failure after a success
