"""Staff from Microsoft Entra, as pure rules: the highest role wins, school groups and the
trust's DSL place colleagues in a tenant's schools (however many), guests and disabled accounts
are never active staff, leavers are deactivated, and no sync leaves a school without a DSL."""

from dataclasses import replace

import pytest

from safeguarding.directory import (
    Directory,
    DirectoryUnavailable,
    GroupMap,
    plan_staff,
    read_group_pairs,
    user_from_graph,
    wanted_in,
)
from safeguarding.staff import Role, StaffMember


def user(n: int, **more):
    return user_from_graph({"id": f"U{n}", "displayName": f"Person {n}", "mail": f"p{n}@x", **more})


def member(n: int, role: Role, *, active: bool = True, school: int = 1) -> StaffMember:
    return StaffMember(n, school, f"u{n}", f"Person {n}", f"p{n}@x", role, active)


ROLES = (("staff", "all"), ("viewer", "view"), ("administrator", "admin"), ("dsl", "dsl"))


def test_the_highest_role_wins_whatever_order_the_groups_are_listed_in():
    directory = Directory(
        {
            "all": (user(1), user(2)),
            "admin": (user(1), user(2)),
            "dsl": (user(1),),
            "view": (user(2),),
        }
    )
    wanted = wanted_in(directory, GroupMap(ROLES), school_id=1)
    assert wanted["u1"].role == Role.DSL
    assert wanted["u2"].role == Role.VIEWER  # the roles that see records rank above administrator


def test_school_groups_place_colleagues_and_the_trust_dsl_is_in_every_school():
    directory = Directory(
        {
            "all": (user(1), user(2), user(3)),
            "dsl": (user(1), user(3)),
            "s1": (user(1), user(2)),
            "s2": (user(3),),
            "trust": (user(9),),
        }
    )
    groups = GroupMap((*ROLES, ("trust_dsl", "trust")), schools=((1, "s1"), (2, "s2"), (3, "s3")))
    assert set(wanted_in(directory, groups, 1)) == {"u1", "u2", "u9"}
    assert set(wanted_in(directory, groups, 2)) == {"u3", "u9"}
    assert set(wanted_in(directory, groups, 3)) == {"u9"}
    assert wanted_in(directory, groups, 3)["u9"].role == Role.DSL


def test_without_school_groups_everyone_belongs_to_every_school_of_the_tenant():
    directory = Directory({"all": (user(1),), "dsl": (user(1),)})
    assert (
        set(wanted_in(directory, GroupMap(ROLES), 1))
        == set(wanted_in(directory, GroupMap(ROLES), 2))
        == {"u1"}
    )


def test_guests_and_disabled_accounts_never_become_staff():
    directory = Directory(
        {"all": (user(1, userType="Guest"), user(2, accountEnabled=False), user(3))}
    )
    assert set(wanted_in(directory, GroupMap(ROLES), 1)) == {"u3"}


def test_a_plan_adds_updates_returns_and_deactivates_keeping_names():
    staff = [
        member(1, Role.DSL),
        member(2, Role.STAFF),
        member(3, Role.STAFF, active=False),
        member(4, Role.STAFF),
    ]
    directory = Directory(
        {"dsl": (user(1),), "all": (user(1), user(2, displayName="Renamed"), user(3), user(5))}
    )
    plan = plan_staff(1, staff, wanted_in(directory, GroupMap(ROLES), 1))
    assert [w.user.object_id for w in plan.added] == ["u5"]
    by_id = {u.before.id: u for u in plan.updated}
    assert by_id[2].display_name == "Renamed" and by_id[2].changes() == {
        "display_name": ["changed"]
    }
    assert by_id[3].active and by_id[3].changes() == {"active": [False, True]}
    assert not by_id[4].active and by_id[4].display_name == "Person 4"
    assert plan.counts == {"created": 1, "updated": 1, "returned": 1, "left": 1, "unchanged": 1}


def test_a_colleague_turned_off_in_kestrel_stays_off_while_the_directory_follows_them():
    staff = [
        member(1, Role.DSL),
        replace(member(2, Role.STAFF, active=False), deactivated_here=True),
        replace(member(3, Role.STAFF, active=False), deactivated_here=True),
    ]
    renamed = user(3, displayName="Renamed")
    directory = Directory({"dsl": (user(1), renamed), "all": (user(1), user(2), renamed)})
    plan = plan_staff(1, staff, wanted_in(directory, GroupMap(ROLES), 1))
    [third] = plan.updated  # the second, in the groups and unchanged: left alone
    assert third.before.id == 3 and not third.active
    assert third.changes() == {"role": ["staff", "dsl"], "display_name": ["changed"]}
    assert plan.counts == {"created": 0, "updated": 1, "returned": 0, "left": 0, "unchanged": 2}


def test_a_directory_that_leaves_no_active_dsl_is_refused():
    staff = [member(1, Role.DSL), member(2, Role.STAFF)]
    directory = Directory({"all": (user(1), user(2)), "dsl": ()})
    with pytest.raises(DirectoryUnavailable) as refused:
        plan_staff(1, staff, wanted_in(directory, GroupMap(ROLES), 1))
    assert refused.value.code == "no_dsl" and "school 1" in refused.value.reason


def test_school_group_pairs_are_read_and_a_bad_one_is_named():
    assert read_group_pairs(" 1=g1, 2 = g2 ") == ((1, "g1"), (2, "g2"))
    with pytest.raises(ValueError, match="x=g3"):
        read_group_pairs("1=g1,x=g3")


def test_a_graph_user_without_mail_uses_the_user_principal_name():
    found = user_from_graph({"id": "ABC", "displayName": " A  B ", "userPrincipalName": "ab@x"})
    assert (found.object_id, found.display_name, found.email) == ("abc", "A B", "ab@x")
    assert user_from_graph({"displayName": "no id"}) is None


def test_directory_settings_are_read_and_a_bad_one_is_one_line():
    from bot.settings import ConfigurationError, Settings

    env = {"KESTREL_SCHOOL_GROUPS": "1=g1", "KESTREL_SYNC_HOURS": "0", "KESTREL_SDS": "1"}
    settings = Settings.from_env(env, local=True)
    assert (settings.school_groups, settings.sync_hours, settings.sds) == (((1, "g1"),), 0, True)
    assert settings.graph_url == "https://graph.microsoft.com"
    assert not settings.graph_configured  # never in local mode
    with pytest.raises(ConfigurationError, match="KESTREL_SCHOOL_GROUPS .* not school-1=g1"):
        Settings.from_env({"KESTREL_SCHOOL_GROUPS": "school-1=g1"}, local=True)
    with pytest.raises(ConfigurationError, match="KESTREL_ENTRA_AUTHORITY must be"):
        Settings.from_env({"KESTREL_ENTRA_AUTHORITY": "login.example"}, local=True)
