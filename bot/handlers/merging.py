"""Pupils added by hand, merged into the roster's: the list, the merge card, the merge."""

from typing import Any

from bot.turns import Turn
from cards.elements import Card
from cards.merging import merge_card, merged_card, provisional_card
from cards.payloads import MergeChoice, NoIds
from safeguarding.outcomes import Invalid
from safeguarding.services.merging import merge_pupil, show_merge, show_provisional
from safeguarding.services.press import Pressed


async def provisional(turn: Turn, _: NoIds) -> Card:
    """The pupils added by hand that wait (the DSL team and administrators)."""
    pressed = await turn.run(show_provisional)
    return provisional_card(pressed.outcome.view, hide=_hide(turn, pressed))


async def merge_form(turn: Turn, choice: MergeChoice) -> Card:
    """Suggested pupils and a search; with `into`, the one chosen to confirm."""
    pressed = await turn.run(show_merge, choice.student, choice.query, choice.into)
    return merge_card(pressed.outcome.view, hide=_hide(turn, pressed))


async def merge(turn: Turn, choice: MergeChoice) -> Card:
    """Merge: what moved; the merge card again when no roster pupil was chosen."""
    pressed = await turn.run(merge_pupil, choice.student, choice.into)
    outcome, hide = pressed.outcome, _hide(turn, pressed)
    if isinstance(outcome, Invalid):
        return merge_card(outcome.view.view, hide=hide)
    return merged_card(outcome.view, hide=hide)


def _hide(turn: Turn, pressed: Pressed[Any]) -> bool:
    return pressed.who.staff.hides_names_in(turn.conversation_type)
