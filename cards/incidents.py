"""Incident cards that Teams may keep: no pupil name and no incident text, only the reference."""

from collections.abc import Mapping
from typing import Any

from cards.elements import (
    Card,
    action_set,
    adaptive_card,
    execute,
    heading,
    text_block,
    text_input,
    warning,
)
from safeguarding.incidents import MAX_TEXT


def recorded_card(reference: str, alerted: int, *, repeated: bool = False) -> Card:
    """What replaces the form once the concern is recorded."""
    said = "It was already recorded" if repeated else "Recorded"
    who = (
        f"{alerted} colleague{'s' if alerted != 1 else ''} will be alerted."
        if alerted
        else ("Nobody was alerted.")
    )
    return adaptive_card(
        [heading(f"Incident {reference}"), text_block(f"{said} as {reference}. {who}")],
        [execute("incident.add", "Add another incident")],
    )


def add_privately_card() -> Card:
    """In a group chat or channel the form opens as a private dialog, never in the chat."""
    return adaptive_card(
        [
            heading("Add incident"),
            text_block("The form opens privately, just for you. Nothing you write appears here."),
        ],
        [
            {
                "type": "Action.Submit",
                "title": "Open the form",
                "data": {"msteams": {"type": "task/fetch"}, "v": 1},
            }
        ],
    )


def not_saved_card(values: Mapping[str, Any], reference: str, *, dialog: bool) -> Card:
    """A save that failed on the server: the text comes back, the rest rides in Try again.

    Built without the database (it may be what failed), so nothing the user wrote is lost.
    """
    kept = {k: v for k, v in values.items() if k not in ("text", "verb", "v")}
    text = text_input("text", "Incident", value=str(values.get("text") or ""), max_length=MAX_TEXT)
    text["isMultiline"] = True
    retry: Card = (
        {
            "type": "Action.Submit",
            "title": "Try again",
            "data": {**kept, "v": 1, "verb": "incident.record"},
        }
        if dialog
        else execute("incident.record", "Try again", **kept)
    )
    return adaptive_card(
        [
            heading("Not saved"),
            warning(
                "Kestrel could not save this incident just now, so it is NOT recorded yet. "
                "Your text and choices are kept here: press Try again."
            ),
            text_block(f"Reference: {reference}", subtle=True),
            text,
            action_set(retry),
        ]
    )
