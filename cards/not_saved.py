"""Not saved: a save that failed on the server, shared by every form that keeps what was typed."""

from collections.abc import Mapping
from typing import Any

from cards.elements import Card, adaptive_card, execute, heading, text_block, text_input, warning
from safeguarding.incidents import MAX_TEXT


def not_saved_card(
    verb: str, values: Mapping[str, Any], reference: str, text_key: str, label: str
) -> Card:
    """A save that failed on the server: the text comes back, the rest rides in Try again.
    Built without the database (it may be what failed), so nothing typed is lost."""
    kept = {
        k: v
        for k, v in values.items()
        if k not in (text_key, "v", "code") and isinstance(v, str | int) and len(str(v)) < 5000
    }
    typed = values.get(text_key)
    text = text_input(
        text_key, label, value=typed if isinstance(typed, str) else "", max_length=MAX_TEXT
    )
    text["isMultiline"] = True
    return adaptive_card(
        [
            heading("Not saved"),
            warning(
                "Kestrel could not save this just now, so nothing has changed yet. What you "
                "typed is kept here: press Try again."
            ),
            text_block(f"Reference: {reference}", subtle=True),
            text,
        ],
        [execute(verb, "Try again", **kept)],
    )
