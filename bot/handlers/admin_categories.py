"""The Categories section: list, open one, add or change one, retire or bring it back."""

from typing import Any

from bot.handlers.admin import said_of
from bot.turns import Turn
from cards.admin_categories import categories_card
from cards.elements import Card
from cards.payloads import CategoryChange, CategoryRef, CategoryRetire, NoIds
from safeguarding.services import categories
from safeguarding.services.press import Pressed


async def show(turn: Turn, _: NoIds) -> Card:
    """Every category and the form to add one."""
    return _card(await turn.run(categories.show_categories))


async def open_one(turn: Turn, ref: CategoryRef) -> Card:
    """One category's form (the list's form to add one when none was named)."""
    if ref.record is None:
        return _card(await turn.run(categories.show_categories))
    return _card(await turn.run(categories.open_category, ref.record))


async def save(turn: Turn, change: CategoryChange) -> Card:
    """Add a category, or change one on the version its card showed."""
    args = (change.record, change.version, change.values)
    return _card(await turn.run(categories.save_category, *args))


async def retire(turn: Turn, change: CategoryRetire) -> Card:
    """Retire a category, or bring it back."""
    args = (change.record, change.version, change.retire)
    return _card(await turn.run(categories.retire_category, *args))


def _card(pressed: Pressed[Any]) -> Card:
    return categories_card(pressed.outcome.view, said_of(pressed.outcome))
