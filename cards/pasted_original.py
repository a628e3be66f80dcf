"""An HTML email pasted into a form: the note where its readable text is shown, and the original
(its source exactly as pasted, shown as text, never rendered) a part at a time.

Only ever an invoke response, for a user the server has authorised.
"""

from cards.elements import (
    Card,
    action_set,
    adaptive_card,
    execute,
    heading,
    text_block,
    text_pages,
    text_run,
)
from cards.verbs import Verb
from safeguarding.viewing import PastedOriginal

PASTED = "Pasted as an HTML email; the original is kept as evidence."
PART_BYTES = 20_000  # of text on one part, as sent (the card stays under 28 KB)


def pasted_note(incident_id: int, action_id: int | None = None) -> list[Card]:
    """Under a text that was an HTML email: what happened to it, and the way to the original."""
    ids = {"incident": incident_id} | ({"action": action_id} if action_id is not None else {})
    button = execute(Verb.INCIDENT_ORIGINAL, "Show the original", **ids)
    return [text_block(PASTED, subtle=True), action_set(button)]


def original_card(original: PastedOriginal, part: int = 0) -> Card:
    """The original as text, one part of it (Earlier part / Later part), and the way back."""
    parts = original_parts(original.source)
    part = min(part, len(parts) - 1)
    what = "the incident" if original.action_id is None else "the action"
    body = [
        heading(f"{original.reference}: the email as pasted"),
        text_block(
            f"The source of the HTML email pasted into {what}, exactly as pasted and shown as "
            "text. Kestrel keeps its readable text as the record and this original as evidence.",
            subtle=True,
        ),
    ]
    if len(parts) > 1:
        body.append(text_block(f"Part {part + 1} of {len(parts)}", subtle=True))
    body.append(text_run(parts[part]))
    ids = {"incident": original.incident_id}
    if original.action_id is not None:
        ids["action"] = original.action_id
    buttons = [execute(Verb.INCIDENT_SHOW, "Back to the incident", incident=original.incident_id)]
    if part > 0:
        buttons.append(execute(Verb.INCIDENT_ORIGINAL, "Earlier part", **ids, part=part - 1))
    if part + 1 < len(parts):
        buttons.append(execute(Verb.INCIDENT_ORIGINAL, "Later part", **ids, part=part + 1))
    return adaptive_card(body, buttons)


def original_parts(source: str) -> list[str]:
    """The source cut into parts that each fit a card (at a line's end where one is near)."""
    return text_pages(source, PART_BYTES, at_line_ends=True)
