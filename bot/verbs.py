"""Card buttons and text commands, routed by verb through one table (never by substring)."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.handlers import (
    alerts,
    attachments,
    casework,
    dashboard,
    elevation,
    exclusions,
    incidents,
    oversight,
    pupils,
    viewing,
    welcome,
)
from bot.turns import Done, Turn
from cards.elements import Card

Handler = Callable[[Turn, Mapping[str, Any]], Awaitable[Card | Done]]


@dataclass(frozen=True)
class Verb:
    handler: Handler
    # Whether the answer may be posted as a chat message (Teams keeps those). Verbs whose cards
    # carry details or secrets answer only in invoke responses.
    postable: bool = False
    # Forms: the card that gives back what was typed when the server fails (data, reference).
    keeps_input: Callable[[Mapping[str, Any], str], Card] | None = None


VERBS: Mapping[str, Verb] = {
    "help": Verb(welcome.show_help, postable=True),
    # The `add incident` command posts a stub; the form itself only in invoke responses.
    "incident.open": Verb(incidents.open_form, postable=True),
    "incident.add": Verb(incidents.add),
    # Action.Submit fallbacks (and dialogs) post these; the answer replaces the form's message.
    "incident.form": Verb(incidents.change, postable=True, keeps_input=incidents.not_saved),
    "incident.record": Verb(incidents.record, postable=True, keeps_input=incidents.not_saved),
    "incident.attach": Verb(attachments.open_window),
    # Details only ever in the invoke response, after the server has authorised this user.
    "incident.show": Verb(viewing.show),
    "incident.audit": Verb(oversight.incident_history),
    "alert.read": Verb(alerts.mark_read),
    "student.audit": Verb(oversight.pupil_report),
    "case.assign": Verb(casework.assign),
    "case.assign_form": Verb(casework.assign_form),
    "case.status_form": Verb(casework.status_form),
    "case.status": Verb(casework.change_status, keeps_input=casework.status_not_saved),
    "case.history": Verb(casework.history),
    "incident.edit_form": Verb(casework.edit_form),
    "incident.edit": Verb(casework.edit, keeps_input=casework.edit_not_saved),
    "incident.move_form": Verb(casework.move_form),
    "incident.move": Verb(casework.move),
    "incident.link_form": Verb(casework.link_form),
    "incident.link": Verb(casework.link),
    "action.form": Verb(casework.open_action_form),
    "action.list": Verb(casework.list_actions),
    "action.add": Verb(casework.add_action, keeps_input=casework.action_not_saved),
    # `student <name>` posts a button; matches and the record only in invoke responses.
    "student.open": Verb(pupils.open_search, postable=True),
    "student.find": Verb(pupils.find),
    "student.show": Verb(pupils.show),
    "student.export": Verb(pupils.export),
    "grant.withdraw": Verb(oversight.withdraw),
    "dashboard.open": Verb(dashboard.open_dashboard, postable=True),
    "dashboard.show": Verb(dashboard.show),
    "settings.show": Verb(elevation.show_settings, postable=True),
    "settings.save": Verb(elevation.save),
    "elevation.enrol": Verb(elevation.enrol),
    "elevation.verify": Verb(elevation.verify),
    "elevation.reset": Verb(elevation.reset),
    "exclusions.open": Verb(exclusions.open_exclusions, postable=True),
    "exclusions.show": Verb(exclusions.show),
    "exclusions.find": Verb(exclusions.find),
    "exclusion.set": Verb(exclusions.exclude),
    "exclusion.lift": Verb(exclusions.lift),
}

# Text commands (bot/commands.py names) map onto the same verbs as the buttons.
COMMAND_VERBS: Mapping[str, str] = {
    "help": "help",
    "add_incident": "incident.open",
    "dashboard": "dashboard.open",
    "settings": "settings.show",
    "exclusions": "exclusions.open",
    "student": "student.open",
    "unknown": "command.unknown",
}

# What a dialog's Action.Submit (task/submit, composeExtension/submitAction) may ask for.
DIALOG_VERBS = frozenset({"incident.form", "incident.record"})
