"""The administration card: `admin` posts a chat-safe stub; its sections open in place. Shared by
the section handlers: what an outcome says above its card, and a form's "Not saved"."""

from collections.abc import Callable, Mapping
from typing import Any

from bot.turns import Turn
from cards.admin import Said, admin_home_card, admin_stub_card
from cards.elements import Card
from cards.not_saved import not_saved_card
from cards.notice import notice_card
from cards.payloads import NoIds
from safeguarding.outcomes import Done, Stale
from safeguarding.services.administration import open_admin, show_admin

PERSONAL_ONLY = ("Administration", "Type admin in your 1:1 chat with Kestrel.")
NOT_YOURS = (
    "Administration",
    "Administration is for administrators, and for the DSL team where it touches access.",
)


async def open_card(turn: Turn, _: NoIds) -> Card:
    """The stub the `admin` command posts (the card itself opens in place)."""
    answer = (await turn.run(open_admin)).outcome.view
    if answer == "open":
        return admin_stub_card()
    return notice_card(*(NOT_YOURS if answer == "not_yours" else PERSONAL_ONLY))


async def show(turn: Turn, _: NoIds) -> Card:
    """The sections this member of staff may use."""
    return admin_home_card((await turn.run(show_admin)).outcome.view)


def said_of(outcome: Any) -> Said:
    """What an answer says above its card: what was done, or what changed first."""
    if isinstance(outcome, Stale):
        return Said(changed=outcome.what_changed)
    if isinstance(outcome, Done):
        return Said(notice=outcome.notice)
    return Said()


def not_saved(verb: str, field: str, label: str) -> Callable[[Mapping[str, Any], str], Card]:
    """A section form's answer to a server failure: what was typed, with Try again."""

    def card(data: Mapping[str, Any], reference: str) -> Card:
        values = data if isinstance(data, Mapping) else {}
        return not_saved_card(verb, values, reference, field, label)

    return card
