"""The Staff section: choose a colleague; their role and active switch; their scope."""

from typing import Any

from bot.handlers.admin import said_of
from bot.turns import Turn
from cards.admin_staff import staff_card
from cards.elements import Card
from cards.payloads import NoIds, StaffChange, StaffRef
from safeguarding.services import staffing
from safeguarding.services.press import Pressed


async def show(turn: Turn, _: NoIds) -> Card:
    """The colleague chooser."""
    return _card(await turn.run(staffing.show_staff))


async def open_one(turn: Turn, ref: StaffRef) -> Card:
    """The chosen colleague's form (the chooser again when nobody was chosen)."""
    if ref.record is None:
        return _card(await turn.run(staffing.show_staff, "Choose a colleague first."))
    return _card(await turn.run(staffing.open_staff_member, ref.record))


async def save(turn: Turn, change: StaffChange) -> Card:
    """Save a colleague's role and active switch on the version their card showed."""
    args = (change.record, change.version, change.values)
    return _card(await turn.run(staffing.save_staff_member, *args))


async def save_scope(turn: Turn, change: StaffChange) -> Card:
    """Save a colleague's year and tutor groups on the version their card showed."""
    args = (change.record, change.version, change.values)
    return _card(await turn.run(staffing.save_scope, *args))


def _card(pressed: Pressed[Any]) -> Card:
    return staff_card(pressed.outcome.view, said_of(pressed.outcome))
