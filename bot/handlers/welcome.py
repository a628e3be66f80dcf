"""Help, and the main actions offered by the welcome card."""

from collections.abc import Mapping
from typing import Any

from bot.turns import Turn
from cards.elements import Card
from cards.notice import notice_card
from cards.welcome import welcome_card


async def show_help(turn: Turn, data: Mapping[str, Any]) -> Card:
    """The welcome card, addressed to this member of staff."""
    return welcome_card(turn.who.staff, turn.who.school)


async def show_dashboard(turn: Turn, data: Mapping[str, Any]) -> Card:
    """The dashboard (alerts, assigned cases, history arrive with the alerts issue)."""
    return notice_card(
        "My dashboard", "Your dashboard is not available in this version of Kestrel yet."
    )
