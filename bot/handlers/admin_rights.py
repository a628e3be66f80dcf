"""The Rights section: a category's rules, checked then saved; proposals confirmed or declined."""

from typing import Any

from bot.handlers.admin import said_of
from bot.turns import Turn
from cards.admin_rights import rights_card
from cards.elements import Card
from cards.payloads import ProposalRef, RightsChange, RightsPick
from safeguarding.services import rights
from safeguarding.services.press import Pressed


async def show(turn: Turn, pick: RightsPick) -> Card:
    """The proposals waiting, and the chosen category's rules."""
    return _card(await turn.run(rights.show_rights, pick.category))


async def save(turn: Turn, change: RightsChange) -> Card:
    """Check a change (who gains or loses access), then save it with the card's token."""
    args = (change.record, change.version, change.values, change.code, change.token)
    return _card(await turn.run(rights.save_rights, *args))


async def confirm(turn: Turn, ref: ProposalRef) -> Card:
    """A member of the DSL team confirms a proposal with their code."""
    if ref.record is None:
        return _card(await turn.run(rights.show_rights))
    return _card(await turn.run(rights.confirm_proposal, ref.record, ref.code))


async def decline(turn: Turn, ref: ProposalRef) -> Card:
    """A member of the DSL team declines a proposal."""
    if ref.record is None:
        return _card(await turn.run(rights.show_rights))
    return _card(await turn.run(rights.decline_proposal, ref.record))


def _card(pressed: Pressed[Any]) -> Card:
    zone = pressed.who.school.time_zone
    return rights_card(pressed.outcome.view, said_of(pressed.outcome), time_zone=zone)
