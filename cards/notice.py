"""Short notices: refusals, errors and confirmations, in Kestrel's own words only."""

from cards.elements import Card, adaptive_card, execute, heading, text_block
from cards.verbs import Verb

NOT_RECOGNISED = "You are not set up in Kestrel. Please ask your administrator to add you."


def notice_card(title: str, message: str, *, reference: str | None = None) -> Card:
    """A titled message, with an error reference when there is one to quote to support."""
    body = [heading(title), text_block(message)]
    if reference:
        body.append(text_block(f"Reference: {reference}", subtle=True))
    return adaptive_card(body, [execute(Verb.HELP, "Help")])


def not_recognised_card() -> Card:
    """The polite refusal for someone Kestrel does not know (no help button: nothing to offer)."""
    return adaptive_card([heading("Kestrel"), text_block(NOT_RECOGNISED)])
