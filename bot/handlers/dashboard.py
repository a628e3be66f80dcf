"""My dashboard: a chat-safe stub for the command, the sections in invoke responses."""

from bot.turns import Turn
from cards.dashboard import dashboard_card, dashboard_stub_card
from cards.elements import Card
from cards.payloads import NoIds, Pages
from safeguarding.services.dashboard import offer_dashboard, show_dashboard


async def open_dashboard(turn: Turn, _: NoIds) -> Card:
    """What `dashboard` posts (Teams keeps it): an empty dashboard as it is, else a button."""
    pressed = await turn.run(offer_dashboard)
    board = pressed.outcome.view
    if board is None:
        return dashboard_stub_card()
    who = pressed.who
    named = who.school.name if who.in_several_schools else ""
    return dashboard_card(board, hide_names=False, time_zone=who.school.time_zone, school=named)


async def show(turn: Turn, ref: Pages) -> Card:
    """The three sections, at the pages asked for (More)."""
    pressed = await turn.run(show_dashboard, ref.pages)
    who = pressed.who
    return dashboard_card(
        pressed.outcome.view,
        hide_names=who.staff.hides_names_in(turn.conversation_type),
        time_zone=who.school.time_zone,
        school=who.school.name if who.in_several_schools else "",
    )
