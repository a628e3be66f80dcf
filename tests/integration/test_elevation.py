"""Elevated access with a TOTP second factor, on SQLite and PostgreSQL, with a fixed clock."""

import asyncio
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, text

from safeguarding.elevation import WRONG_CODE, OnlyInPersonalChat
from safeguarding.errors import NotAvailable
from safeguarding.incident_form import read_form
from safeguarding.outcomes import Done, Invalid, NeedsCode
from safeguarding.services.elevation import (
    ALREADY_ENROLLED,
    ELEVATED,
    enrol_elevation,
    reset_elevation,
    verify_code,
)
from safeguarding.services.settings import show_settings
from safeguarding.services.viewing import open_incident
from safeguarding.staff import Role
from storage.models import AuditEventRow, Base
from tests.support.presses import press_as
from tests.support.scripted import record_as

PAUSED = "Too many wrong codes: elevated access is paused until"


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
    return Presses(uow_factory, clock)


class Presses:
    """The elevation verbs, each pressed by a member of staff as the bot would."""

    def __init__(self, uow_factory, clock) -> None:
        self.uow_factory, self.clock = uow_factory, clock

    async def press(self, who, use_case, *args, conversation="personal"):
        return await press_as(
            self.uow_factory, self.clock, who, use_case, *args, conversation=conversation
        )

    async def enrol(self, who, conversation="personal"):
        return (await self.press(who, enrol_elevation, conversation=conversation)).view

    async def verify(self, who, code):
        return await self.press(who, verify_code, code)

    async def status(self, who):
        return (await self.press(who, show_settings)).view.status

    async def reset(self, actor, staff_id):
        return await self.press(actor, reset_elevation, staff_id)


def code_at(secret: str, clock, seconds: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=seconds))


def accepted(outcome) -> bool:
    return isinstance(outcome, Done) and outcome.notice == ELEVATED


def refused_with(outcome) -> str:
    assert isinstance(outcome, Invalid)
    return outcome.errors["code"]


async def enrolled(elevation, member, clock) -> str:
    enrolment = await elevation.enrol(member)
    assert accepted(await elevation.verify(member, code_at(enrolment.secret, clock)))
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
    enrolment = await elevation.enrol(teacher)
    assert enrolment.provisioning_uri.startswith("otpauth://totp/Kestrel:")
    assert (await elevation.status(teacher)).pending
    answer = await elevation.verify(teacher, code_at(enrolment.secret, clock))
    assert accepted(answer)
    until = answer.view.status.elevated_until
    assert until == clock.now() + timedelta(minutes=30)
    status = await elevation.status(teacher)
    assert status.enrolled and status.elevated_until == until
    clock.at += timedelta(minutes=31)
    assert (await elevation.status(teacher)).elevated_until is None


async def test_enrolment_is_only_offered_in_the_one_to_one_chat(elevation, staff):
    for conversation in ("channel", "groupChat"):
        assert await elevation.enrol(staff[Role.STAFF], conversation) == OnlyInPersonalChat()
    status = await elevation.status(staff[Role.STAFF])
    assert not (status.pending or status.enrolled)


async def test_a_code_cannot_be_used_twice(elevation, staff, clock):
    teacher = staff[Role.STAFF]
    secret = await enrolled(elevation, teacher, clock)
    code = code_at(secret, clock)
    assert accepted(await elevation.verify(teacher, code))
    replayed = await elevation.verify(teacher, code)
    assert replayed.errors == {"code": WRONG_CODE}
    assert (replayed.view.code, replayed.view.error) == (code, WRONG_CODE)


async def test_codes_from_one_step_either_side_are_accepted_for_clock_drift(
    elevation, staff, clock
):
    teacher = staff[Role.STAFF]
    secret = await enrolled(elevation, teacher, clock)
    clock.at += timedelta(minutes=2)
    assert accepted(await elevation.verify(teacher, code_at(secret, clock, 30)))
    clock.at += timedelta(minutes=2)
    assert refused_with(await elevation.verify(teacher, code_at(secret, clock, 90))) == WRONG_CODE


