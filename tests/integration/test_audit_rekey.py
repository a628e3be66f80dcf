"""Databases chained with plain SHA-256 before keyed audit, `kestrel audit rekey`, and rotating
the audit key."""

import asyncio

import pytest
from sqlalchemy import update

from safeguarding.audit import AuditAction
from storage.audit_keys import AuditKeys
from storage.audit_rekey import RekeyRefused, chains_to_rekey, rekey_chain
from storage.database import create_engine
from storage.encryption import new_key_spec
from storage.models import AuditEventRow
from storage.uow import unit_of_work_factory
from tests.support.audit import (
    as_before_keyed_audit,
    chain_rows,
    checkpoint,
    record,
    tamper,
    verify,
)


@pytest.fixture
async def legacy(demo_school, uow_factory, clock, engine):
    """The demo school's chain and chain 0, both as written before keyed audit (5 and 2 links)."""
    school = demo_school.school_id
    await record(uow_factory, clock, school, 4)
    await record(uow_factory, clock, None, 2)
    await as_before_keyed_audit(engine, school)
    await as_before_keyed_audit(engine, 0)
    return school


async def rekey_all(engine, keys, clock) -> list:
    return [await rekey_chain(engine, keys, c, clock.now()) for c in await chains_to_rekey(engine)]


async def test_a_log_from_before_keyed_audit_is_named_until_it_is_rekeyed(
    legacy, engine, audit_keys
):
    report = await verify(engine, audit_keys)
    assert [p.kind for p in report.problems] == ["unkeyed", "unkeyed"]
    assert "chain 0: its first 2 events are linked with plain SHA-256" in report.broken
    assert f"chain {legacy}: its first 5 events" in report.broken
    assert "run `kestrel audit rekey` once" in report.broken


async def test_rekey_keys_every_plain_link_and_records_the_seal(legacy, engine, audit_keys, clock):
    plain_tail = (await chain_rows(engine, legacy))[-1].hash
    done = await rekey_all(engine, audit_keys, clock)
    assert [(r.chain, r.plain, r.relinked) for r in done] == [(0, 2, 2), (legacy, 5, 5)]
    report = await verify(engine, audit_keys)
    assert report.intact, report.broken
    rows = await chain_rows(engine, legacy)
    assert {r.key_id for r in rows} == {"audit"}
    assert rows[-1].action == AuditAction.AUDIT_REKEYED.value
    assert rows[-1].detail == {"plain": 5, "sealed": plain_tail}
    assert await chains_to_rekey(engine) == []


async def test_keyed_links_appended_before_the_rekey_are_relinked_with_their_own_key(
    legacy, engine, audit_keys, uow_factory, clock
):
    await record(uow_factory, clock, legacy, 3)  # after upgrading, before `kestrel audit rekey`
    assert "first 5 events" in (await verify(engine, audit_keys)).broken
    [_, chain] = await rekey_all(engine, audit_keys, clock)
    assert (chain.plain, chain.relinked) == (5, 8)
    assert (await verify(engine, audit_keys)).intact


async def test_rekey_refuses_a_plain_chain_that_was_edited_and_changes_nothing(
    legacy, engine, audit_keys, clock
):
    await tamper(
        engine,
        update(AuditEventRow)
        .where(AuditEventRow.chain == legacy, AuditEventRow.seq == 3)
        .values(detail={"n": 42}),
    )
    before = [(r.hash, r.key_id) for r in await chain_rows(engine, legacy)]
    with pytest.raises(RekeyRefused, match=f"chain {legacy}, seq 3: its contents were changed"):
        await rekey_chain(engine, audit_keys, legacy, clock.now())
    assert [(r.hash, r.key_id) for r in await chain_rows(engine, legacy)] == before


async def test_a_chain_with_plain_links_is_not_checkpointed_until_rekeyed(
    legacy, engine, audit_keys, clock, tmp_path
):
    path = tmp_path / "checkpoints"
    written = await checkpoint(engine, audit_keys, path, clock)
    assert written.heads == 0 and len(written.left_out) == 2
    assert "run `kestrel audit rekey`" in written.left_out[0]
    await rekey_all(engine, audit_keys, clock)
    assert (await checkpoint(engine, audit_keys, path, clock)).heads == 2
    assert (await verify(engine, audit_keys, path)).intact


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_appends_wait_for_a_rekey_of_their_chain_and_the_chain_holds(
    backend, legacy, engine, audit_keys, clock, database_url
):
    other = create_engine(database_url)
    try:
        writer = unit_of_work_factory(other, clock, audit_keys=audit_keys)
        await asyncio.gather(
            rekey_chain(engine, audit_keys, legacy, clock.now()),
            record(writer, clock, legacy, 10, writer="during"),
        )
    finally:
        await other.dispose()
    report = await verify(engine, audit_keys)
    assert [p.kind for p in report.problems] == ["unkeyed"]  # chain 0, not rekeyed here
    assert report.events == 2 + 5 + 1 + 10


async def test_a_rotated_key_links_new_events_while_the_old_key_still_verifies(
    demo_school, engine, audit_keys, audit_keys_spec, clock, tmp_path
):
    school, path = demo_school.school_id, tmp_path / "checkpoints"
    await checkpoint(engine, audit_keys, path, clock)
    rotated = AuditKeys.parse(f"{new_key_spec('next')},{audit_keys_spec}")
    await record(unit_of_work_factory(engine, clock, audit_keys=rotated), clock, school, 2)
    await checkpoint(engine, rotated, path, clock)
    assert [r.key_id for r in await chain_rows(engine, school)] == ["audit", "next", "next"]
    assert (await verify(engine, rotated, path)).intact
    only_new = AuditKeys.parse(f"{new_key_spec('next')}")
    report = await verify(engine, only_new, path)
    assert "linked with audit key 'audit', which is not in KESTREL_AUDIT_KEYS" in report.broken
