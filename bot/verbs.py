"""Card buttons and text commands, routed by verb through one table (never by substring)."""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from bot.handlers import elevation, welcome
from bot.turns import Turn
from cards.elements import Card

Handler = Callable[[Turn, Mapping[str, Any]], Awaitable[Card]]

VERBS: Mapping[str, Handler] = {
    "help": welcome.show_help,
    "incident.add": welcome.add_incident,
    "dashboard.show": welcome.show_dashboard,
    "settings.show": elevation.show_settings,
    "settings.save": elevation.save,
    "elevation.enrol": elevation.enrol,
    "elevation.verify": elevation.verify,
    "elevation.reset": elevation.reset,
}

# Text commands (bot/commands.py names) map onto the same verbs as the buttons.
COMMAND_VERBS: Mapping[str, str] = {
    "help": "help",
    "add_incident": "incident.add",
    "dashboard": "dashboard.show",
    "settings": "settings.show",
}
