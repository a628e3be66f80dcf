"""The Alert groups section: list, open one, add or change one, retire or bring it back."""

from typing import Any

from bot.handlers.admin import said_of
from bot.turns import Turn
from cards.admin_groups import groups_card
from cards.elements import Card
from cards.payloads import GroupChange, GroupRef, GroupRetire, NoIds
from safeguarding.services import alert_groups
from safeguarding.services.press import Pressed


async def show(turn: Turn, _: NoIds) -> Card:
    """Every group and the form to add one."""
    return _card(await turn.run(alert_groups.show_groups))


async def open_one(turn: Turn, ref: GroupRef) -> Card:
    """One group's form (the list's form to add one when none was named)."""
    if ref.record is None:
        return _card(await turn.run(alert_groups.show_groups))
    return _card(await turn.run(alert_groups.open_group, ref.record))


async def save(turn: Turn, change: GroupChange) -> Card:
    """Add a group, or change one on the version its card showed."""
    args = (change.record, change.version, change.values)
    return _card(await turn.run(alert_groups.save_group, *args))


async def retire(turn: Turn, change: GroupRetire) -> Card:
    """Retire a group, or bring it back."""
    args = (change.record, change.version, change.retire)
    return _card(await turn.run(alert_groups.retire_group, *args))


def _card(pressed: Pressed[Any]) -> Card:
    return groups_card(pressed.outcome.view, said_of(pressed.outcome))
