"""A school's audit log grown to size: a valid hash chain (`kestrel audit verify` passes), its
head, and events spread over the school's history (each incident recorded, then views)."""

from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.databases import bulk_insert
from bench.history import DSL, Layout
from safeguarding.audit import GENESIS, AuditAction
from storage.audit import linked_fields
from storage.audit_keys import AuditKeys
from storage.models import AuditChainHeadRow, AuditEventRow

BATCH = 20_000


def audit_event(seq: int, events: int, incidents: int, staff: int, layout: Layout) -> dict:
    """Event `seq` of school 1's chain: incident seq recorded, or later a view of one."""
    recorded = seq <= incidents
    return dict(
        chain=1,
        seq=seq,
        school_id=1,
        occurred_at=_when(seq, events, layout),
        actor_staff_id=1 + seq % staff if recorded else DSL + (seq % 3 == 0),
        action=(AuditAction.INCIDENT_RECORDED if recorded else AuditAction.INCIDENT_VIEWED).value,
        record_type="incident",
        record_id=seq if recorded else 1 + (seq * 7_919) % incidents,
        conversation_type="personal",
        detail={},
    )


def _when(seq: int, events: int, layout: Layout) -> datetime:
    return layout.first + layout.span * (seq - 1) / events


async def audit_chain(
    engine: AsyncEngine, events: int, incidents: int, staff: int, layout: Layout, keys: AuditKeys
) -> str:
    """Write `events` events chained under the current audit key, and the chain's head; the
    newest link's hash."""
    previous = GENESIS
    for start in range(1, events + 1, BATCH):
        rows = []
        for seq in range(start, min(start + BATCH, events + 1)):
            row = audit_event(seq, events, incidents, staff, layout)
            row["previous_hash"], row["key_id"] = previous, keys.current
            previous = row["hash"] = keys.link(previous, linked_fields(SimpleNamespace(**row)))
            rows.append(row)
        async with engine.begin() as connection:
            await bulk_insert(connection, AuditEventRow, rows)
    async with engine.begin() as connection:
        await connection.execute(
            insert(AuditChainHeadRow).values(chain=1, seq=events, hash=previous)
        )
    return previous
