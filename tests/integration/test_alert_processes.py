"""Two real Kestrel processes sending from one PostgreSQL outbox: each alert goes exactly once,
and together they keep Teams' per-conversation windows and the app's rate.

The claim is `FOR UPDATE SKIP LOCKED` plus a lease (storage/alerts.py); here two `kestrel serve`
children share the work of a queued outbox and deliver to one loopback Bot Connector.
"""

import asyncio
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.rates import CONVERSATION_WINDOWS
from safeguarding.chats import ChatAddress
from safeguarding.clock import SystemClock
from safeguarding.incident_form import read_form
from safeguarding.seed import SchoolSeed
from safeguarding.services.seeding import seed_school
from storage.audit_keys import AuditKeys
from storage.database import create_engine
from storage.encryption import Keyring
from storage.models import AlertRow, SendRow
from storage.uow import unit_of_work_factory
from tests.conftest import migrated
from tests.support.processes import KestrelProcess, child_env
from tests.support.scripted import record_as
from tests.support.windows import most_in_any

ALERTS = 200
CHATS = 8  # demo colleagues with a 1:1 chat; the alerts go round them in turn
SEND_SECONDS = "0.02"  # the connector's answer to each send, late enough for the two to overlap
DELIVERY_TIMEOUT = 60.0
JITTER = 0.5  # seconds: a send reaches the connector after its place in the window (more so
# on a loaded machine: two processes, four sends in flight each)
HANDLED = re.compile(r"kestrel\.sender sender handled (\d+) alerts")


@pytest.fixture
def postgres_url(new_postgres_database) -> str:
    """A fresh PostgreSQL database of this test's own, migrated to head."""
    return migrated(new_postgres_database())


async def _seed(
    engine: AsyncEngine,
    demo_seed: SchoolSeed,
    keyring: Keyring,
    files_dir: Path,
    url: str,
    audit_keys: AuditKeys,
) -> tuple[int, int, list[int]]:
    """The demo school, an incident alerting nobody, and chats on the loopback connector for
    some colleagues; their staff ids (real time throughout: the children use the wall clock)."""
    clock = SystemClock()
    uow_factory = unit_of_work_factory(engine, clock, keyring, files_dir, audit_keys=audit_keys)
    await seed_school(demo_seed, uow_factory=uow_factory, clock=clock)
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(1)}
        chatting = sorted(s.id for s in staff.values() if s.display_name != "James Whitfield")
        chatting = chatting[:CHATS]
        for staff_id in chatting:
            address = ChatAddress(
                f"a:chat-{staff_id}", url, "tenant", "28:kestrel", f"29:{staff_id}"
            )
            await uow.chats.save(staff_id, address, clock.now())
        await uow.commit()
    values = {"key": "alert-procs", "student_id": "1", "text": "what was said", "categories": "7"}
    draft = read_form(values, now=clock.now(), time_zone="Europe/London")
    recorded = await record_as(uow_factory, clock, staff["James Whitfield"], draft)
    assert recorded.alerted == 0  # the outbox holds only the alerts this test queues
    return recorded.incident_id, staff["James Whitfield"].id, chatting


async def _queue(engine: AsyncEngine, incident: int, raised_by: int, chats: list[int]) -> set[int]:
    """ALERTS queued alerts about the incident, round the colleagues in turn; their ids."""
    now = datetime.now(UTC)
    rows = [
        dict(
            school_id=1,
            incident_id=incident,
            staff_id=chats[n % len(chats)],
            raised_by=raised_by,
            reason="tagged",
            state="queued",
            created_at=now,
            attempts=0,
        )
        for n in range(ALERTS)
    ]
    async with engine.begin() as connection:
        await connection.execute(AlertRow.__table__.insert(), rows)
        return set(await connection.scalars(select(AlertRow.id)))


async def _states(engine: AsyncEngine) -> Counter[str]:
    async with engine.connect() as connection:
        query = select(AlertRow.state, func.count()).group_by(AlertRow.state)
        return Counter({state: count for state, count in await connection.execute(query)})


def _handled(process: KestrelProcess) -> int:
    """Alerts the process says it handled, over all its busy spells."""
    return sum(int(n) for n in HANDLED.findall(process.text()))


def _tails(processes: list[KestrelProcess]) -> str:
    return "\n".join(p.tail() for p in processes)