async def test_five_wrong_codes_lock_elevation_for_fifteen_minutes(elevation, staff, clock, engine):
    teacher = staff[Role.STAFF]
    secret = await enrolled(elevation, teacher, clock)
    for _ in range(4):
        assert refused_with(await elevation.verify(teacher, "000000")) == WRONG_CODE
    assert refused_with(await elevation.verify(teacher, "000000")).startswith(PAUSED)
    locked = await elevation.verify(teacher, code_at(secret, clock))
    assert refused_with(locked) == f"{PAUSED} 11:05."  # 10:50 UTC + 15 min, London in November
    assert (await elevation.status(teacher)).locked_until == clock.now() + timedelta(minutes=15)
    clock.at += timedelta(minutes=15, seconds=1)
    assert accepted(await elevation.verify(teacher, code_at(secret, clock)))
    actions = await audit_actions(engine, teacher.id)
    assert actions.count("elevation.failed") == 5
    assert actions.count("elevation.locked_out") == 1
    assert actions[-1] == "elevation.granted"


async def test_each_lockout_in_a_row_doubles_until_a_code_is_accepted(elevation, staff, clock):
    teacher = staff[Role.STAFF]
    secret = await enrolled(elevation, teacher, clock)
    for minutes in (15, 30, 60):
        for _ in range(5):
            assert isinstance(await elevation.verify(teacher, "000000"), Invalid)
        status = await elevation.status(teacher)
        assert status.locked_until == clock.now() + timedelta(minutes=minutes)
        clock.at = status.locked_until + timedelta(seconds=1)
    assert accepted(await elevation.verify(teacher, code_at(secret, clock)))
    for _ in range(5):
        assert isinstance(await elevation.verify(teacher, "000000"), Invalid)
    assert (await elevation.status(teacher)).locked_until == clock.now() + timedelta(minutes=15)


async def test_an_enrolled_colleague_cannot_enrol_again_until_the_dsl_resets_them(
    elevation, staff, clock, engine
):
    teacher, dsl = staff[Role.STAFF], staff[Role.DSL]
    await enrolled(elevation, teacher, clock)
    again = await elevation.press(teacher, enrol_elevation)
    assert again.notice == ALREADY_ENROLLED and again.view.status.enrolled
    with pytest.raises(NotAvailable):
        await elevation.reset(staff[Role.VIEWER], teacher.id)
    assert (await elevation.status(teacher)).enrolled
    await elevation.reset(dsl, teacher.id)
    assert not (await elevation.status(teacher)).enrolled
    await elevation.enrol(teacher)
    async with engine.connect() as connection:
        reset = await connection.scalar(
            select(AuditEventRow.actor_staff_id).where(AuditEventRow.action == "elevation.reset")
        )
    assert reset == dsl.id
    assert "access.refused" in await audit_actions(engine, teacher.id)


async def test_the_dsl_cannot_reset_someone_outside_their_school(elevation, staff):
    with pytest.raises(NotAvailable):
        await elevation.reset(staff[Role.DSL], 999_999)


async def test_prompts_successes_and_failures_are_all_audited(
    elevation, staff, clock, engine, uow_factory
):
    teacher, dsl = staff[Role.STAFF], staff[Role.DSL]
    async with uow_factory() as uow:
        restricted = next(c.id for c in await uow.categories.list(1) if c.name == "Safeguarding")
    form = {"key": "prompted-1", "student_id": "1", "text": "x", "categories": str(restricted)}
    draft = read_form(form, now=clock.now(), time_zone="Europe/London")
    incident = (await record_as(uow_factory, clock, teacher, draft)).incident_id
    assert isinstance(await elevation.press(dsl, open_incident, incident), NeedsCode)
    secret = await enrolled(elevation, dsl, clock)
    assert isinstance(await elevation.verify(dsl, "123"), Invalid)
    assert accepted(await elevation.verify(dsl, code_at(secret, clock)))
    async with engine.connect() as connection:
        rows = await connection.scalars(
            select(AuditEventRow.action)
            .where(
                AuditEventRow.actor_staff_id == dsl.id,
                AuditEventRow.action.like("elevation.%"),
            )
            .order_by(AuditEventRow.id)
        )
        actions = list(rows)
    assert actions == [
        "elevation.prompted",
        "elevation.enrolment_started",
        "elevation.granted",
        "elevation.failed",
        "elevation.granted",
    ]


async def test_the_secret_is_not_stored_in_plain_text(elevation, staff, engine):
    enrolment = await elevation.enrol(staff[Role.STAFF])
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
        elevation.verify(teacher, code),
        elevation.verify(teacher, code),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["Done", "Invalid"]
    assert [r.errors for r in results if isinstance(r, Invalid)] == [{"code": WRONG_CODE}]
