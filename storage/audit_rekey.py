"""`kestrel audit rekey`: once, after upgrading to keyed audit, the links written before it
(plain SHA-256, which anyone able to write to the database could recompute) are re-linked
under the current audit key.

Each chain is re-linked in one transaction holding its head (appends wait), and only if every
link still holds as it was written: re-keying never launders a break. The old links are not
kept, but the chain then records an `audit.rekeyed` event naming how many links were keyed and
the old hash of the last plain one, so a copy of that hash made earlier can still be matched.
Links already keyed keep their key; only their `previous_hash` follows the new links before
them. This is the one place that updates audit events.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from safeguarding.audit import GENESIS, AuditAction, AuditEvent, chain_hash
from storage.audit import SqlAuditLog, linked_fields
from storage.audit_keys import AuditKeys
from storage.models import AuditChainHeadRow, AuditEventRow

_BATCH = 1000


class RekeyRefused(Exception):
    """A chain that does not hold as written is left alone; the message names where."""


@dataclass(frozen=True)
class Rekeyed:
    chain: int
    plain: int  # links that were plain SHA-256, now keyed
    relinked: int  # links recomputed (the plain ones and every later one)


@dataclass
class _Relink:
    keys: AuditKeys
    chain: int
    seq: int = 0
    old: str = GENESIS  # the previous link as it was
    new: str = GENESIS  # the previous link as it is now
    plain: int = 0
    sealed: str = GENESIS  # the old hash of the last plain link


async def chains_to_rekey(engine: AsyncEngine) -> list[int]:
    """Chains that begin with a plain link (written before keyed audit)."""
    async with AsyncSession(engine) as session:
        found = await session.scalars(
            select(AuditEventRow.chain)
            .where(AuditEventRow.seq == 1, AuditEventRow.key_id.is_(None))
            .order_by(AuditEventRow.chain)
        )
        return list(found)


async def rekey_chain(engine: AsyncEngine, keys: AuditKeys, chain: int, now: datetime) -> Rekeyed:
    """Re-link one chain under the current key, then record that it was done."""
    async with AsyncSession(engine) as session, session.begin():
        head_seq = await _hold_head(session, chain)
        relink = _Relink(keys, chain)
        while batch := await _next_links(session, chain, relink.seq, head_seq):
            await session.execute(update(AuditEventRow), [_relinked(relink, row) for row in batch])
            session.expunge_all()
        if relink.seq != head_seq:
            raise RekeyRefused(f"chain {chain}: events after seq {relink.seq} are missing")
        await session.execute(
            update(AuditChainHeadRow)
            .where(AuditChainHeadRow.chain == chain)
            .values(hash=relink.new)
        )
        detail = {"plain": relink.plain, "sealed": relink.sealed}
        event = AuditEvent(AuditAction.AUDIT_REKEYED, now, school_id=chain or None, detail=detail)
        await SqlAuditLog(session, keys).append(event)
    return Rekeyed(chain, relink.plain, relink.seq)


async def _hold_head(session: AsyncSession, chain: int) -> int:
    # An update that changes nothing still takes the head's lock: appends queue behind it.
    held = await session.execute(
        update(AuditChainHeadRow)
        .where(AuditChainHeadRow.chain == chain)
        .values(seq=AuditChainHeadRow.seq)
        .returning(AuditChainHeadRow.seq)
    )
    seq = held.scalar()
    if seq is None:
        raise RekeyRefused(f"chain {chain}: its head is missing")
    return seq


async def _next_links(
    session: AsyncSession, chain: int, after: int, until: int
) -> list[AuditEventRow]:
    rows = await session.scalars(
        select(AuditEventRow)
        .where(AuditEventRow.chain == chain, AuditEventRow.seq > after, AuditEventRow.seq <= until)
        .order_by(AuditEventRow.seq)
        .limit(_BATCH)
    )
    return list(rows)


def _relinked(relink: _Relink, row: AuditEventRow) -> dict[str, object]:
    """The row's new link, after checking that its old one holds."""
    where = f"chain {relink.chain}, seq {row.seq}"
    if row.seq != relink.seq + 1 or row.previous_hash != relink.old:
        raise RekeyRefused(f"{where}: it does not follow the event before it")
    fields = linked_fields(row)
    if row.key_id is None:
        if relink.plain != relink.seq:
            raise RekeyRefused(f"{where}: an unkeyed link after keyed ones")
        if chain_hash(relink.old, fields, None) != row.hash:
            raise RekeyRefused(f"{where}: its contents were changed after it was written")
        relink.plain, relink.sealed = relink.plain + 1, row.hash
    elif not (
        relink.keys.knows(row.key_id)
        and relink.keys.holds(row.key_id, relink.old, fields, row.hash)
    ):
        raise RekeyRefused(f"{where}: its keyed link does not hold")
    key_id = row.key_id or relink.keys.current
    new = relink.keys.link(relink.new, fields, key_id)
    change = {"id": row.id, "previous_hash": relink.new, "hash": new, "key_id": key_id}
    relink.seq, relink.old, relink.new = row.seq, row.hash, new
    return change
