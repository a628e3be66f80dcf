"""The demo school's data file, and the Playground's users being real demo staff."""

from pathlib import Path

import pytest
import yaml

from safeguarding.errors import InvalidInput
from safeguarding.seed import parse_school_seed
from safeguarding.staff import Role

ROOT = Path(__file__).resolve().parents[2]


def test_demo_school_has_the_people_and_categories_the_brief_asks_for(demo_seed):
    years = {s.year_group for s in demo_seed.students}
    assert len(demo_seed.students) >= 60 and years == set(range(7, 14))
    assert all(s.tutor_group and s.house for s in demo_seed.students)
    assert len(demo_seed.staff) == 8
    assert len({s.aad_object_id for s in demo_seed.staff}) == 8
    roles = [s.role for s in demo_seed.staff]
    assert roles.count(Role.DSL) == 1 and roles.count(Role.DEPUTY_DSL) == 1
    assert Role.ADMINISTRATOR in roles and roles.count(Role.STAFF) >= 2
    assert "DSL team" in demo_seed.alert_groups
    assert len({s.upn for s in demo_seed.students}) == len(demo_seed.students)


def test_playground_users_are_demo_staff_in_the_demo_tenant(demo_seed):
    config = yaml.safe_load((ROOT / ".m365agentsplayground.yml").read_text(encoding="utf-8"))
    second = parse_school_seed(
        yaml.safe_load((ROOT / "demo" / "second-school.yaml").read_text(encoding="utf-8"))
    )
    assert second.tenant_id == demo_seed.tenant_id
    staff = {s.aad_object_id: s for s in (*demo_seed.staff, *second.staff, *second.trust_staff)}
    more = yaml.safe_load((ROOT / "demo" / "playground-trust-users.yml").read_text("utf-8"))
    users = [config["currentUser"], *config["users"], *more["users"]]
    assert len(config["users"]) == 5
    assert config["tenantId"] == demo_seed.tenant_id
    for user in users:
        member = staff[user["aadObjectId"]]
        assert member.email == user["email"]
        assert member.display_name in user["name"]
    assert staff[config["currentUser"]["aadObjectId"]].role == Role.DSL


@pytest.mark.parametrize(
    ("broken", "field"),
    [
        (lambda d: d["staff"][0].update(role="headteacher"), "seed"),
        (lambda d: d["alert_groups"][0]["members"].append("nobody@x"), "alert_groups.DSL team"),
        (
            lambda d: d["categories"][0].update(default_alert_groups=["Ghosts"]),
            "categories.Child Disclosure",
        ),
        (lambda d: d["students"][0].update(year=19), "seed"),
        (lambda d: d.pop("school"), "seed"),
    ],
    ids=["bad-role", "unknown-member", "unknown-group", "bad-year", "no-school"],
)
def test_a_broken_seed_file_is_refused_naming_the_problem(broken, field):
    data = yaml.safe_load((ROOT / "demo" / "school.yaml").read_text(encoding="utf-8"))
    broken(data)
    with pytest.raises(InvalidInput) as refused:
        parse_school_seed(data)
    assert field in refused.value.errors
