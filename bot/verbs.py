"""Card buttons and text commands, routed by verb through one table (never by substring)."""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.turns import Turn
from cards.elements import Card
from cards.notice import notice_card
from cards.welcome import welcome_card

Handler = Callable[[Turn, Mapping[str, Any]], Awaitable[Card]]


async def show_help(turn: Turn, data: Mapping[str, Any]) -> Card:
    """The welcome card, addressed to this member of staff."""
    return welcome_card(turn.who.staff, turn.who.school)


async def add_incident(turn: Turn, data: Mapping[str, Any]) -> Card:
    """Recording a concern (the form arrives with the Add Incident issue)."""
    return notice_card(
        "Add incident",
        "Recording incidents is not available in this version of Kestrel yet. Until it is, "
        "please record concerns the way your school does today and tell the DSL.",
    )


async def show_dashboard(turn: Turn, data: Mapping[str, Any]) -> Card:
    """The dashboard (alerts, assigned cases, history arrive with the alerts issue)."""
    return notice_card(
        "My dashboard",
        "Your dashboard is not available in this version of Kestrel yet.",
    )


VERBS: Mapping[str, Handler] = {
    "help": show_help,
    "incident.add": add_incident,
    "dashboard.show": show_dashboard,
}

# Text commands (bot/commands.py names) map onto the same verbs as the buttons.
COMMAND_VERBS: Mapping[str, str] = {
    "help": "help",
    "add_incident": "incident.add",
    "dashboard": "dashboard.show",
}
