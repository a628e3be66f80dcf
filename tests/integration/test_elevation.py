"""Elevated access with a TOTP second factor, on SQLite and PostgreSQL, with a fixed clock."""

import asyncio
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, text

from safeguarding.elevation import WRONG_CODE, Elevation
from safeguarding.errors import ElevationLocked, InvalidInput, NotAvailable, NotPermitted
from safeguarding.staff import Role
from storage.models import AuditEventRow, Base


@pytest.fixture
async def staff(demo_school, uow_factory):
    async with uow_factory() as uow:
        members = await uow.staff.list(demo_school.school_id)
    by_role = {}
    for member in members:
        by_role.setdefault(member.role, member)
    return by_role


@pytest.fixture
def elevation(uow_factory, clock):
    return Elevation(uow_factory, clock)


def code_at(secret: str, clock, seconds: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=seconds))


async def enrolled(elevation, member, clock) -> str:
    enrolment = await elevation.start_enrolment(member, "personal")
    await elevation.submit_code(member, code_at(enrolment.secret, clock), "personal")
    clock.at += timedelta(seconds=30)  # the next code belongs to a later step
    return enrolment.secret


async def audit_actions(engine, staff_id: int) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.scalars(
            select(AuditEventRow.action)
            .where(AuditEventRow.record_type == "staff", AuditEventRow.record_id == staff_id)
            .order_by(AuditEventRow.id)
        )
        return list(rows)


async def test_enrolment_confirmed_with_a_code_elevates_for_thirty_minutes(elevation, staff, clock):
    teacher = staff[Role.STAFF]
    enrolment = await elevation.start_enrolment(teacher, "personal")
    assert enrolment.provisioning_uri.startswith("otpauth://totp/Kestrel:")
    assert (await elevation.status(teacher)).pending
    until = await elevation.submit_code(teacher, code_at(enrolment.secret, clock), "personal")
    assert until == clock.now() + timedelta(minutes=30)
    status = await elevation.status(teacher)
    assert status.enrolled and status.elevated_until == until
    clock.at += timedelta(minutes=31)
    assert (await elevation.status(teacher)).elevated_until is None


async def test_enrolment_is_only_offered_in_the_one_to_one_chat(elevation, staff):
    for conversation in ("channel", "groupChat"):
        with pytest.raises(NotPermitted):
            await elevation.start_enrolment(staff[Role.STAFF], conversation)


async def test_a_code_cannot_be_used_twice(elevation, staff, clock):
    teacher = staff[Role.STAFF]
    secret = await enrolled(elevation, teacher, clock)
    code = code_at(secret, clock)
    await elevation.submit_code(teacher, code, "personal")
    with pytest.raises(InvalidInput) as replayed:
        await elevation.submit_code(teacher, code, "personal")
    assert replayed.value.errors == {"code": WRONG_CODE}


async def test_codes_from_one_step_either_side_are_accepted_for_clock_drift(
    elevation, staff, clock
):
    teacher = staff[Role.STAFF]
    secret = await enrolled(elevation, teacher, clock)
    clock.at += timedelta(minutes=2)
    assert await elevation.submit_code(teacher, code_at(secret, clock, 30), "personal")
    clock.at += timedelta(minutes=2)
    with pytest.raises(InvalidInput):
        await elevation.submit_code(teacher, code_at(secret, clock, 90), "personal")


async def test_five_wrong_codes_lock_elevation_for_fifteen_minutes(elevation, staff, clock, engine):
    teacher = staff[Role.STAFF]
    secret = await enrolled(elevation, teacher, clock)
    for _ in range(4):
        with pytest.raises(InvalidInput):
            await elevation.submit_code(teacher, "000000", "personal")
    with pytest.raises(ElevationLocked):
        await elevation.submit_code(teacher, "000000", "personal")
    with pytest.raises(ElevationLocked) as locked:
        await elevation.submit_code(teacher, code_at(secret, clock), "personal")
    assert locked.value.until == clock.now() + timedelta(minutes=15)
    assert (await elevation.status(teacher)).locked_until == clock.now() + timedelta(minutes=15)
    clock.at += timedelta(minutes=15, seconds=1)
    assert await elevation.submit_code(teacher, code_at(secret, clock), "personal")
    actions = await audit_actions(engine, teacher.id)
    assert actions.count("elevation.failed") == 5
    assert actions.count("elevation.locked_out") == 1
    assert actions[-1] == "elevation.granted"


