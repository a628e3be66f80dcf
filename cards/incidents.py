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
from cards.verbs import Verb
from safeguarding.files import AttachResult
from safeguarding.incidents import MAX_TEXT


def recorded_card(
    incident_id: int, reference: str, alerted: int, *, repeated: bool = False
) -> Card:
    """What replaces the form once the concern is recorded."""
    said = "It was already recorded" if repeated else "Recorded"
    who = (
        f"{alerted} colleague{'s' if alerted != 1 else ''} will be alerted."
        if alerted
        else "Nobody was alerted by name or by category; the DSL team see it among New concerns."
    )
    return adaptive_card(
        [
            heading(f"Incident {reference}"),
            text_block(f"{said} as {reference}. {who}"),
            text_block(
                "To add files (documents, images, PDF, emails), send them in this chat within "
                "15 minutes.",
                subtle=True,
            ),
        ],
        [
            execute(Verb.INCIDENT_SHOW, "View", incident=incident_id),
            execute(Verb.INCIDENT_ATTACH, "Attach files", incident=incident_id),
            execute(Verb.INCIDENT_ADD, "Add another incident"),
        ],
    )


def open_form_card(words: str) -> Card:
    """The chat-safe answer to `add incident`: the form opens in place, just for this user. It
    carries a token for a pupil's name typed after the command (held by Kestrel), never it."""
    data = {"words": words} if words else {}
    return adaptive_card(
        [
            heading("Add incident"),
            text_block("Open the form: what you write there stays in Kestrel, not in this chat."),
        ],
        [execute(Verb.INCIDENT_ADD, "Open the form", **data)],
    )


def add_privately_card() -> Card:
    """In a group chat or channel the form opens as a private dialog, never in the chat."""
    return _dialog_card("The form opens privately, just for you. Nothing you write appears here.")


def form_in_dialog_card() -> Card:
    """A form sent as a chat message (a client without Action.Execute): continue in the dialog."""
    return _dialog_card(
        "Nothing is recorded yet. This version of Teams cannot check the form privately in the "
        "chat: open it as a dialog and copy your text across from the form above."
    )


def _dialog_card(message: str) -> Card:
    return adaptive_card(
        [heading("Add incident"), text_block(message)],
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
            "data": {**kept, "v": 1, "verb": Verb.INCIDENT_RECORD},
        }
        if dialog
        else execute(Verb.INCIDENT_RECORD, "Try again", **kept)
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


def attach_window_card(reference: str) -> Card:
    """The attach window is open: send files in this chat."""
    return adaptive_card(
        [
            heading(f"Attach files to {reference}"),
            text_block(
                "Send the files in this chat within 15 minutes: documents, images, PDF or "
                "email files. To keep an email's text, paste it into the incident instead."
            ),
        ]
    )


def attach_result_card(result: AttachResult, *, pasted: int = 0) -> Card:
    """What happened to each file, by position and kind (never by name: Teams keeps this)."""
    lines = []
    for number, outcome in enumerate(result.outcomes, 1):
        if outcome.refused:
            lines.append(f"File {number}: not attached, because {outcome.refused}.")
        else:
            lines.append(f"File {number}: attached ({outcome.kind}, {_size(outcome.size)}).")
    if pasted:
        lines.append("Pasted pictures cannot be attached: send them as files.")
    attached = sum(1 for o in result.outcomes if not o.refused)
    return adaptive_card(
        [
            heading(f"Files for {result.reference}"),
            text_block(f"{attached} of {len(result.outcomes)} attached."),
            *[text_block(line) for line in lines],
        ],
        [execute(Verb.INCIDENT_ATTACH, "Attach more files", incident=_id(result.reference))],
    )


def _size(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{max(1, size // 1024)} KB"


def _id(reference: str) -> int:
    return int(reference.removeprefix("K-"))
