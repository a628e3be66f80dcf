"""A trust's colleague: which school a press works in, their one chat, and their cards."""

from datetime import UTC, datetime
from functools import partial

import pytest

from bot.commands import TextCommand, parse_command
from cards.elements import execute, with_school
from cards.payloads.base import school_hint
from cards.payloads.forms import search_school
from cards.schools import schools_card
from safeguarding.audit import AuditAction
from safeguarding.chats import ChatAddress
from safeguarding.clock import FixedClock
from safeguarding.errors import NotRecognised
from safeguarding.identity import Caller, TenantPolicy
from safeguarding.outcomes import SchoolsView
from safeguarding.school import School
from safeguarding.services.chats import forget_chat, note_chat
from safeguarding.services.press import Request, Rules, run_press
from safeguarding.staff import Role, StaffMember
from tests.support.cards import assert_valid_card
from tests.unit.fakes import FakeUnitOfWork, Store

TENANT = "7d3c2b1a-5e4f-4a6b-9c8d-0e1f2a3b4c5d"
OTHER = "0badc0de-0000-4000-8000-000000000000"
ESTHER = "4f1c6a0e-1d2b-4c3a-9b8e-000000000009"
CLOCK = FixedClock(datetime(2026, 11, 24, 10, 50, tzinfo=UTC))
ACADEMY = School(1, "Kestrel Demo Academy", TENANT, "Europe/London")
PRIMARY = School(2, "Kestrel Demo Primary", TENANT, "Europe/London")
ELSEWHERE = School(3, "Elsewhere High", OTHER, "Europe/London")
CHAT = ChatAddress("a:esther", "https://smba.example/", TENANT, "28:kestrel", "29:esther")


@pytest.fixture
def store() -> Store:
    return Store(
        schools=[ACADEMY, PRIMARY, ELSEWHERE],
        staff=[
            StaffMember(1, 1, ESTHER, "Esther Adjei", "g@x", Role.DSL),
            StaffMember(2, 2, ESTHER, "Esther Adjei", "g@x", Role.DSL),
        ],
    )


async def press(store: Store, hint: int | None = None, chat: ChatAddress | None = None):
    request = Request(Caller(TENANT, ESTHER, "personal"), chat=chat, school=hint)
    pressed = await run_press(
        lambda: FakeUnitOfWork(store), CLOCK, Rules(TenantPolicy(None)), request, note_chat
    )
    return pressed.outcome


async def test_a_press_works_in_the_first_school_until_another_is_chosen(store):
    who = await press(store)
    assert (who.school, who.staff.id, who.schools) == (ACADEMY, 1, (ACADEMY, PRIMARY))
    store.working[(TENANT, ESTHER)] = 2
    assert (await press(store)).staff.id == 2


async def test_a_button_naming_one_of_their_schools_works_there_whatever_they_chose(store):
    store.working[(TENANT, ESTHER)] = 1
    who = await press(store, hint=2)
    assert (who.school, who.staff.id) == (PRIMARY, 2)


@pytest.mark.parametrize(("hint", "recorded_in"), [(3, 1), (99, 1), (0, 1)])
async def test_a_button_naming_a_school_not_theirs_is_refused_never_answered_elsewhere(
    store, hint, recorded_in
):
    with pytest.raises(NotRecognised) as refused:
        await press(store, hint=hint)
    assert refused.value.reason == "not_in_school"
    [event] = store.audit
    # Another tenant's school is never written to: the refusal stays in the caller's tenant.
    assert (event.action, event.school_id) == (AuditAction.IDENTITY_REFUSED, recorded_in)


async def test_a_hint_to_a_school_where_they_have_left_is_refused(store):
    store.staff[1] = StaffMember(2, 2, ESTHER, "Esther Adjei", "g@x", Role.DSL, active=False)
    with pytest.raises(NotRecognised):
        await press(store, hint=2)
    assert [e.school_id for e in store.audit] == [2]
    assert (await press(store)).schools == (ACADEMY,)


async def test_their_one_chat_is_kept_for_every_school_they_work_in_and_forgotten_in_all(store):
    await press(store, chat=CHAT)
    assert store.chats == {1: CHAT, 2: CHAT}
    request = Request(Caller(TENANT, ESTHER, "personal"), school=2)
    uow_factory = partial(FakeUnitOfWork, store)
    await run_press(uow_factory, CLOCK, Rules(TenantPolicy(None)), request, forget_chat)
    assert store.chats == {}


def test_buttons_name_the_school_everywhere_in_a_card_and_nothing_else_changes():
    card = {
        "type": "AdaptiveCard",
        "body": [{"type": "ActionSet", "actions": [execute("incident.show", "Open", incident=4)]}],
        "actions": [{"type": "Action.OpenUrl", "url": "https://x/", "title": "File"}],
        "refresh": {"action": execute("incident.show", "Open", incident=4, alert=7)},
    }
    named = with_school(card, 2)
    assert named["body"][0]["actions"][0]["data"] == {"v": 1, "incident": 4, "school": 2}
    assert named["refresh"]["action"]["data"]["school"] == 2
    assert named["actions"] == card["actions"]
    assert "school" not in card["refresh"]["action"]["data"]  # the original is untouched
    picker = {
        "type": "Input.ChoiceSet",
        "choices.data": {"type": "Data.Query", "dataset": "students"},
    }
    assert with_school(picker, 2)["choices.data"]["dataset"] == "students@2"
    assert search_school({"dataset": "students@2"}) == 2
    assert search_school({"dataset": "students@x"}) == 0
    assert search_school({"dataset": "students"}) is None


@pytest.mark.parametrize(
    ("data", "hint"),
    [({}, None), ({"school": 2}, 2), ({"school": "2"}, 0), ({"school": -1}, 0), (None, None)],
)
def test_a_school_hint_is_a_school_id_or_names_no_school(data, hint):
    assert school_hint(data) == hint


def test_the_school_command_and_its_card():
    assert parse_command("school") == TextCommand("school")
    assert parse_command("Schools please") == TextCommand("school")
    card = schools_card(SchoolsView((ACADEMY, PRIMARY), PRIMARY, switched=True))
    assert_valid_card(card)
    [button] = card["actions"]
    assert (button["verb"], button["data"]["to"]) == ("school.switch", 1)
    alone = schools_card(SchoolsView((ACADEMY,), ACADEMY))
    assert_valid_card(alone)
    assert "actions" not in alone or alone["actions"] == []
