"""The send log in the database: Teams' moving windows, shared by every sender process.

One reservation is one short transaction: take the send lock (PostgreSQL: a transaction-level
advisory lock, so two processes never both take a window's last place; SQLite has one writer
anyway), read the database's clock (one clock for every process), find each window's
limit-th most recent send, and record this send if the rule given says every window has room.
Not the `limits` library: its shared storages are Redis, Memcached and MongoDB, services a
school does not run for Kestrel, and it cannot check several windows and count a send in one
atomic step; the database is already shared by every process.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import ScalarSelect, delete, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.models import SendRow

# Any fixed number: every Kestrel process takes this advisory lock to reserve a send.
SEND_LOCK = 0x6B657374
PRUNE_EVERY = 500  # reservations between clearing sends older than every window
# The lock (PostgreSQL), then the database's clock, in one round trip.
_LOCKED_NOW = {
    "postgresql": f"SELECT extract(epoch FROM clock_timestamp())::float8 "
    f"FROM (SELECT pg_advisory_xact_lock({SEND_LOCK})) AS locked",
    "sqlite": "SELECT (julianday('now') - 2440587.5) * 86400.0",
}


class Limits(Protocol):
    """The windows one send must keep (bot/rates.py: Windows)."""

    @property
    def app(self) -> tuple[float, int]: ...
    @property
    def conversation(self) -> tuple[tuple[float, int], ...]: ...
    @property
    def longest(self) -> float: ...


# now, [(window, the limit-th latest moment inside it or None)] -> seconds to wait
Rule = Callable[[float, Sequence[tuple[float, float | None]]], float]


@dataclass
class SqlSendLog:
    engine: AsyncEngine
    rule: Rule
    _reserved: int = field(default=0)

    async def reserve(self, conversation_id: str, windows: Limits) -> float:
        """Record one send to this conversation now if every window has room (0); otherwise
        record nothing and return the seconds to wait."""
        async with self.engine.begin() as connection:
            now = float(await connection.scalar(text(_LOCKED_NOW[connection.dialect.name])))
            found = await _nth_latest(connection, conversation_id, windows, now)
            delay = self.rule(now, found)
            if delay > 0:
                return delay
            await connection.execute(
                insert(SendRow).values(conversation_id=conversation_id, sent_at=now)
            )
            self._reserved += 1
            if self._reserved % PRUNE_EVERY == 1:
                await connection.execute(
                    delete(SendRow).where(SendRow.sent_at < now - windows.longest - 60)
                )
        return 0.0


async def _nth_latest(
    connection: AsyncConnection, conversation_id: str, windows: Limits, now: float
) -> list[tuple[float, float | None]]:
    """Each window's limit-th most recent send inside it, in one round trip."""
    app_window, app_most = windows.app
    asked = [(app_window, _nth(app_most, SendRow.sent_at > now - app_window))]
    for window, most in windows.conversation:
        inside = (SendRow.conversation_id == conversation_id, SendRow.sent_at > now - window)
        asked.append((window, _nth(most, *inside)))
    row = (await connection.execute(select(*(query for _, query in asked)))).one()
    return [
        (window, None if moment is None else float(moment))
        for (window, _), moment in zip(asked, row, strict=True)
    ]


def _nth(most: int, *where) -> ScalarSelect:
    return (
        select(SendRow.sent_at)
        .where(*where)
        .order_by(SendRow.sent_at.desc())
        .offset(most - 1)
        .limit(1)
        .scalar_subquery()
    )
