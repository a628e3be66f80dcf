"""Text commands: the first word decides, exactly; mentions and markup are ignored."""

import pytest

from bot.commands import TextCommand, parse_command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("help", TextCommand("help")),
        ("  HELP  ", TextCommand("help")),
        ("Help me please", TextCommand("help")),
        ("hi", TextCommand("help")),
        ("<at>Kestrel</at> help", TextCommand("help")),
        ("<p><at>Kestrel</at>&nbsp;help</p>", TextCommand("help")),
        ("add incident", TextCommand("add_incident")),
        ("Add Incident  Sam   Taylor", TextCommand("add_incident", "Sam Taylor")),
        ("dashboard", TextCommand("dashboard")),
        ("Settings", TextCommand("settings")),
        ("admin", TextCommand("admin")),
        ("<at>Kestrel</at> Admin", TextCommand("admin")),
    ],
)
def test_commands_are_recognised_by_their_first_word(text, expected):
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "helpful",
        "I need help with Sam",
        "please add incident",
        "add",
        "add student",
        "dashboards",
        "my dashboard",
        "administration",
        "the admin",
        "",
        "   ",
        None,
        "<at>Kestrel</at>",
    ],
)
def test_anything_else_is_unknown_never_matched_by_substring(text):
    assert parse_command(text) == TextCommand("unknown")
