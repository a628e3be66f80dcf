"""Help, and the main actions offered by the welcome card."""

from collections.abc import Mapping
from typing import Any

from bot.turns import Turn
from cards.elements import Card
from cards.welcome import welcome_card


async def show_help(turn: Turn, data: Mapping[str, Any]) -> Card:
    """The welcome card, addressed to this member of staff."""
    return welcome_card(turn.who.staff, turn.who.school)
