"""The audit log: chained appends in the caller's transaction, and verification of every chain."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.audit import GENESIS, AuditAction, AuditEvent, canonical_time, chain_hash
from storage.models import AuditChainHeadRow, AuditEventRow
from storage.repositories import utc


class SqlAuditLog:
    """Insert-only by construction: there is no update or delete of events here."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def append(self, event: AuditEvent) -> None:
        """Add the event as the next link of its school's chain (locks the chain head)."""
        chain = event.school_id or 0
        seq, previous = await self._advance_head(chain)
        row = AuditEventRow(
            chain=chain,
            seq=seq,
            previous_hash=previous,
            school_id=event.school_id,
            occurred_at=event.occurred_at,
            actor_staff_id=event.actor_staff_id,
            action=event.action.value,
            record_type=event.record_type,
            record_id=event.record_id,
            conversation_type=event.conversation_type,
            detail=dict(event.detail),
        )
        row.hash = chain_hash(previous, linked_fields(row))
        self.session.add(row)
        await self.session.execute(
            update(AuditChainHeadRow).where(AuditChainHeadRow.chain == chain).values(hash=row.hash)
        )
        await self.session.flush()

    async def for_records(
        self, school_id: int, records: Sequence[tuple[str, int]], limit: int, offset: int = 0
    ) -> Sequence[AuditEvent]:
        """Events about these records (type, id) in this school, newest first, from `offset`."""
        if not records:
            return []
        wanted = or_(
            *(
                and_(AuditEventRow.record_type == kind, AuditEventRow.record_id == record_id)
                for kind, record_id in records
            )
        )
        rows = await self.session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.school_id == school_id, wanted)
            .order_by(AuditEventRow.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [
            AuditEvent(
                AuditAction(r.action),
                utc(r.occurred_at),
                school_id=r.school_id,
                actor_staff_id=r.actor_staff_id,
                record_type=r.record_type,
                record_id=r.record_id,
                conversation_type=r.conversation_type,
                detail=dict(r.detail or {}),
            )
            for r in rows
        ]

    async def _advance_head(self, chain: int) -> tuple[int, str]:
        # Updating the head first takes its row lock (PostgreSQL) or the write lock (SQLite), so
        # concurrent appends to one chain queue here instead of forking it.
        bump = (
            update(AuditChainHeadRow)
            .where(AuditChainHeadRow.chain == chain)
            .values(seq=AuditChainHeadRow.seq + 1)
            .returning(AuditChainHeadRow.seq, AuditChainHeadRow.hash)
        )
        head = (await self.session.execute(bump)).first()
        if head is None:  # a chain's first event: create its head, racing nobody twice
            start = _insert(self.session).values(chain=chain, seq=0, hash=GENESIS)
            await self.session.execute(start.on_conflict_do_nothing(index_elements=["chain"]))
            head = (await self.session.execute(bump)).one()
        return head.seq, head.hash


def _insert(session: AsyncSession):
    dialect = session.get_bind().dialect.name
    return (
        postgresql_insert(AuditChainHeadRow)
        if dialect == "postgresql"
        else sqlite_insert(AuditChainHeadRow)
    )


def linked_fields(row: AuditEventRow) -> dict[str, Any]:
    """The stored values a link's hash covers."""
    return {
        "chain": row.chain,
        "seq": row.seq,
        "school": row.school_id,
        "at": canonical_time(row.occurred_at),
        "actor": row.actor_staff_id,
        "action": row.action,
        "record_type": row.record_type,
        "record_id": row.record_id,
        "conversation": row.conversation_type,
        "detail": row.detail,
    }


@dataclass(frozen=True)
class ChainReport:
    events: int
    chains: int
    broken: str | None = None  # the first broken link, in words

    @property
    def intact(self) -> bool:
        """Whether every chain verified."""
        return self.broken is None


async def verify_audit_chains(session: AsyncSession) -> ChainReport:
    """Recompute every link of every chain; name the first one that does not hold.

    Kestrel may write while this runs: the heads are read first and each chain is checked up to
    its head as read then; events appended later are left for the next check.
    """
    heads = {
        chain: (seq, last)
        for chain, seq, last in await session.execute(
            select(AuditChainHeadRow.chain, AuditChainHeadRow.seq, AuditChainHeadRow.hash)
        )
    }
    rows = await session.stream_scalars(
        select(AuditEventRow)
        .order_by(AuditEventRow.chain, AuditEventRow.seq)
        .execution_options(yield_per=1000)
    )
    events = 0
    tails: dict[int, tuple[int, str]] = {}  # chain -> (seq, hash) of its last verified link
    async for row in rows:
        if row.chain in heads and row.seq > heads[row.chain][0]:
            continue  # written after the heads were read
        events += 1
        seq, previous = tails.get(row.chain, (0, GENESIS))
        if problem := _link_problem(row, seq + 1, previous):
            where = f"chain {row.chain}, event id {row.id} (seq {row.seq})"
            return ChainReport(events, len(tails), f"{where}: {problem}")
        tails[row.chain] = (row.seq, row.hash)
    current = set(await session.scalars(select(AuditChainHeadRow.chain)))
    for chain in sorted(heads.keys() | tails.keys()):
        head = heads.get(chain) or ((0, GENESIS) if chain in current else None)
        if problem := _head_problem(head, tails.get(chain, (0, GENESIS))):
            return ChainReport(events, len(tails), f"chain {chain}: {problem}")
    return ChainReport(events, len(tails))


def _link_problem(row: AuditEventRow, expected_seq: int, previous: str) -> str | None:
    if row.seq != expected_seq:
        return f"expected seq {expected_seq}: events are missing before it"
    if row.previous_hash != previous:
        return "it does not follow the event before it"
    if chain_hash(previous, linked_fields(row)) != row.hash:
        return "its contents were changed after it was written"
    return None


def _head_problem(head: tuple[int, str] | None, tail: tuple[int, str]) -> str | None:
    if head is None:
        return "its head is missing"
    if head[0] > tail[0]:
        return f"events after seq {tail[0]} are missing (the chain recorded {head[0]})"
    if head != tail:
        return f"the newest event (seq {tail[0]}) does not match the recorded head"
    return None
