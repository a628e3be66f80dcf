"""The DSL's exclusions pressed on the in-memory unit of work, and the rules they follow."""

from datetime import UTC, datetime

import pytest

from safeguarding.audit import AuditAction
from safeguarding.clock import FixedClock
from safeguarding.errors import NotAvailable
from safeguarding.exclusions import excludable, may_exclude
from safeguarding.school import School, Student
from safeguarding.services.exclusions import (
    MISSING,
    UNREADABLE,
    lift_exclusion,
    open_exclusions,
    set_exclusion,
    show_exclusions,
)
from safeguarding.staff import Role, StaffMember
from tests.support.presses import press_as
from tests.unit.fakes import FakeUnitOfWork, Store

SCHOOL = School(1, "Kestrel Demo Academy", "tenant-1", "Europe/London")
DSL = StaffMember(1, 1, "aad-dsl", "Priya Raman", "p.raman@x", Role.DSL)
DEPUTY = StaffMember(2, 1, "aad-deputy", "Tom Okafor", "t@x", Role.DEPUTY_DSL)
TEACHER = StaffMember(3, 1, "aad-teacher", "James Whitfield", "j@x", Role.STAFF)
LEAVER = StaffMember(4, 1, "aad-leaver", "Left Lastyear", "l@x", Role.STAFF, active=False)
ZOE = Student(1, 1, "A123", "Zoë", "Roberts", 7, "7C")
CLOCK = FixedClock(datetime(2026, 11, 24, 10, 50, tzinfo=UTC))


@pytest.fixture
def store() -> Store:
    return Store(schools=[SCHOOL], staff=[DSL, DEPUTY, TEACHER, LEAVER], students=[ZOE])


@pytest.fixture
def press(store):
    async def pressed(who, use_case, *args):
        return await press_as(lambda: FakeUnitOfWork(store), CLOCK, who, use_case, *args)

    return pressed


def test_only_the_dsl_may_exclude_a_colleague_never_themselves_for_a_known_reason():
    assert may_exclude(DSL, TEACHER, ZOE, "relative")
    assert not may_exclude(DEPUTY, TEACHER, ZOE, "relative")
    assert not may_exclude(DSL, DSL, ZOE, "relative")
    assert not may_exclude(DSL, TEACHER, ZOE, "because")
    assert not may_exclude(DSL, None, ZOE, "relative")
    assert not may_exclude(DSL, TEACHER, None, "relative")


def test_the_dsl_is_offered_every_other_active_colleague_and_nobody_else_anyone():
    staff = [DSL, DEPUTY, TEACHER, LEAVER]
    assert excludable(DSL, staff) == (DEPUTY, TEACHER)
    assert excludable(DEPUTY, staff) == ()


async def test_the_dsl_excludes_and_lifts_and_both_are_audited_against_the_pupil(press, store):
    done = await press(DSL, set_exclusion, ZOE.id, TEACHER.id, "relative", "")
    [shown] = done.view.active
    assert (shown.staff_name, shown.student, done.notice) == (
        "James Whitfield",
        ZOE,
        "The exclusion is in force.",
    )
    lifted = await press(DSL, lift_exclusion, shown.exclusion_id)
    assert lifted.view.active == () and lifted.notice == "The exclusion was lifted."
    events = [(e.action, e.record_type, e.record_id) for e in store.audit]
    assert (AuditAction.EXCLUSION_SET, "student", ZOE.id) in events
    assert (AuditAction.EXCLUSION_LIFTED, "student", ZOE.id) in events


async def test_anyone_else_is_refused_audited_and_nothing_is_stored(press, store):
    with pytest.raises(NotAvailable):
        await press(DEPUTY, set_exclusion, ZOE.id, TEACHER.id, "relative", "")
    with pytest.raises(NotAvailable):
        await press(TEACHER, show_exclusions)
    assert store.exclusions == []
    assert [e.detail for e in store.audit] == [
        {"verb": "exclusion.set"},
        {"verb": "exclusion.list"},
    ]
    assert (await press(DSL, open_exclusions)).view is True
    assert (await press(TEACHER, open_exclusions)).view is False


async def test_an_incomplete_form_or_unreadable_button_comes_back_with_why(press, store):
    incomplete = await press(DSL, set_exclusion, None, TEACHER.id, "relative", "")
    assert incomplete.view.error == MISSING and store.exclusions == []
    assert (await press(DSL, lift_exclusion, None)).view.error == UNREADABLE


async def test_a_lifted_exclusion_cannot_be_lifted_again(press):
    done = await press(DSL, set_exclusion, ZOE.id, TEACHER.id, "allegation", "")
    [shown] = done.view.active
    await press(DSL, lift_exclusion, shown.exclusion_id)
    with pytest.raises(NotAvailable):
        await press(DSL, lift_exclusion, shown.exclusion_id)
