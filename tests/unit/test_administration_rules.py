"""The administration rules, pure: who uses which section, names, colours, ancestors, rights and
who gains or loses by them, roles and scopes, lists, time zones and term dates."""

from datetime import UTC, date, datetime

import pytest

from safeguarding.access import AccessPolicy, Rights, Scope
from safeguarding.administration import Section, change_detail, sections_for, what_changed
from safeguarding.alert_groups import read_group_form, retire_problem
from safeguarding.audit import AuditAction, AuditEvent
from safeguarding.categories import OWN_ANCESTOR, read_category_form
from safeguarding.errors import InvalidInput
from safeguarding.lists import LAST_ONE, ListKind, read_entry, removal_problem
from safeguarding.rights import (
    CategoryRights,
    access_change,
    confirm_token,
    current_rights,
    read_rights_form,
    rights_of,
    with_rights,
)
from safeguarding.school import AlertGroup, Category
from safeguarding.school_settings import Term, read_school_form, read_term
from safeguarding.staff import Role, StaffMember
from safeguarding.staffing import (
    DSL_TEAM_DECIDES,
    FROM_DIRECTORY,
    LAST_DSL,
    WHOLE_SCHOOL,
    parse_role_groups,
    read_scope_form,
    read_staff_form,
)


def member(staff_id: int, role: Role, name: str = "", active: bool = True) -> StaffMember:
    return StaffMember(staff_id, 1, f"aad-{staff_id}", name or role.value, "x@x", role, active)


DSL, DEPUTY = member(1, Role.DSL, "Priya"), member(2, Role.DEPUTY_DSL, "Tom")
TEACHER, VIEWER = member(3, Role.STAFF, "James"), member(4, Role.VIEWER, "Daniel")
ADMIN = member(5, Role.ADMINISTRATOR, "Helen")
EVERYONE = (DSL, DEPUTY, TEACHER, VIEWER, ADMIN)
PASTORAL = Category(7, 1, "Pastoral", "#16A34A")
SAFEGUARDING = Category(9, 1, "Safeguarding", "#DC2626", restricted=True)
CHILD = Category(11, 1, "Neglect", "#111111", parent_id=9)
POLICY = AccessPolicy(categories=frozenset({7, 9, 11}), restricted=frozenset({9}))


def errors_of(call) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        call()
    return raised.value.errors


@pytest.mark.parametrize(
    ("staff", "sections"),
    [
        (ADMIN, list(Section)),
        (DSL, [Section.RIGHTS, Section.STAFF, Section.GROUPS, Section.SCHOOL]),
        (DEPUTY, [Section.RIGHTS, Section.STAFF, Section.GROUPS, Section.SCHOOL]),
        (VIEWER, []),
        (TEACHER, []),
        (member(6, Role.ADMINISTRATOR, active=False), []),
    ],
)
def test_each_role_uses_its_own_sections(staff, sections):
    assert list(sections_for(staff)) == sections


def test_a_category_form_says_every_field_to_fix_at_once():
    errors = errors_of(
        lambda: read_category_form(
            {
                "name": "PASTORAL",
                "colour": "#12345G",
                "parent": "99",
                "alert_groups": "5",
                "position": "x",
            },
            editing=None,
            categories=(PASTORAL, SAFEGUARDING),
            groups=(AlertGroup(1, 1, "DSL team"),),
        )
    )
    assert set(errors) == {"name", "colour", "parent", "alert_groups", "position"}
    assert errors["name"] == '"PASTORAL" is already used: choose another name.'


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "[click](http://x)", "a*b", "<b>"])
def test_empty_long_or_markup_names_are_refused(name):
    assert "name" in errors_of(
        lambda: read_category_form(
            {"name": name, "colour": "#000000"}, editing=None, categories=(), groups=()
        )
    )


def test_a_category_is_never_put_under_itself_or_its_own_descendant():
    for parent in ("9", "11"):
        errors = errors_of(
            lambda p=parent: read_category_form(
                {"name": "Safeguarding", "colour": "#DC2626", "parent": p},
                editing=SAFEGUARDING,
                categories=(PASTORAL, SAFEGUARDING, CHILD),
                groups=(),
            )
        )
        assert errors == {"parent": OWN_ANCESTOR}
    draft = read_category_form(
        {"name": "Safeguarding", "colour": "#dc2626", "parent": "7", "restricted": "false"},
        editing=SAFEGUARDING,
        categories=(PASTORAL, SAFEGUARDING, CHILD),
        groups=(),
    )
    assert (draft.parent_id, draft.colour, draft.restricted) == (7, "#DC2626", True)


