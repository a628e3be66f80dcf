"""The audit log: keyed, chained appends in the caller's transaction (verification:
storage/audit_verify.py)."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.audit import GENESIS, AuditAction, AuditEvent, canonical_time
from storage.audit_keys import AuditKeys
from storage.models import AuditChainHeadRow, AuditEventRow
from storage.repositories import insert_or, plain_execute, utc


class NoAuditKey(RuntimeError):
    """Nothing may be audited (so nothing may be done) without a key to link the event."""


class SqlAuditLog:
    """Insert-only by construction: there is no update or delete of events here."""

    def __init__(self, session: AsyncSession, keys: AuditKeys | None = None) -> None:
        self.session, self._keys = session, keys

    async def append(self, event: AuditEvent) -> None:
        """Add the event as the next link of its school's chain (locks the chain head)."""
        if self._keys is None:
            raise NoAuditKey("no audit key: set KESTREL_AUDIT_KEYS")
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
            key_id=self._keys.current,
        )
        row.hash = self._keys.link(previous, linked_fields(row))
        # Written as Core statements (no ORM flush a press): nothing reads the row back here.
        values = {c: getattr(row, c) for c in _COLUMNS}
        head = {"head": chain, "new_hash": row.hash}
        if self.session.get_bind().dialect.name == "postgresql":
            # One round trip, not two, while this chain's head is locked: every other press
            # of the school waits for it (the data-modifying WITH runs whatever reads it).
            appended = {f"event_{c}": value for c, value in values.items()}
            await plain_execute(self.session, _APPEND_AND_SET_HEAD, {**appended, **head})
            return
        await plain_execute(self.session, _INSERT, values)
        await plain_execute(self.session, _SET_HEAD, head)

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
        head = (await plain_execute(self.session, _BUMP_HEAD, {"head": chain})).first()
        if head is None:  # a chain's first event: create its head, racing nobody twice
            start = insert_or(self.session, AuditChainHeadRow).values(
                chain=chain, seq=0, hash=GENESIS
            )
            await self.session.execute(start.on_conflict_do_nothing(index_elements=["chain"]))
            head = (await plain_execute(self.session, _BUMP_HEAD, {"head": chain})).one()
        return head.seq, head.hash


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


# Every press appends an event: its statements on the chain head are built once.
_BUMP_HEAD = (
    update(AuditChainHeadRow)
    .where(AuditChainHeadRow.chain == bindparam("head"))
    .values(seq=AuditChainHeadRow.seq + 1)
    .returning(AuditChainHeadRow.seq, AuditChainHeadRow.hash)
)
_SET_HEAD = (
    update(AuditChainHeadRow)
    .where(AuditChainHeadRow.chain == bindparam("head"))
    .values(hash=bindparam("new_hash"))
)
_COLUMNS = (
    "chain",
    "seq",
    "previous_hash",
    "hash",
    "key_id",
    "school_id",
    "occurred_at",
    "actor_staff_id",
    "action",
    "record_type",
    "record_id",
    "conversation_type",
    "detail",
)
_INSERT = insert(AuditEventRow)
_APPEND_AND_SET_HEAD = _SET_HEAD.add_cte(
    insert(AuditEventRow).values({c: bindparam(f"event_{c}") for c in _COLUMNS}).cte("appended")
)
