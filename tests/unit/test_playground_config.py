"""Agents Playground configs as another demo user (`kestrel playground-config`, dev --as)."""

import pytest
import yaml

from bot.cli import main
from bot.playground_config import (
    MOST_USERS,
    UnknownUser,
    config_as,
    demo_users,
    first_names,
    load_config,
)

DEMO_NAMES = ["priya", "tom", "james", "daniel", "helen", "aisha", "esther", "rhys"]


def test_the_demo_users_are_the_trusts_staff_with_the_dsl_first():
    assert first_names(load_config()) == DEMO_NAMES


def test_the_repository_config_keeps_within_the_playgrounds_five_users():
    # The Playground exits at start with a sixth user (seen with Agents Playground 0.2.x).
    assert len(load_config()["users"]) == MOST_USERS


@pytest.mark.parametrize("name", DEMO_NAMES)
def test_a_config_as_someone_makes_them_current_and_keeps_everyone_else_as_users(name):
    original = load_config()
    config = config_as(original, name.upper())

    assert config["currentUser"]["givenName"].lower() == name
    assert [user["givenName"].lower() for user in config["users"]] == [
        other for other in DEMO_NAMES if other != name
    ][:MOST_USERS]
    # Everyone in it is a demo user; the Playground gets at most five others.
    assert {person["aadObjectId"] for person in demo_users(config, more=None)} <= {
        person["aadObjectId"] for person in demo_users(original)
    }
    assert len(config["users"]) == MOST_USERS
    for same in ("version", "tenantId", "bot", "personalChat", "groupChat", "team"):
        assert config[same] == original[same]


def test_a_config_as_the_dsl_is_the_repository_config():
    original = load_config()
    assert config_as(original, "Priya") == original


def test_an_unknown_name_is_refused_naming_the_choices():
    choices = "priya, tom, james, daniel, helen, aisha, esther, rhys"
    with pytest.raises(UnknownUser, match=f"bob.*{choices}"):
        config_as(load_config(), "bob")


def test_the_command_writes_a_config_the_playground_reads_as_james(tmp_path, capsys):
    out = tmp_path / "nested" / "james.yml"

    assert main(["playground-config", "--as", "James", "--out", str(out)]) == 0

    assert capsys.readouterr().out.strip() == str(out)
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert written["currentUser"]["id"] == "29:demo-james-whitfield"
    assert written["currentUser"]["name"] == "James Whitfield (Teacher)"
    assert written["version"] == "0.1.1"  # a string, as the Playground expects


def test_the_command_refuses_an_unknown_name_in_one_line(tmp_path, capsys):
    assert main(["playground-config", "--as", "bob", "--out", str(tmp_path / "x.yml")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert not (tmp_path / "x.yml").exists()


def test_the_command_lists_the_demo_first_names(capsys):
    assert main(["playground-config", "--list"]) == 0
    assert capsys.readouterr().out.split() == DEMO_NAMES
