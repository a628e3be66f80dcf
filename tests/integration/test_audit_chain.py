"""The audit log is a chain of keyed links per school: edits, removals and reordering are all
detected, and concurrent appends never fork it."""

import asyncio

import pytest
from sqlalchemy import delete, select, update

from storage.database import create_engine
from storage.models import AuditChainHeadRow, AuditEventRow
from storage.uow import unit_of_work_factory
from tests.support.audit import record, tamper, verify


async def event_id(engine, chain: int, seq: int) -> int:
    async with engine.connect() as connection:
        return await connection.scalar(
            select(AuditEventRow.id).where(AuditEventRow.chain == chain, AuditEventRow.seq == seq)
        )


async def test_each_school_has_its_own_unbroken_chain(
    demo_school, uow_factory, clock, engine, audit_keys
):
    school = demo_school.school_id
    await record(uow_factory, clock, school, 3)
    await record(uow_factory, clock, None, 2)
    report = await verify(engine, audit_keys)
    assert report.intact, report.broken
    assert (report.events, report.chains) == (1 + 3 + 2, 2)  # the seed wrote the first one
    async with engine.connect() as connection:
        seqs = (
            await connection.execute(
                select(AuditEventRow.chain, AuditEventRow.seq).order_by(AuditEventRow.id)
            )
        ).all()
    assert [tuple(r) for r in seqs] == [
        (school, 1),
        (school, 2),
        (school, 3),
        (school, 4),
        (0, 1),
        (0, 2),
    ]


async def test_editing_a_row_in_the_database_is_detected_and_named(
    demo_school, uow_factory, clock, engine, audit_keys
):
    await record(uow_factory, clock, demo_school.school_id, 4)
    target = await event_id(engine, demo_school.school_id, 3)
    await tamper(
        engine, update(AuditEventRow).where(AuditEventRow.id == target).values(detail={"n": 99})
    )
    report = await verify(engine, audit_keys)
    assert not report.intact
    assert f"event id {target} (seq 3)" in report.broken
    assert "contents were changed" in report.broken


async def test_deleting_an_event_from_the_middle_is_detected(
    demo_school, uow_factory, clock, engine, audit_keys
):
    await record(uow_factory, clock, demo_school.school_id, 4)
    target = await event_id(engine, demo_school.school_id, 2)
    await tamper(engine, delete(AuditEventRow).where(AuditEventRow.id == target))
    report = await verify(engine, audit_keys)
    assert "expected seq 2: events are missing" in report.broken


async def test_deleting_the_newest_events_is_detected(
    demo_school, uow_factory, clock, engine, audit_keys
):
    await record(uow_factory, clock, demo_school.school_id, 4)
    await tamper(engine, delete(AuditEventRow).where(AuditEventRow.seq >= 4))
    report = await verify(engine, audit_keys)
    assert f"chain {demo_school.school_id}: events after seq 3 are missing" in report.broken


async def test_rewriting_a_timestamp_is_detected(
    demo_school, uow_factory, clock, engine, audit_keys
):
    await record(uow_factory, clock, demo_school.school_id, 2)
    target = await event_id(engine, demo_school.school_id, 2)
    earlier = clock.now().replace(hour=3)
    await tamper(
        engine, update(AuditEventRow).where(AuditEventRow.id == target).values(occurred_at=earlier)
    )
    assert "contents were changed" in (await verify(engine, audit_keys)).broken


async def test_concurrent_appends_never_fork_a_chain(
    demo_school, uow_factory, clock, engine, audit_keys
):
    async def writer(tag: str) -> None:
        await record(uow_factory, clock, demo_school.school_id, 10, writer=tag)

    await asyncio.gather(*(writer(t) for t in "abcd"))
    report = await verify(engine, audit_keys)
    assert report.intact, report.broken
    async with engine.connect() as connection:
        head = await connection.scalar(
            select(AuditChainHeadRow.seq).where(AuditChainHeadRow.chain == demo_school.school_id)
        )
    assert head == 41 and report.events == 41


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_appends_from_two_separate_connections_queue_on_the_chain_head(
    backend, demo_school, database_url, clock, engine, audit_keys
):
    other = create_engine(database_url)
    try:
        first, second = (
            unit_of_work_factory(e, clock, audit_keys=audit_keys) for e in (engine, other)
        )
        await asyncio.gather(
            record(first, clock, demo_school.school_id, 15, via="one"),
            record(second, clock, demo_school.school_id, 15, via="two"),
        )
    finally:
        await other.dispose()
    report = await verify(engine, audit_keys)
    assert report.intact and report.events == 31


async def test_verifying_while_kestrel_writes_reports_no_false_alarm(
    demo_school, uow_factory, clock, engine, audit_keys
):
    await record(uow_factory, clock, demo_school.school_id, 20)

    async def verify_often():
        return [await verify(engine, audit_keys) for _ in range(10)]

    reports, _ = await asyncio.gather(
        verify_often(), record(uow_factory, clock, demo_school.school_id, 40)
    )
    assert all(report.intact for report in reports), [r.broken for r in reports]


async def test_a_rewritten_chain_head_is_detected(
    demo_school, uow_factory, clock, engine, audit_keys
):
    await record(uow_factory, clock, demo_school.school_id, 2)
    await tamper(engine, update(AuditChainHeadRow).values(hash="f" * 64))
    assert "does not match the recorded head" in (await verify(engine, audit_keys)).broken


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_two_first_events_of_a_new_chain_at_once_do_not_collide(
    backend, database_url, clock, engine, audit_keys
):
    other = create_engine(database_url)
    try:
        first, second = (
            unit_of_work_factory(e, clock, audit_keys=audit_keys) for e in (engine, other)
        )
        await asyncio.gather(record(first, clock, None, 5), record(second, clock, None, 5))
    finally:
        await other.dispose()
    report = await verify(engine, audit_keys)
    assert report.intact and report.events == 10
