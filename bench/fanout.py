"""Alert fan-out: one incident alerting 300 colleagues, through a connector enforcing Teams' limits.

The stand-in connector answers 429 (Retry-After: 1) when an accepted message would make more than
50 for the app in the last second, or more than 7 (1 s) / 8 (2 s) / 60 (30 s) / 1,800 (1 hour) for
one conversation; 429s do not count towards the windows. The real AlertSender runs as the app
runs it (run_forever).
"""

import argparse
import asyncio
import itertools
import tempfile
import time
from collections import deque
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.databases import postgres_database
from bot.adapter import create_adapter
from bot.rates import SendLimits, wait
from bot.sender import AlertSender
from bot.settings import Settings
from safeguarding.clock import SystemClock
from safeguarding.services.outbox import Outbox
from safeguarding.staff import Role
from storage.audit_keys import AuditKeys
from storage.database import create_engine
from storage.encryption import new_key_spec
from storage.migrate import upgrade
from storage.models import AlertRow, ChatAddressRow, IncidentRow, SchoolRow, StaffRow
from storage.sends import SqlSendLog
from storage.uow import unit_of_work_factory

APP_WINDOWS = ((1.0, 50),)
CONVERSATION_WINDOWS = ((1.0, 7), (2.0, 8), (30.0, 60), (3600.0, 1800))


class LimitedConnector:
    """A Bot Connector stand-in that throttles like Teams and records what it accepted."""

    def __init__(self) -> None:
        self.accepted: dict[str, list[str]] = {}
        self.throttled = 0
        self._app: deque[float] = deque()
        self._conversations: dict[str, deque[float]] = {}
        self._ids = itertools.count(1)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._send)
        return app

    async def _send(self, request: web.Request) -> web.Response:
        await request.read()
        conversation, now = request.match_info["conversation"], time.monotonic()
        recent = self._conversations.setdefault(conversation, deque())
        if _full(self._app, now, APP_WINDOWS) or _full(recent, now, CONVERSATION_WINDOWS):
            self.throttled += 1
            return web.json_response(
                {"error": {"code": "Throttled", "message": "too many requests"}},
                status=429,
                headers={"Retry-After": "1"},
            )
        self._app.append(now)
        recent.append(now)
        message_id = f"m-{next(self._ids)}"
        self.accepted.setdefault(conversation, []).append(message_id)
        return web.json_response({"id": message_id}, status=201)


def _full(sent: deque[float], now: float, windows: tuple[tuple[float, int], ...]) -> bool:
    """True if one more message now would exceed any (window seconds, most messages) limit."""
    while sent and now - sent[0] >= windows[-1][0]:
        sent.popleft()
    return any(sum(1 for t in sent if now - t < window) >= most for window, most in windows)


async def fill(engine: AsyncEngine, colleagues: int, service_url: str) -> None:
    """A school, one incident, and a queued alert to each colleague's own 1:1 chat."""
    now = datetime.now(UTC)
    staff = [
        dict(
            id=n,
            school_id=1,
            aad_object_id=f"aad-{n}",
            display_name=f"Colleague {n}",
            email=f"c{n}@x",
            role=Role.DSL.value if n == 1 else Role.STAFF.value,
            active=True,
            created_at=now,
            updated_at=now,
        )
        for n in range(1, colleagues + 2)
    ]
    async with engine.begin() as connection:
        school = dict(id=1, name="Bench", tenant_id="t", time_zone="Europe/London", created_at=now)
        await connection.execute(insert(SchoolRow).values(**school))
        await connection.execute(insert(StaffRow), staff)
        await connection.execute(
            insert(IncidentRow).values(
                id=1,
                school_id=1,
                recorded_by=1,
                recorded_at=now,
                happened_at=now,
                time_zone="Europe/London",
                status="Open",
                agencies=[],
                version=1,
                idempotency_key="fanout",
                text_ciphertext="v1.x.placeholder",
            )
        )
        colleague_ids = range(2, colleagues + 2)
        await connection.execute(
            insert(ChatAddressRow),
            [
                dict(
                    staff_id=n,
                    conversation_id=f"a:chat-{n}",
                    service_url=service_url,
                    tenant_id="t",
                    bot_id="28:kestrel",
                    user_id=f"29:user-{n}",
                    updated_at=now,
                )
                for n in colleague_ids
            ],
        )
        await connection.execute(
            insert(AlertRow),
            [
                dict(
                    school_id=1,
                    incident_id=1,
                    staff_id=n,
                    raised_by=1,
                    reason="group",
                    state="queued",
                    created_at=now,
                )
                for n in colleague_ids
            ],
        )


async def count(engine: AsyncEngine, *where: object) -> int:
    """How many alerts match."""
    async with engine.connect() as connection:
        return await connection.scalar(select(func.count()).select_from(AlertRow).where(*where))


async def measure(url: str, colleagues: int, rate: float, limit: float) -> tuple:
    """Send every alert; (seconds, accepted, 429s, duplicates, lost)."""
    connector = LimitedConnector()
    server = TestServer(connector.app(), host="127.0.0.1")
    await server.start_server()
    engine = create_engine(url)
    await upgrade(engine)
    await fill(engine, colleagues, str(server.make_url("/")))
    clock = SystemClock()
    outbox = Outbox(
        unit_of_work_factory(engine, clock, audit_keys=AuditKeys.parse(new_key_spec("b"))), clock
    )
    limits = SendLimits(SqlSendLog(engine, wait), per_second=rate)  # as the app runs it
    sender = AlertSender(create_adapter(Settings(local=True)), outbox, app_id="", limits=limits)
    start = time.perf_counter()
    task = asyncio.create_task(sender.run_forever())
    while time.perf_counter() - start < limit:
        if not await count(engine, AlertRow.state == "queued"):
            break
        await asyncio.sleep(0.05)
    seconds = time.perf_counter() - start
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    lost = await count(engine, AlertRow.state != "sent")
    await engine.dispose()
    await server.close()
    accepted = sum(len(ids) for ids in connector.accepted.values())
    duplicates = sum(len(ids) - 1 for ids in connector.accepted.values())
    return seconds, accepted, connector.throttled, duplicates, lost


async def main(colleagues: int, rate: float, limit: float) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows.append(("sqlite", *await measure(f"sqlite:///{folder}/b.db", colleagues, rate, limit)))
    async with postgres_database() as url:
        rows.append(("postgresql", *await measure(url, colleagues, rate, limit)))
    floor = colleagues / APP_WINDOWS[0][1]
    print(f"\nfan-out: 1 incident -> {colleagues} colleagues, sender rate {rate:g}/s, 1 sender")
    print(
        f"{'database':<12}{'seconds':>9}{'floor s':>9}{'accepted':>10}{'429s':>7}"
        f"{'duplicates':>12}{'lost':>6}"
    )
    for backend, seconds, accepted, throttled, duplicates, lost in rows:
        print(
            f"{backend:<12}{seconds:>9.2f}{floor:>9.2f}{accepted:>10}{throttled:>7}"
            f"{duplicates:>12}{lost:>6}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--colleagues", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--limit", type=float, default=600.0, help="give up after (seconds)")
    args = parser.parse_args()
    asyncio.run(main(args.colleagues, args.rate, args.limit))