async def _until(
    what: str, done: Callable[[], Awaitable[bool]], processes: list[KestrelProcess], within: float
) -> None:
    """Poll `done()` until true; fail (with the logs) if a process dies or time runs out."""
    deadline = time.monotonic() + within
    while not await done():
        dead = [p.name for p in processes if p.process.poll() is not None]
        assert not dead, f"{dead} stopped before {what}\n{_tails(processes)}"
        assert time.monotonic() < deadline, f"not {what} in {within:.0f} s\n{_tails(processes)}"
        await asyncio.sleep(0.2)


async def test_two_kestrel_processes_send_each_alert_exactly_once(
    postgres_url, connector, demo_seed, keyring, keyring_spec, audit_keys, audit_keys_spec, tmp_path
):
    """Two `kestrel serve` on one database share 200 alerts; none is sent twice or lost."""
    loopback, connector_url = connector
    engine = create_engine(postgres_url)
    processes: list[KestrelProcess] = []
    try:
        incident, raised_by, chats = await _seed(
            engine, demo_seed, keyring, tmp_path / "files", connector_url, audit_keys
        )
        for name in ("kestrel-a", "kestrel-b"):
            env = child_env(
                DATABASE_URL=postgres_url,
                KESTREL_DATA_DIR=str(tmp_path / name),
                KESTREL_ENCRYPTION_KEYS=keyring_spec,
                KESTREL_AUDIT_KEYS=audit_keys_spec,
                KESTREL_SEND_ALERTS="1",
            )
            processes.append(KestrelProcess.start(name, tmp_path / name, env))
        await asyncio.gather(*(p.wait_healthy() for p in processes))

        # Queued only once both are sending, so neither has the outbox to itself at the start.
        loopback.behaviours.extend([SEND_SECONDS] * ALERTS)
        queued = await _queue(engine, incident, raised_by, chats)
        assert len(queued) == ALERTS

        async def all_sent() -> bool:
            return (await _states(engine))["sent"] == ALERTS

        async def all_counted() -> bool:  # each logs its count when its busy spell ends
            return sum(_handled(p) for p in processes) >= ALERTS

        await _until("every alert sent", all_sent, processes, DELIVERY_TIMEOUT)
        await _until("both counts logged", all_counted, processes, 10.0)
        logs = _tails(processes)

        async with engine.connect() as connection:
            query = select(AlertRow.id, AlertRow.state, AlertRow.message_id)
            rows = (await connection.execute(query)).all()
        assert {row.id for row in rows} == queued
        assert {row.state for row in rows} == {"sent"}
        message_ids = [row.message_id for row in rows]
        assert None not in message_ids and len(set(message_ids)) == ALERTS, logs

        assert len(loopback.sent) == ALERTS, logs  # nothing sent twice, nothing lost
        delivered = [
            action["data"]["alert"]
            for card in loopback.cards()
            for action in card.get("actions", [])
            if action.get("verb") == "alert.read"
        ]
        repeated = sorted(i for i, n in Counter(delivered).items() if n > 1)
        assert repeated == [], f"alerts delivered twice: {repeated}\n{logs}"
        assert set(delivered) == queued

        # Teams' windows for each conversation, kept across both processes: exactly in the
        # shared send log, and at the connector within its arrival jitter.
        async with engine.connect() as connection:
            query = select(SendRow.conversation_id, SendRow.sent_at)
            logged = (await connection.execute(query)).all()
        for conversation in {row.conversation_id for row in logged}:
            moments = sorted(row.sent_at for row in logged if row.conversation_id == conversation)
            arrivals = sorted(s.at for s in loopback.sent if s.conversation_id == conversation)
            for window, most in CONVERSATION_WINDOWS[:3]:
                assert most_in_any(moments, window) <= most, (conversation, window)
                assert most_in_any(arrivals, window - JITTER) <= most, (conversation, window)
        assert most_in_any([row.sent_at for row in logged], 1.0) <= 50  # the app's rate

        handled = {p.name: _handled(p) for p in processes}
        assert all(n > 0 for n in handled.values()), f"one process did all: {handled}\n{logs}"
        assert sum(handled.values()) == ALERTS, f"{handled}\n{logs}"
    finally:
        await asyncio.gather(*(asyncio.to_thread(p.stop) for p in processes))
        await engine.dispose()