def test_rights_read_from_the_matrix_store_only_what_differs_from_the_default():
    values = {
        "restricted": "true",
        "role_viewer_view_students": "true",
        "role_viewer_view_incidents": "true",
        "role_viewer_add_incidents": "true",
        "role_staff_add_incidents": "true",
        "role_administrator_add_incidents": "true",
        "role_administrator_view_incidents": "true",  # forged: never given
    }
    rights = read_rights_form(values, CategoryRights(True), [TEACHER, VIEWER, ADMIN])
    assert rights.by_role == {Role.VIEWER: Rights(True, True, True)}
    assert rights_of(rights.detail()) == rights


def test_a_named_colleague_must_be_one_outside_the_dsl_team():
    current = CategoryRights(False)
    errors = errors_of(lambda: read_rights_form({"new_staff": "1"}, current, [TEACHER]))
    assert errors == {"new_staff": "Choose a colleague from the list."}
    given = read_rights_form(
        {"new_staff": "3", "new_view_incidents": "true", **_defaults(False)}, current, [TEACHER]
    )
    assert given.by_staff == {3: Rights(view_incidents=True)}


def _defaults(restricted: bool) -> dict[str, str]:
    on = {
        "role_staff_add_incidents",
        "role_viewer_add_incidents",
        "role_administrator_add_incidents",
    }
    if not restricted:
        on |= {"role_viewer_view_students", "role_viewer_view_incidents"}
    return {name: "true" for name in on}


def test_the_change_names_who_gains_and_widening_a_restricted_category_is_flagged():
    after = with_rights(POLICY, 9, CategoryRights(True, {Role.VIEWER: Rights(True, True, True)}))
    change = access_change(POLICY, after, SAFEGUARDING, EVERYONE)
    assert change.lines == ("1 colleague will be able to view Safeguarding incidents: Daniel.",)
    assert change.widens
    narrowed = with_rights(
        POLICY, 7, CategoryRights(False, {Role.VIEWER: Rights(add_incidents=True)})
    )
    change = access_change(POLICY, narrowed, PASTORAL, EVERYONE)
    assert "1 colleague will no longer be able to view Pastoral incidents: Daniel." in change.lines
    assert not change.widens


def test_lifting_a_restriction_widens_even_when_nobody_gains_a_right():
    lifted = with_rights(
        POLICY, 9, CategoryRights(False, {Role.VIEWER: Rights(add_incidents=True)})
    )
    change = access_change(POLICY, lifted, SAFEGUARDING, EVERYONE)
    assert change.widens
    assert "Viewing Safeguarding incidents will no longer need elevated access." in change.lines


def test_the_token_changes_with_the_rights_and_the_version():
    rights = current_rights(POLICY, 9)
    widened = CategoryRights(True, {Role.VIEWER: Rights(True, True, True)})
    assert confirm_token(rights, 1) != confirm_token(widened, 1) != confirm_token(widened, 2)


def test_the_last_active_dsl_stays_and_only_the_dsl_team_give_viewing_roles():
    staff = lambda values, actor=DSL, target=DSL, directory=False: read_staff_form(  # noqa: E731
        values, actor=actor, target=target, everyone=EVERYONE, directory_roles=directory
    )
    assert errors_of(lambda: staff({"role": "deputy_dsl", "active": "true"})) == {"role": LAST_DSL}
    assert errors_of(lambda: staff({"role": "dsl", "active": "false"})) == {"role": LAST_DSL}
    assert errors_of(
        lambda: staff({"role": "viewer", "active": "true"}, actor=ADMIN, target=TEACHER)
    ) == {"role": DSL_TEAM_DECIDES}
    assert errors_of(
        lambda: staff({"role": "viewer", "active": "true"}, target=TEACHER, directory=True)
    ) == {"role": FROM_DIRECTORY}
    left = staff({"role": "staff", "active": "false"}, actor=ADMIN, target=TEACHER)
    assert (left.role, left.active) == (Role.STAFF, False)


def test_scopes_name_known_groups_and_never_limit_the_dsl_team():
    scope = read_scope_form(
        {"year_groups": "7,8", "tutor_groups": "9B"}, VIEWER, (7, 8, 9), ("9B",)
    )
    assert scope == Scope(frozenset({7, 8}), frozenset({"9B"}))
    assert errors_of(lambda: read_scope_form({"year_groups": "7"}, DEPUTY, (7,), ())) == {
        "year_groups": WHOLE_SCHOOL
    }
    assert "tutor_groups" in errors_of(
        lambda: read_scope_form({"tutor_groups": "X"}, VIEWER, (7,), ())
    )


