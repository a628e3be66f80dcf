"""My dashboard: a chat-safe stub for the command, the sections in invoke responses."""

from collections.abc import Mapping
from typing import Any

from bot.turns import Turn
from cards.dashboard import dashboard_card, dashboard_stub_card
from cards.elements import Card
from safeguarding.dashboard import my_dashboard


async def open_dashboard(turn: Turn, data: Mapping[str, Any]) -> Card:
    """What `dashboard` posts (Teams keeps it): a button only."""
    return dashboard_stub_card()


async def show(turn: Turn, data: Mapping[str, Any]) -> Card:
    """The three sections, at the pages asked for (More)."""
    pages = data.get("pages")
    valid = isinstance(pages, list) and len(pages) == 3 and all(type(p) is int for p in pages)
    offsets = (pages[0], pages[1], pages[2]) if valid else (0, 0, 0)
    services, staff = turn.services, turn.who.staff
    board = await my_dashboard(
        staff,
        offsets,
        turn.conversation_type,
        uow_factory=services.uow_factory,
        clock=services.clock,
    )
    return dashboard_card(
        board,
        hide_names=staff.hides_names_in(turn.conversation_type),
        time_zone=turn.who.school.time_zone,
    )
