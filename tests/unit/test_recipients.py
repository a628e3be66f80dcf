"""Who an incident's or an action's alerts go to, and who gains access: pure, no database."""

from datetime import UTC, datetime

import pytest

from safeguarding.access import AccessPolicy, Pupil, Record
from safeguarding.errors import ConfirmGrants, InvalidInput
from safeguarding.recipients import (
    AlertChoice,
    candidates,
    check_confirmed,
    grantees,
    grants_token,
    kept,
)
from safeguarding.school import AlertGroup
from safeguarding.staff import Role, StaffMember

NOW = datetime(2026, 11, 24, 10, 50, tzinfo=UTC)
PASTORAL, SAFEGUARDING = 1, 2
POLICY = AccessPolicy(
    categories=frozenset({PASTORAL, SAFEGUARDING}), restricted=frozenset({SAFEGUARDING})
)
PRIYA = StaffMember(1, 1, "aad-1", "Priya Raman", "p@x", Role.DSL)
TOM = StaffMember(2, 1, "aad-2", "Tom Okafor", "t@x", Role.DEPUTY_DSL)
JAMES = StaffMember(3, 1, "aad-3", "James Whitfield", "j@x", Role.STAFF)
DANIEL = StaffMember(4, 1, "aad-4", "Daniel Hughes", "d@x", Role.VIEWER)
AISHA = StaffMember(5, 1, "aad-5", "Aisha Khan", "a@x", Role.STAFF)
GONE = StaffMember(6, 1, "aad-6", "Former Colleague", "f@x", Role.STAFF, active=False)
EVERYONE = [PRIYA, TOM, JAMES, DANIEL, AISHA, GONE]
DSL_TEAM = AlertGroup(10, 1, "DSL team", (PRIYA.id, TOM.id))
PASTORAL_TEAM = AlertGroup(11, 1, "Pastoral", (AISHA.id, GONE.id, JAMES.id))
GROUPS = [DSL_TEAM, PASTORAL_TEAM]
PUPIL = Pupil(70, 7, "7A")


def record(*categories: int) -> Record:
    return Record(pupils=(PUPIL,), categories=frozenset(categories), happened_at=NOW)


def test_chosen_colleagues_are_tagged_and_group_members_are_alerted_as_the_group():
    choice = AlertChoice(staff_ids={AISHA.id}, default_group_ids={DSL_TEAM.id})
    found = candidates(choice, EVERYONE, GROUPS)
    assert {i: why for i, (_, why) in found.items()} == {
        PRIYA.id: "group",
        TOM.id: "group",
        AISHA.id: "tagged",
    }


def test_a_colleague_chosen_by_their_teams_id_is_tagged_too():
    found = candidates(AlertChoice(aad_ids={"aad-4"}), EVERYONE, GROUPS)
    assert {i: why for i, (_, why) in found.items()} == {DANIEL.id: "tagged"}


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        (AlertChoice(staff_ids={99}), "alert_staff"),
        (AlertChoice(aad_ids={"not-ours"}), "alert_staff"),
        (AlertChoice(group_ids={99}), "alert_groups"),
    ],
    ids=["staff", "aad", "group"],
)
def test_a_colleague_or_group_that_is_not_the_schools_is_a_mistake_on_the_form(choice, field):
    with pytest.raises(InvalidInput) as invalid:
        candidates(choice, EVERYONE, GROUPS)
    assert set(invalid.value.errors) == {field}


def test_a_default_group_the_school_no_longer_has_is_left_out_quietly():
    assert candidates(AlertChoice(default_group_ids={99}), EVERYONE, GROUPS) == {}


def test_never_the_actor_anyone_inactive_or_anyone_excluded_from_a_pupil():
    found = candidates(AlertChoice(group_ids={PASTORAL_TEAM.id, DSL_TEAM.id}), EVERYONE, GROUPS)
    excluded = {TOM.id: frozenset({PUPIL.student_id}), PRIYA.id: frozenset({999})}
    left = kept(found, JAMES, {PUPIL.student_id}, excluded)
    assert sorted(left) == [PRIYA.id, AISHA.id]  # not James (acting), Tom, or the former one


def test_only_recipients_who_could_not_read_it_otherwise_are_granted_access_by_name():
    granted = grantees([TOM, AISHA, PRIYA, JAMES, DANIEL], record(PASTORAL), POLICY, NOW)
    assert granted == [AISHA, JAMES]  # the DSL team and the viewer may read a pastoral incident


def test_a_restricted_incident_grants_the_viewer_but_not_the_dsl_who_elevates_instead():
    granted = grantees([PRIYA, DANIEL], record(SAFEGUARDING), POLICY, NOW)
    assert granted == [DANIEL]


def test_the_grant_token_names_the_colleagues_whatever_the_order():
    assert grants_token([JAMES, AISHA]) == grants_token([AISHA, JAMES]) == "3,5"
    assert grants_token([]) == ""


def test_granting_access_waits_for_the_form_to_come_back_with_that_token():
    with pytest.raises(ConfirmGrants) as asked:
        check_confirmed([AISHA, JAMES], "")
    assert asked.value.names == ("Aisha Khan", "James Whitfield")
    assert asked.value.token == "3,5"
    with pytest.raises(ConfirmGrants):
        check_confirmed([AISHA, JAMES], "5")  # shown for someone else: ask again
    check_confirmed([AISHA, JAMES], "3,5")
    check_confirmed([], "")  # nobody gains access: nothing to confirm
