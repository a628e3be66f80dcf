"""The access decision: roles x categories x scope x actions, exclusions, grants, elevation."""

from datetime import UTC, datetime, timedelta

import pytest

from safeguarding.access import (
    ALL,
    NONE,
    AccessPolicy,
    Action,
    Decision,
    Pupil,
    Record,
    Scope,
    Viewer,
    decide,
    reading_rules,
)
from safeguarding.staff import Role, StaffMember

NOW = datetime(2026, 11, 24, 10, 50, tzinfo=UTC)
PASTORAL, SAFEGUARDING = 1, 2
Y7 = Pupil(student_id=70, year_group=7, tutor_group="7A")
Y9 = Pupil(student_id=90, year_group=9, tutor_group="9B")
POLICY = AccessPolicy(
    categories=frozenset({PASTORAL, SAFEGUARDING}), restricted=frozenset({SAFEGUARDING})
)
STAFF = {
    role: StaffMember(n, 1, f"aad-{n}", role.value, f"{role.value}@x", role)
    for n, role in enumerate(Role, 1)
}
AUTHOR = 99

A, D, E = Decision.ALLOW, Decision.DENY, Decision.NEEDS_ELEVATION
# role -> action -> (pastoral incident, safeguarding incident), for a recent Year 7 record
EXPECTED = {
    Role.DSL: {
        Action.VIEW_STUDENT: (A, A),
        Action.VIEW_INCIDENT: (A, E),
        Action.VIEW_INCIDENT_STATUS: (A, A),
        Action.ADD_INCIDENT: (A, A),
        Action.WORK_CASE: (A, E),
    },
    Role.DEPUTY_DSL: {
        Action.VIEW_STUDENT: (A, A),
        Action.VIEW_INCIDENT: (A, E),
        Action.VIEW_INCIDENT_STATUS: (A, A),
        Action.ADD_INCIDENT: (A, A),
        Action.WORK_CASE: (A, E),
    },
    Role.VIEWER: {
        Action.VIEW_STUDENT: (A, A),
        Action.VIEW_INCIDENT: (A, D),
        Action.VIEW_INCIDENT_STATUS: (A, D),
        Action.ADD_INCIDENT: (A, A),
        Action.WORK_CASE: (D, D),
    },
    Role.STAFF: {
        Action.VIEW_STUDENT: (D, D),
        Action.VIEW_INCIDENT: (D, D),
        Action.VIEW_INCIDENT_STATUS: (D, D),
        Action.ADD_INCIDENT: (A, A),
        Action.WORK_CASE: (D, D),
    },
    Role.ADMINISTRATOR: {
        Action.VIEW_STUDENT: (D, D),
        Action.VIEW_INCIDENT: (D, D),
        Action.VIEW_INCIDENT_STATUS: (D, D),
        Action.ADD_INCIDENT: (A, A),
        Action.WORK_CASE: (D, D),
    },
}
MATRIX = [
    (role, action, category, expected)
    for role, actions in EXPECTED.items()
    for action, pair in actions.items()
    for category, expected in zip((PASTORAL, SAFEGUARDING), pair, strict=True)
]


def incident(*categories: int, pupils=(Y7,), recorded_by=AUTHOR, days_ago=1, granted=()) -> Record:
    return Record(
        pupils=tuple(pupils),
        categories=frozenset(categories),
        incident_id=5,
        recorded_by=recorded_by,
        happened_at=NOW - timedelta(days=days_ago),
        granted_to=frozenset(granted),
    )


def ask(staff, action, record, policy=POLICY, **viewer) -> Decision:
    return decide(Viewer(staff, **viewer), action, record, policy, NOW)


@pytest.mark.parametrize(("role", "action", "category", "expected"), MATRIX)
def test_day_one_rights_by_role_category_and_action(role, action, category, expected):
    assert ask(STAFF[role], action, incident(category)) == expected


@pytest.mark.parametrize(("role", "action", "category", "expected"), MATRIX)
def test_elevated_access_opens_exactly_what_was_waiting_for_it(role, action, category, expected):
    elevated = ask(STAFF[role], action, incident(category), elevated=True)
    assert elevated == (Decision.ALLOW if expected == Decision.NEEDS_ELEVATION else expected)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_an_excluded_colleague_sees_and_records_nothing_whatever_their_role(role, action):
    record = incident(PASTORAL, granted=[STAFF[role].id])
    assert (
        ask(STAFF[role], action, record, excluded_from=frozenset({Y7.student_id}), elevated=True)
        == D
    )


def test_an_exclusion_from_one_linked_pupil_hides_the_whole_incident():
    record = incident(PASTORAL, pupils=(Y9, Y7))
    assert (
        ask(STAFF[Role.DSL], Action.VIEW_INCIDENT, record, excluded_from=frozenset({Y7.student_id}))
        == D
    )


