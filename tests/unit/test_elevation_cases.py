"""Elevated access pressed on the in-memory unit of work: enrol, codes, lock-out, reset."""

from datetime import UTC, datetime, timedelta

import pyotp
import pytest

from safeguarding.audit import AuditAction
from safeguarding.clock import FixedClock
from safeguarding.elevation import WRONG_CODE, OnlyInPersonalChat
from safeguarding.errors import NotAvailable
from safeguarding.outcomes import Done, Invalid
from safeguarding.school import School
from safeguarding.services.elevation import (
    CHOOSE,
    ELEVATED,
    NOT_ENROLLED,
    RESET,
    check_code,
    enrol_elevation,
    reset_elevation,
    verify_code,
)
from safeguarding.services.settings import save_settings, show_settings
from safeguarding.staff import Role, StaffMember
from tests.support.presses import press_as
from tests.unit.fakes import FakeUnitOfWork, Store

SCHOOL = School(1, "Kestrel Demo Academy", "tenant-1", "Europe/London")
DSL = StaffMember(1, 1, "aad-dsl", "Priya Raman", "p.raman@x", Role.DSL)
TEACHER = StaffMember(2, 1, "aad-teacher", "James Whitfield", "j.whitfield@x", Role.STAFF)
VIEWER = StaffMember(3, 1, "aad-viewer", "Vic Viewer", "v@x", Role.VIEWER)


@pytest.fixture
def store() -> Store:
    return Store(schools=[SCHOOL], staff=[DSL, TEACHER, VIEWER])


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 24, 10, 50, tzinfo=UTC))


@pytest.fixture
def press(store, clock):
    async def pressed(who, use_case, *args, conversation="personal"):
        factory = lambda: FakeUnitOfWork(store)  # noqa: E731
        return await press_as(factory, clock, who, use_case, *args, conversation=conversation)

    return pressed


def actions(store: Store) -> list[AuditAction]:
    return [e.action for e in store.audit]


async def enrolled(press, clock, who) -> str:
    secret = (await press(who, enrol_elevation)).view.secret
    assert (await press(who, verify_code, pyotp.TOTP(secret).at(clock.now()))).notice == ELEVATED
    clock.at += timedelta(seconds=30)
    return secret


async def test_enrolment_happens_only_in_the_one_to_one_chat_and_stores_nothing_elsewhere(
    press, store
):
    assert (await press(TEACHER, enrol_elevation, conversation="groupChat")).view == (
        OnlyInPersonalChat()
    )
    assert store.second_factors == {} and store.audit == []
    enrolment = (await press(TEACHER, enrol_elevation)).view
    assert enrolment.provisioning_uri.startswith("otpauth://totp/Kestrel:")
    assert actions(store) == [AuditAction.ELEVATION_ENROLMENT_STARTED]


async def test_a_wrong_code_is_counted_and_audited_though_the_answer_is_no(press, store, clock):
    secret = await enrolled(press, clock, TEACHER)
    wrong = await press(TEACHER, verify_code, "000000")
    assert isinstance(wrong, Invalid) and wrong.errors == {"code": WRONG_CODE}
    assert (wrong.view.code, wrong.view.error) == ("000000", WRONG_CODE)
    assert store.second_factors[TEACHER.id].failures == 1  # kept: the press committed
    assert actions(store)[-1] == AuditAction.ELEVATION_FAILED
    assert secret


async def test_a_wrong_first_code_shows_the_same_enrolment_again(press):
    enrolment = (await press(TEACHER, enrol_elevation)).view
    wrong = await press(TEACHER, verify_code, "123456")
    assert isinstance(wrong, Invalid) and wrong.view == enrolment


async def test_the_fifth_wrong_code_pauses_elevation_in_the_school_time(press, store, clock):
    secret = await enrolled(press, clock, TEACHER)
    for _ in range(5):
        answer = await press(TEACHER, verify_code, "000000")
    assert answer.errors["code"] == ("Too many wrong codes: elevated access is paused until 11:05.")
    right = await press(TEACHER, verify_code, pyotp.TOTP(secret).at(clock.now()))
    assert isinstance(right, Invalid)
    assert actions(store)[-1] == AuditAction.ELEVATION_LOCKED_OUT
    assert not await press(TEACHER, check_code, pyotp.TOTP(secret).at(clock.now()))


async def test_a_code_before_enrolment_asks_to_set_it_up_first(press, store):
    answer = await press(TEACHER, verify_code, "123456")
    assert isinstance(answer, Done) and answer.notice == NOT_ENROLLED
    assert store.audit == [] and not await press(TEACHER, check_code, "123456")


async def test_only_the_dsl_team_resets_and_a_refusal_is_audited(press, store, clock):
    await enrolled(press, clock, TEACHER)
    with pytest.raises(NotAvailable):
        await press(VIEWER, reset_elevation, TEACHER.id)
    assert TEACHER.id in store.second_factors
    refused = store.audit[-1]
    assert (refused.action, refused.record_id, refused.detail) == (
        AuditAction.ACCESS_REFUSED,
        TEACHER.id,
        {"verb": "elevation.reset"},
    )
    settings = (await press(DSL, show_settings)).view
    assert [c.id for c in settings.colleagues] == [TEACHER.id]
    done = await press(DSL, reset_elevation, TEACHER.id)
    assert done.notice == RESET and done.view.colleagues == ()
    assert store.second_factors == {}
    assert (await press(DSL, reset_elevation, None)).notice == CHOOSE


async def test_hide_names_is_saved_audited_and_shown(press, store):
    done = await press(TEACHER, save_settings, True)
    assert done.view.staff.hide_names and done.notice == "Your settings are saved."
    assert [s.hide_names for s in store.staff if s.id == TEACHER.id] == [True]
    assert store.audit[-1].detail == {"hide_names": True}
