"""Casework's pure rules, without a database: the next case event and its refusal, who may be
assigned, what a stale card is told, what an edit changes, the payloads and the cards."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from cards.assign_form import assign_form_card
from cards.edit_form import edit_form_card
from cards.history import HISTORY_SHOWN, history_card
from cards.payloads import Assignee, PupilChoice
from cards.pupil_pick import pupil_pick_card
from cards.status_form import status_form_card
from safeguarding.access import AccessPolicy
from safeguarding.audit import AuditAction
from safeguarding.cases import CaseEvent, IncidentContent
from safeguarding.casework import (
    NOT_A_WORKER,
    NOT_CHOSEN,
    AssignForm,
    History,
    StatusChange,
    StatusForm,
    Unchanged,
    case_workers,
    event_audit,
    next_assignment,
    next_status,
    what_happened,
)
from safeguarding.editing import (
    EditForm,
    PupilPick,
    changed_fields,
    check_link_categories,
    check_not_on_it,
    check_room_to_link,
    content_of,
    pick_matches,
)
from safeguarding.errors import InvalidInput
from safeguarding.incidents import MAX_LINKED, IncidentFacts, IncidentPupil, Status
from safeguarding.school import Category, Student
from safeguarding.search import StudentMatch
from safeguarding.staff import Role, StaffMember
from tests.support.cards import assert_valid_card, texts

NOW = datetime(2026, 11, 24, 10, 50, tzinfo=UTC)
ZONE = "Europe/London"
PRIYA = StaffMember(1, 1, "a1", "Priya Raman", "p@x", Role.DSL)
TOM = StaffMember(2, 1, "a2", "Tom Okafor", "t@x", Role.DEPUTY_DSL)
JAMES = StaffMember(3, 1, "a3", "James Whitfield", "j@x", Role.STAFF)
SAM = Student(1, 1, "U1", "Sam", "Taylor", 9, "9R")
ZOE = Student(2, 1, "U2", "Zoe", "Roberts", 7, "7C")


def case(**changes) -> IncidentFacts:
    facts = IncidentFacts(
        7,
        1,
        3,
        NOW,
        NOW,
        ZONE,
        Status.OPEN,
        None,
        ("Police",),
        (IncidentPupil(SAM, frozenset({3})),),
    )
    return replace(facts, **changes)


def test_assign_to_me_is_the_next_version_of_the_case():
    event = next_assignment(case(version=4), PRIYA.id, PRIYA.id, [PRIYA, TOM], NOW)
    assert event == CaseEvent(7, 5, "assigned", PRIYA.id, NOW, PRIYA.id)


def test_assigning_the_case_to_whoever_has_it_already_changes_nothing():
    assert next_assignment(case(assignee_id=2), PRIYA.id, TOM.id, [PRIYA, TOM], NOW) == Unchanged(
        "It is already assigned to Tom Okafor."
    )
    mine = next_assignment(case(assignee_id=1), PRIYA.id, PRIYA.id, [PRIYA], NOW)
    assert mine == Unchanged("It is already assigned to you.")


@pytest.mark.parametrize(
    "chosen, message", [(None, NOT_CHOSEN), (JAMES.id, NOT_A_WORKER), (99, NOT_A_WORKER)]
)
def test_assigning_to_nobody_or_to_someone_off_the_dsl_team_is_refused_on_the_form(chosen, message):
    with pytest.raises(InvalidInput) as invalid:
        next_assignment(case(), PRIYA.id, chosen, [PRIYA, TOM], NOW)
    assert invalid.value.errors == {"staff": message}


def test_a_status_change_is_the_next_version_and_goes_only_where_the_case_may_go():
    close = StatusChange(Status.CLOSED, "Early help", "agreed")
    event = next_status(case(version=2), close, TOM.id, NOW)
    assert (event.version, event.kind, event.status, event.outcome, event.reason) == (
        3,
        "status",
        Status.CLOSED,
        "Early help",
        "agreed",
    )
    with pytest.raises(InvalidInput) as invalid:
        next_status(case(status=Status.CLOSED), close, TOM.id, NOW)
    assert invalid.value.errors == {"status": "The case is Closed now."}
    with pytest.raises(InvalidInput):  # never back to Open
        next_status(case(status=Status.ACTIVE), StatusChange(Status.OPEN), TOM.id, NOW)


def test_a_stale_card_is_told_who_changed_the_case_and_how_in_the_schools_time():
    names = {1: "Priya Raman", 2: "Tom Okafor"}
    assigned = CaseEvent(7, 2, "assigned", 1, NOW, assignee_id=2)
    assert what_happened(case(), assigned, names) == (
        "Already assigned to Tom Okafor by Priya Raman at 10:50 on 24 Nov."
    )
    summer = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    closed = CaseEvent(7, 3, "status", 2, summer, status=Status.CLOSED)
    assert (
        what_happened(case(), closed, names)
        == "Already marked Closed by Tom Okafor at 10:00 on 1 Jun."
    )
    edited = CaseEvent(7, 4, "edited", 9, NOW)
    assert what_happened(case(), edited, names) == (
        "Already edited by a former colleague at 10:50 on 24 Nov: "
        "this is the incident as it is now."
    )
    assert what_happened(case(), None, names) == "The case changed since this card was shown."


def test_the_audit_event_names_the_change_and_an_outcome_by_its_index():
    assigned = CaseEvent(7, 2, "assigned", 1, NOW, assignee_id=2)
    assert event_audit(case(), assigned) == (
        AuditAction.CASE_ASSIGNED,
        {"version": 2, "assignee": 2},
    )
    closed = CaseEvent(7, 3, "status", 1, NOW, status=Status.CLOSED, outcome="Early help")
    assert event_audit(case(), closed) == (
        AuditAction.CASE_STATUS_CHANGED,
        {"version": 3, "from": "Open", "to": "Closed", "outcome": 2},
    )


def test_only_the_active_dsl_team_not_excluded_from_a_pupil_may_be_assigned():
    gone = StaffMember(4, 1, "a4", "Ann Gone", "g@x", Role.DSL, active=False)
    staff = [TOM, JAMES, gone, PRIYA]
    record, policy = case().record(), AccessPolicy(categories=frozenset({3}))
    assert case_workers(staff, {}, record, policy, NOW) == [PRIYA, TOM]  # by name
    excluded = {TOM.id: frozenset({SAM.id})}
    assert case_workers(staff, excluded, record, policy, NOW) == [PRIYA]


def test_an_edit_names_what_it_changes_and_nothing_changed_is_refused():
    before = content_of(case(), "what she said")
    policy = AccessPolicy(categories=frozenset({3, 4}))
    after = replace(before, text="corrected", categories={1: frozenset({3, 4})}, agencies=())
    assert changed_fields(before, after, policy, PRIYA) == ["text", "categories", "agencies"]
    with pytest.raises(InvalidInput) as invalid:
        changed_fields(before, before, policy, PRIYA)
    assert invalid.value.errors == {"form": "Nothing was changed."}
    foreign = replace(before, categories={1: frozenset({99})})
    with pytest.raises(InvalidInput) as invalid:
        changed_fields(before, foreign, policy, PRIYA)
    assert invalid.value.errors == {"form": "Choose categories from the lists."}


def test_an_editor_may_not_put_an_incident_in_a_category_they_may_not_record_in():
    from safeguarding.access import NONE

    before = content_of(case(), "text")
    policy = AccessPolicy(categories=frozenset({3, 4}), by_staff={(4, PRIYA.id): NONE})
    after = IncidentContent("text", NOW, ("Police",), {1: frozenset({3, 4})})
    with pytest.raises(InvalidInput) as invalid:
        changed_fields(before, after, policy, PRIYA)
    assert invalid.value.errors == {"form": "You may not record in one of those categories."}
    with pytest.raises(InvalidInput) as invalid:
        check_link_categories(policy, PRIYA, frozenset({4}))
    assert invalid.value.errors == {"categories": "Choose categories from the list."}
    check_link_categories(policy, PRIYA, frozenset({3}))  # the school's, and hers to record in


def test_a_pupil_on_the_incident_is_neither_offered_nor_taken_again_and_links_are_limited():
    found = [StudentMatch(1, "Sam Taylor", 9, "9R"), StudentMatch(2, "Zoe Roberts", 7, "7C")]
    assert [m.student_id for m in pick_matches(case(), found)] == [2]
    with pytest.raises(InvalidInput) as invalid:
        check_not_on_it(case(), SAM.id)
    assert invalid.value.errors == {"student": "That pupil is already on this incident."}
    check_not_on_it(case(), ZOE.id)
    linked = tuple(
        IncidentPupil(replace(ZOE, id=10 + n), frozenset(), True) for n in range(MAX_LINKED)
    )
    with pytest.raises(InvalidInput):
        check_room_to_link(case(pupils=(IncidentPupil(SAM, frozenset({3})), *linked)))
    check_room_to_link(case())


def test_assign_payloads_tell_assign_to_me_from_a_choice_that_is_not_an_id():
    to_me = Assignee.parse({"v": 1, "incident": 7, "ver": 2})
    assert to_me is not None and (to_me.to_me, to_me.staff, to_me.version) == (True, None, 2)
    chosen = Assignee.parse({"v": 1, "incident": 7, "ver": 2, "staff": "5"})
    assert chosen is not None and (chosen.to_me, chosen.staff) == (False, 5)
    forged = Assignee.parse({"v": 1, "incident": 7, "ver": 2, "staff": "abc"})
    assert forged is not None and (forged.to_me, forged.staff) == (False, None)
    assert Assignee.parse({"v": 1, "incident": 7, "ver": "2"}) is None
    assert Assignee.parse({"v": 1, "incident": 7}) is None


def test_pupil_choice_payloads_keep_the_query_the_pupil_and_the_categories():
    data = {"v": 1, "incident": 7, "ver": 1, "pupil_query": "  zoe " + "x" * 200}
    data |= {"student": "2", "categories": "3,4,x"}
    chosen = PupilChoice.parse(data)
    assert chosen is not None
    assert (chosen.student, chosen.categories, len(chosen.query)) == (2, frozenset({3, 4}), 100)
    assert chosen.query.startswith("zoe") and chosen.values["student"] == "2"
    assert PupilChoice.parse({"v": 1, "incident": 7, "ver": 1, "student": "2.5"}).student is None
    assert PupilChoice.parse({"v": 1, "incident": 7}) is None


CATEGORIES = (Category(3, 1, "Pastoral", "#0D9488"), Category(4, 1, "Bullying", "#2563EB"))


def test_the_casework_cards_are_valid_and_carry_the_cards_version():
    facts = case(version=3)
    assign = assign_form_card(AssignForm(facts, (PRIYA, TOM)), error=NOT_A_WORKER)
    status = status_form_card(StatusForm(facts, {"status": "Closed"}), errors={"outcome": "x"})
    edit = edit_form_card(EditForm(facts, "text", CATEGORIES, ("Police",), hide_names=True))
    pick = pupil_pick_card(
        PupilPick(facts, "link", "zoe", (StudentMatch(2, "Zoe Roberts", 7, "7C"),), CATEGORIES)
    )
    for card in (assign, status, edit, pick):
        assert_valid_card(card)
        saves = [a for a in card["actions"] if a["verb"] != "incident.show"]
        assert saves and all(a["data"]["ver"] == 3 for a in saves)
    assert NOT_A_WORKER in texts(assign)
    assert "Nothing has changed yet: please check the fields marked below." in texts(status)
    assert "Categories for S. T." in str(edit)  # Hide names: initials
    assert [a["verb"] for a in pick["actions"]] == ["incident.link", "incident.show"]


def test_history_shows_the_newest_changes_and_names_pupils_as_the_viewer_sees_them():
    events = [CaseEvent(7, 2, "moved", 1, NOW, detail={"from": 1, "to": 2})]
    events += [CaseEvent(7, 3 + n, "assigned", 1, NOW, assignee_id=2) for n in range(20)]
    shown = History(case(), events, {1: "Priya Raman", 2: "Tom Okafor"}, [], {2: ZOE}, True)
    card = history_card(shown)
    assert_valid_card(card)
    assert (
        f"{len(events) - HISTORY_SHOWN} earlier changes are in the incident's audit history."
        in (texts(card))
    )
    alone = history_card(replace(shown, events=events[:1]))
    assert "Moved from another pupil to Z. R., by Priya Raman (version 2)" in str(alone)
