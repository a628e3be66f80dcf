"""The administration card: the chat-safe stub `admin` posts, the sections' home, and the pieces
every section's card shares (what happened, what changed first, a message by a field).

Names typed by administrators (categories, groups, list entries) and colleagues' names are shown
as text runs, never parsed as markdown. Administration never shows a pupil or a concern.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cards.elements import Card, action_set, adaptive_card, execute, heading, text_block
from cards.verbs import Verb
from safeguarding.administration import TITLES, AdminHome, Section

MAX_ECHO = 2000
SECTIONS = {
    Section.CATEGORIES: (
        Verb.ADMIN_CATEGORIES,
        "Add, rename, colour, order and retire categories; their default alert groups.",
    ),
    Section.RIGHTS: (
        Verb.ADMIN_RIGHTS,
        "Who may view students, view incidents and add incidents, category by category.",
    ),
    Section.STAFF: (
        Verb.ADMIN_STAFF,
        "Roles, who is active, and limiting a colleague to year or tutor groups.",
    ),
    Section.GROUPS: (Verb.ADMIN_GROUPS, "Alert groups and their members."),
    Section.LISTS: (Verb.ADMIN_LISTS, "The agencies and closing outcomes the forms offer."),
    Section.SCHOOL: (
        Verb.ADMIN_SCHOOL,
        "Name, time zone, escalation, year groups, term dates and the triage channel.",
    ),
}


@dataclass(frozen=True)
class Said:
    """What a section's answer says above its card: what was done, or what changed first."""

    notice: str = ""
    changed: str = ""


def admin_stub_card() -> Card:
    """What the `admin` command posts in the chat: a button to open the card in place."""
    return adaptive_card(
        [
            heading("Administration"),
            text_block("Categories, rights, staff, alert groups, lists and the school's settings."),
        ],
        [execute(Verb.ADMIN_SHOW, "Open administration")],
    )


def admin_home_card(home: AdminHome) -> Card:
    """The sections this member of staff may use, each with its button."""
    body = [
        heading("Administration"),
        text_block(
            "Changes apply at once, for everyone, and are audited. Administration never shows "
            "a pupil's record or a concern.",
            subtle=True,
        ),
    ]
    if home.pending:
        who = "you and the DSL team" if home.decides else "the DSL team"
        body.append(said(f"{waiting(home.pending)} for {who} to confirm (Rights)."))
    for section in home.sections:
        verb, words = SECTIONS[section]
        body.append(
            {
                "type": "Container",
                "separator": True,
                "items": [
                    text_block(f"**{TITLES[section]}**: {words}"),
                    action_set(execute(verb, TITLES[section])),
                ],
            }
        )
    return adaptive_card(body)


def waiting(count: int) -> str:
    """ "1 change to access waits", "2 changes to access wait"."""
    return f"{count} change to access waits" if count == 1 else f"{count} changes to access wait"


def record_buttons(editing: Any, verbs: tuple[str, str, str], field: str, new: str) -> list[Card]:
    """A section form's buttons: Add (`new`) for a new record; for one opened, Save, Retire
    (or Bring back) on the version shown, and a fresh form. `verbs`: save, retire, the list."""
    save, retire, listed = verbs
    if editing is None:
        return [execute(save, new)]
    ref = {field: editing.id, "ver": editing.version}
    title = "Bring back" if editing.retired else "Retire"
    return [
        execute(save, new.replace("Add", "Save"), **ref),
        execute(retire, title, **ref, retire=not editing.retired),
        execute(listed, "Add a new one instead"),
    ]


def section_card(title: str, shown: Said, body: list[Card], actions: list[Card]) -> Card:
    """A section's card: its title, what was said, its body, its buttons and the way back."""
    top = [heading(title), *said_blocks(shown)]
    return adaptive_card(top + body, [*actions, execute(Verb.ADMIN_SHOW, "Administration")])


def said_blocks(shown: Said) -> list[Card]:
    """What changed first (a stale card: saving again applies what is typed), what was done."""
    blocks = []
    if shown.changed:
        blocks.append(
            said(f"Changed meanwhile. {shown.changed} What you typed is kept below.", "Attention")
        )
    if shown.notice:
        blocks.append(said(shown.notice, "Good"))
    return blocks


def said(text: str, colour: str = "Default") -> Card:
    """Words that may carry names typed by people: a text run, never markdown."""
    run: Card = {"type": "TextRun", "text": text}
    if colour != "Default":
        run["color"] = colour
    return {"type": "RichTextBlock", "inlines": [run]}


def problem(errors: Mapping[str, str], name: str) -> list[Card]:
    """The message by a field (it may quote what was typed: a text run)."""
    return [said(errors[name], "Attention")] if errors.get(name) else []


def shown_value(values: Mapping[str, Any], name: str, stored: object) -> str:
    """What an input shows: what was typed when the card comes back, else the stored value."""
    if name in values:  # kept as typed, within reason (a card must stay under Teams' limit)
        value = values[name]
        return (value if isinstance(value, str) else str(value))[:MAX_ECHO]
    if isinstance(stored, bool):
        return "true" if stored else "false"
    return "" if stored is None else str(stored)


def toggle_input(input_id: str, title: str, value: str) -> Card:
    """A yes/no switch sending "true" or "false"."""
    return {
        "type": "Input.Toggle",
        "id": input_id,
        "title": title,
        "value": "true" if value == "true" else "false",
        "valueOn": "true",
        "valueOff": "false",
    }
