"""The audit log in tests: events written through the unit of work, checks as `kestrel audit
verify` makes them, and what someone with write access to the database (but not the audit key)
can do to it."""

from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from safeguarding.audit import GENESIS, AuditAction, AuditEvent, chain_hash
from storage.audit import linked_fields
from storage.audit_checkpoints import Written, read_checkpoints, write_checkpoint
from storage.audit_keys import AuditKeys
from storage.audit_verify import AuditReport, verify_audit_log
from storage.models import AuditChainHeadRow, AuditEventRow


async def record(uow_factory, clock, school_id: int | None, count: int, **detail) -> None:
    """`count` events in the school's chain, one transaction each."""
    for n in range(count):
        async with uow_factory() as uow:
            await uow.audit.append(
                AuditEvent(
                    AuditAction.SCHOOL_SEEDED,
                    clock.now(),
                    school_id=school_id,
                    detail={"n": n, **detail},
                )
            )
            await uow.commit()


async def verify(
    engine: AsyncEngine, keys: AuditKeys, checkpoints: Path | None = None
) -> AuditReport:
    """The report `kestrel audit verify` prints (the checkpoint file read first, as it does)."""
    held = read_checkpoints(checkpoints, keys) if checkpoints else None
    async with AsyncSession(engine) as session:
        return await verify_audit_log(session, keys, held)


async def checkpoint(engine: AsyncEngine, keys: AuditKeys, path: Path, clock) -> Written:
    """One checkpoint, as the serving process writes it every few minutes."""
    return await write_checkpoint(engine, keys, path, clock.now())


async def tamper(engine: AsyncEngine, *statements) -> None:
    """Statements run straight on the database, around Kestrel."""
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(statement)


async def chain_rows(engine: AsyncEngine, chain: int) -> list[AuditEventRow]:
    async with AsyncSession(engine) as session:
        rows = list(await session.scalars(_in_order(chain)))
        session.expunge_all()
    return rows


async def rewrite(
    engine: AsyncEngine, chain: int, *, from_seq: int, edit=None, unkeyed: bool = False
) -> None:
    """What a forger without the key can do: edit the event at `from_seq` (`edit(row)`), then
    recompute it and every later link and the head, with the only hash they can compute (plain
    SHA-256; `unkeyed` also clears the key ids, claiming the links predate keyed audit)."""
    async with AsyncSession(engine) as session, session.begin():
        rows = await session.scalars(_in_order(chain))
        previous = GENESIS
        for row in rows:
            if row.seq == from_seq and edit is not None:
                edit(row)
            if row.seq >= from_seq:
                row.previous_hash = previous
                if unkeyed:
                    row.key_id = None
                row.hash = chain_hash(previous, linked_fields(row), None)
            previous = row.hash
        await session.execute(
            update(AuditChainHeadRow).where(AuditChainHeadRow.chain == chain).values(hash=previous)
        )


async def truncate(engine: AsyncEngine, chain: int, keep: int) -> None:
    """Delete the chain's events after seq `keep` and roll its head back to match."""
    kept = [r for r in await chain_rows(engine, chain) if r.seq <= keep][-1]
    await tamper(
        engine,
        delete(AuditEventRow).where(AuditEventRow.chain == chain, AuditEventRow.seq > keep),
        update(AuditChainHeadRow)
        .where(AuditChainHeadRow.chain == chain)
        .values(seq=keep, hash=kept.hash),
    )


async def as_before_keyed_audit(engine: AsyncEngine, chain: int) -> None:
    """The chain as Kestrel wrote it before keyed audit: plain SHA-256 links, no key ids."""
    await rewrite(engine, chain, from_seq=1, unkeyed=True)


def _in_order(chain: int):
    return select(AuditEventRow).where(AuditEventRow.chain == chain).order_by(AuditEventRow.seq)