def test_role_groups_parse_and_a_bad_entry_is_named():
    pairs = parse_role_groups("dsl=g1, viewer=g2,trust_dsl=g3")
    assert pairs == (("dsl", "g1"), ("viewer", "g2"), ("trust_dsl", "g3"))
    with pytest.raises(ValueError, match="headteacher=g4"):
        parse_role_groups("dsl=g1,headteacher=g4")


def test_list_entries_and_removals():
    assert read_entry({"new_agencies": " Youth  Offending Team "}, ListKind.AGENCIES, ()) == (
        "Youth Offending Team"
    )
    assert "new_agencies" in errors_of(
        lambda: read_entry({"new_agencies": "a, b"}, ListKind.AGENCIES, ())
    )
    assert read_entry({"new_outcomes": "Plan, agreed"}, ListKind.OUTCOMES, ()) == "Plan, agreed"
    assert removal_problem("GP", ("GP",)) == LAST_ONE
    assert "someone took it off meanwhile" in removal_problem("GP", ("Police",))


def test_a_school_needs_a_known_time_zone_and_sane_minutes():
    errors = errors_of(
        lambda: read_school_form(
            {"name": "K", "time_zone": "Mars/Olympus", "escalate_minutes": "0"}
        )
    )
    assert set(errors) == {"time_zone", "escalate_minutes"}
    draft = read_school_form(
        {"name": "K", "time_zone": "Europe/Paris", "escalate_minutes": "", "year_groups": "9,7"}
    )
    assert (draft.escalate_minutes, draft.year_groups) == (None, (7, 9))


def test_terms_cannot_overlap_or_end_before_they_start():
    autumn = Term(1, "Autumn", date(2026, 9, 3), date(2026, 12, 18))
    clash = {"term_name": "Spring", "term_starts": "2026-12-18", "term_ends": "2027-03-26"}
    assert "term_starts" in errors_of(lambda: read_term(clash, [autumn]))
    backwards = {"term_name": "Spring", "term_starts": "2027-03-26", "term_ends": "2027-01-04"}
    assert "term_ends" in errors_of(lambda: read_term(backwards, [autumn]))
    fine = read_term(
        {"term_name": "Spring", "term_starts": "2027-01-04", "term_ends": "2027-03-26"}, [autumn]
    )
    assert fine.starts_on == date(2027, 1, 4)


def test_a_group_keeps_a_member_who_left_but_takes_no_new_administrator():
    group = AlertGroup(1, 1, "Heads of House", (9,))
    kept = read_group_form(
        {"name": "Heads of House", "members": "9,4"}, editing=group, groups=[group], staff=EVERYONE
    )
    assert kept.member_ids == (4, 9)
    assert "members" in errors_of(
        lambda: read_group_form(
            {"name": "New", "members": "5"}, editing=None, groups=[], staff=EVERYONE
        )
    )
    default = Category(9, 1, "Safeguarding", "#000000", default_alert_group_ids=(1,))
    assert "Safeguarding alert it by default" in retire_problem(group, True, [default])


def test_a_stale_card_is_told_each_change_after_the_version_it_showed():
    at = datetime(2026, 11, 24, 10, 42, tzinfo=UTC)
    events = [
        AuditEvent(
            AuditAction.CATEGORY_CHANGED,
            at,
            1,
            5,
            "category",
            7,
            detail=change_detail(3, {"colour": ["#000000", "#FFFFFF"]}),
        ),
        AuditEvent(
            AuditAction.CATEGORY_CHANGED,
            at,
            1,
            1,
            "category",
            7,
            detail=change_detail(2, {"urgent": [False, True]}),
        ),
    ]
    said = what_changed(events, 2, {5: "Helen Carter", 1: "Priya Raman"}, "Europe/London")
    assert said == "Helen Carter changed it at 10:42 on 24 Nov: colour #000000 to #FFFFFF."


def test_an_edit_keeps_a_retired_category_already_on_the_record_but_adds_none():
    from safeguarding.cases import IncidentContent
    from safeguarding.editing import changed_fields

    policy = AccessPolicy(categories=frozenset({7, 4}), retired=frozenset({4}))
    at = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    before = IncidentContent("text", at, (), {1: frozenset({4})})
    kept = IncidentContent("text, corrected", at, (), {1: frozenset({4, 7})})
    assert changed_fields(before, kept, policy, DSL) == ["text", "categories"]
    fresh = IncidentContent("text", at, (), {1: frozenset({7})})
    added = IncidentContent("text", at, (), {1: frozenset({7, 4})})
    assert "form" in errors_of(lambda: changed_fields(fresh, added, policy, DSL))
    assert policy.current == frozenset({7})