def test_an_alerted_colleague_can_read_that_incident_only():
    teacher = STAFF[Role.STAFF]
    granted = incident(SAFEGUARDING, granted=[teacher.id])
    assert ask(teacher, Action.VIEW_INCIDENT, granted) == A
    assert ask(teacher, Action.VIEW_INCIDENT_STATUS, granted) == A
    assert ask(teacher, Action.WORK_CASE, granted) == D
    assert ask(teacher, Action.VIEW_STUDENT, granted) == D
    assert ask(teacher, Action.VIEW_INCIDENT, incident(SAFEGUARDING)) == D


def test_the_author_sees_the_status_of_what_they_recorded_not_more():
    teacher = STAFF[Role.STAFF]
    own = incident(PASTORAL, recorded_by=teacher.id)
    assert ask(teacher, Action.VIEW_INCIDENT_STATUS, own) == A
    assert ask(teacher, Action.VIEW_INCIDENT, own) == D


def test_year_group_scope_limits_a_viewer_to_their_pupils():
    viewer = STAFF[Role.VIEWER]
    policy = AccessPolicy(
        categories=POLICY.categories,
        restricted=POLICY.restricted,
        scopes={viewer.id: Scope(year_groups=frozenset({9}))},
    )
    assert ask(viewer, Action.VIEW_STUDENT, incident(PASTORAL, pupils=(Y7,)), policy) == D
    assert ask(viewer, Action.VIEW_INCIDENT, incident(PASTORAL, pupils=(Y7,)), policy) == D
    assert ask(viewer, Action.VIEW_INCIDENT, incident(PASTORAL, pupils=(Y9,)), policy) == A
    assert ask(viewer, Action.VIEW_INCIDENT, incident(PASTORAL, pupils=(Y7, Y9)), policy) == A


def test_tutor_group_scope_works_the_same_way():
    viewer = STAFF[Role.VIEWER]
    policy = AccessPolicy(
        categories=POLICY.categories, scopes={viewer.id: Scope(tutor_groups=frozenset({"7A"}))}
    )
    assert ask(viewer, Action.VIEW_STUDENT, incident(PASTORAL, pupils=(Y7,)), policy) == A
    assert ask(viewer, Action.VIEW_STUDENT, incident(PASTORAL, pupils=(Y9,)), policy) == D


def test_historic_incidents_need_elevated_access_even_in_open_categories():
    viewer = STAFF[Role.VIEWER]
    old = incident(PASTORAL, days_ago=400)
    assert ask(viewer, Action.VIEW_INCIDENT, old) == E
    assert ask(viewer, Action.VIEW_INCIDENT, old, elevated=True) == A


def test_a_role_can_be_denied_a_category_the_defaults_would_allow():
    viewer = STAFF[Role.VIEWER]
    policy = AccessPolicy(categories=POLICY.categories, by_role={(PASTORAL, Role.VIEWER): NONE})
    assert ask(viewer, Action.VIEW_INCIDENT, incident(PASTORAL), policy) == D
    assert ask(viewer, Action.ADD_INCIDENT, incident(PASTORAL), policy) == D


def test_a_named_colleague_can_be_given_a_restricted_category():
    viewer = STAFF[Role.VIEWER]
    policy = AccessPolicy(
        categories=POLICY.categories,
        restricted=POLICY.restricted,
        by_staff={(SAFEGUARDING, viewer.id): ALL},
    )
    assert ask(viewer, Action.VIEW_INCIDENT, incident(SAFEGUARDING), policy) == E
    assert ask(viewer, Action.VIEW_INCIDENT, incident(SAFEGUARDING), policy, elevated=True) == A
    assert ask(STAFF[Role.STAFF], Action.VIEW_INCIDENT, incident(SAFEGUARDING), policy) == D


def test_an_incident_is_readable_only_if_every_one_of_its_categories_is():
    viewer = STAFF[Role.VIEWER]
    assert ask(viewer, Action.VIEW_INCIDENT, incident(PASTORAL, SAFEGUARDING), elevated=True) == D


def test_inactive_staff_are_refused_everything():
    leaver = StaffMember(50, 1, "x", "Left", "l@x", Role.DSL, active=False)
    assert all(ask(leaver, action, incident(PASTORAL), elevated=True) == D for action in Action)


def test_the_dsl_can_open_a_pupils_record_even_before_categories_exist():
    empty = AccessPolicy()
    assert ask(STAFF[Role.DSL], Action.VIEW_STUDENT, incident(), empty) == A
    assert ask(STAFF[Role.VIEWER], Action.VIEW_STUDENT, incident(), empty) == D


@pytest.mark.parametrize(
    ("role", "every"), [(Role.DSL, True), (Role.VIEWER, False), (Role.STAFF, False)]
)
def test_reading_rules_say_when_every_category_is_readable(role, every):
    rules = reading_rules(Viewer(STAFF[role], frozenset()), POLICY, NOW)
    assert rules.every_category is every
    assert (rules.readable == POLICY.categories) is every