async def test_each_lockout_in_a_row_doubles_until_a_code_is_accepted(elevation, staff, clock):
    teacher = staff[Role.STAFF]
    secret = await enrolled(elevation, teacher, clock)
    for minutes in (15, 30, 60):
        for _ in range(5):
            with pytest.raises((InvalidInput, ElevationLocked)):
                await elevation.submit_code(teacher, "000000", "personal")
        status = await elevation.status(teacher)
        assert status.locked_until == clock.now() + timedelta(minutes=minutes)
        clock.at = status.locked_until + timedelta(seconds=1)
    assert await elevation.submit_code(teacher, code_at(secret, clock), "personal")
    for _ in range(5):
        with pytest.raises((InvalidInput, ElevationLocked)):
            await elevation.submit_code(teacher, "000000", "personal")
    assert (await elevation.status(teacher)).locked_until == clock.now() + timedelta(minutes=15)


async def test_an_enrolled_colleague_cannot_enrol_again_until_the_dsl_resets_them(
    elevation, staff, clock, engine
):
    teacher, dsl = staff[Role.STAFF], staff[Role.DSL]
    await enrolled(elevation, teacher, clock)
    with pytest.raises(NotPermitted):
        await elevation.start_enrolment(teacher, "personal")
    with pytest.raises(NotAvailable):
        await elevation.reset(staff[Role.VIEWER], teacher.id, "personal")
    assert (await elevation.status(teacher)).enrolled
    await elevation.reset(dsl, teacher.id, "personal")
    assert not (await elevation.status(teacher)).enrolled
    await elevation.start_enrolment(teacher, "personal")
    async with engine.connect() as connection:
        reset = await connection.scalar(
            select(AuditEventRow.actor_staff_id).where(AuditEventRow.action == "elevation.reset")
        )
    assert reset == dsl.id
    assert "access.refused" in await audit_actions(engine, teacher.id)


async def test_the_dsl_cannot_reset_someone_outside_their_school(elevation, staff):
    with pytest.raises(NotAvailable):
        await elevation.reset(staff[Role.DSL], 999_999, "personal")


async def test_prompts_successes_and_failures_are_all_audited(elevation, staff, clock, engine):
    teacher = staff[Role.STAFF]
    await elevation.record_prompt(teacher, "personal")
    secret = await enrolled(elevation, teacher, clock)
    with pytest.raises(InvalidInput):
        await elevation.submit_code(teacher, "123", "personal")
    await elevation.submit_code(teacher, code_at(secret, clock), "personal")
    assert await audit_actions(engine, teacher.id) == [
        "elevation.prompted",
        "elevation.enrolment_started",
        "elevation.granted",
        "elevation.failed",
        "elevation.granted",
    ]


async def test_the_secret_is_not_stored_in_plain_text(elevation, staff, engine):
    enrolment = await elevation.start_enrolment(staff[Role.STAFF], "personal")
    dump = []
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            dump += [
                str(tuple(row))
                for row in await connection.execute(text(f'SELECT * FROM "{table.name}"'))
            ]
    assert enrolment.secret not in "\n".join(dump)


async def test_the_same_code_submitted_twice_at_once_is_accepted_once(elevation, staff, clock):
    teacher = staff[Role.STAFF]
    secret = await enrolled(elevation, teacher, clock)
    code = code_at(secret, clock)
    results = await asyncio.gather(
        elevation.submit_code(teacher, code, "personal"),
        elevation.submit_code(teacher, code, "personal"),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["InvalidInput", "datetime"]
