"""Card buttons and text commands, routed by verb through one table (never by substring)."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.handlers import (
    actions,
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
from cards.payloads import (  # noqa: F401 - the payload of every verb, as they are typed
    ActionsPage,
    AlertRef,
    CaseRef,
    FormData,
    IncidentRef,
    NewForm,
    NoIds,
    Page,
    Payload,
    StudentRef,
)
from cards.verbs import Verb as V

Handler = Callable[[Turn, Any], Awaitable[Card | Done]]


@dataclass(frozen=True)
class Verb:
    handler: Handler
    # The payload the verb accepts, parsed strictly before the handler runs (None: a handler
    # not yet served by one press reads the raw data itself).
    payload: type[Payload] | None = None
    # Whether the answer may be posted as a chat message (Teams keeps those). Verbs whose cards
    # carry details or secrets answer only in invoke responses.
    postable: bool = False
    # Forms: the card that gives back what was typed when the server fails (data, reference).
    keeps_input: Callable[[Mapping[str, Any], str], Card] | None = None


VERBS: Mapping[str, Verb] = {
    V.HELP: Verb(welcome.show_help, postable=True),
    # The `add incident` command posts a stub; the form itself only in invoke responses.
    V.INCIDENT_OPEN: Verb(incidents.open_form, NewForm, postable=True),
    V.INCIDENT_ADD: Verb(incidents.add, NewForm),
    # Action.Submit fallbacks (and dialogs) post these; the answer replaces the form's message.
    V.INCIDENT_FORM: Verb(
        incidents.change, FormData, postable=True, keeps_input=incidents.not_saved
    ),
    V.INCIDENT_RECORD: Verb(
        incidents.record, FormData, postable=True, keeps_input=incidents.not_saved
    ),
    V.INCIDENT_ATTACH: Verb(attachments.open_window, IncidentRef),
    # Details only ever in the invoke response, after the server has authorised this user.
    V.INCIDENT_SHOW: Verb(viewing.show, AlertRef),
    V.INCIDENT_AUDIT: Verb(oversight.incident_history),
    V.ALERT_READ: Verb(alerts.mark_read),
    V.STUDENT_AUDIT: Verb(oversight.pupil_report),
    V.CASE_ASSIGN: Verb(casework.assign),
    V.CASE_ASSIGN_FORM: Verb(casework.assign_form),
    V.CASE_STATUS_FORM: Verb(casework.status_form),
    V.CASE_STATUS: Verb(casework.change_status, keeps_input=casework.status_not_saved),
    V.CASE_HISTORY: Verb(casework.history),
    V.INCIDENT_EDIT_FORM: Verb(casework.edit_form),
    V.INCIDENT_EDIT: Verb(casework.edit, keeps_input=casework.edit_not_saved),
    V.INCIDENT_MOVE_FORM: Verb(casework.move_form),
    V.INCIDENT_MOVE: Verb(casework.move),
    V.INCIDENT_LINK_FORM: Verb(casework.link_form),
    V.INCIDENT_LINK: Verb(casework.link),
    V.ACTION_FORM: Verb(actions.open_action_form, IncidentRef),
    V.ACTION_LIST: Verb(actions.list_all, ActionsPage),
    V.ACTION_ADD: Verb(actions.add, IncidentRef, keeps_input=actions.not_saved),
    # `student <name>` posts a button; matches and the record only in invoke responses.
    V.STUDENT_OPEN: Verb(pupils.open_search, postable=True),
    V.STUDENT_FIND: Verb(pupils.find),
    V.STUDENT_SHOW: Verb(pupils.show),
    V.STUDENT_EXPORT: Verb(pupils.export),
    V.GRANT_WITHDRAW: Verb(oversight.withdraw),
    V.DASHBOARD_OPEN: Verb(dashboard.open_dashboard, postable=True),
    V.DASHBOARD_SHOW: Verb(dashboard.show),
    V.SETTINGS_SHOW: Verb(elevation.show_settings, postable=True),
    V.SETTINGS_SAVE: Verb(elevation.save),
    V.ELEVATION_ENROL: Verb(elevation.enrol),
    V.ELEVATION_VERIFY: Verb(elevation.verify),
    V.ELEVATION_RESET: Verb(elevation.reset),
    V.EXCLUSIONS_OPEN: Verb(exclusions.open_exclusions, postable=True),
    V.EXCLUSIONS_SHOW: Verb(exclusions.show),
    V.EXCLUSIONS_FIND: Verb(exclusions.find),
    V.EXCLUSION_SET: Verb(exclusions.exclude),
    V.EXCLUSION_LIFT: Verb(exclusions.lift),
}

# Text commands (bot/commands.py names) map onto the same verbs as the buttons.
COMMAND_VERBS: Mapping[str, str] = {
    "help": V.HELP,
    "add_incident": V.INCIDENT_OPEN,
    "dashboard": V.DASHBOARD_OPEN,
    "settings": V.SETTINGS_SHOW,
    "exclusions": V.EXCLUSIONS_OPEN,
    "student": V.STUDENT_OPEN,
    "unknown": V.COMMAND_UNKNOWN,
}

# What a dialog's Action.Submit (task/submit, composeExtension/submitAction) may ask for.
DIALOG_VERBS = frozenset({V.INCIDENT_FORM, V.INCIDENT_RECORD})
