"""Card buttons and text commands, routed by verb through one table (never by substring)."""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.handlers import (
    actions,
    admin,
    admin_categories,
    admin_groups,
    admin_lists,
    admin_rights,
    admin_school,
    admin_staff,
    alerts,
    assignment,
    attachments,
    corrections,
    dashboard,
    elevation,
    exclusions,
    incidents,
    merging,
    oversight,
    pupils,
    schools,
    triage,
    viewing,
    welcome,
)
from bot.turns import Done, Turn
from cards.elements import Card
from cards.payloads import (
    ActionsPage,
    AlertId,
    AlertRef,
    Assignee,
    CaseRef,
    CategoryChange,
    CategoryRef,
    CategoryRetire,
    CodeEntry,
    ColleagueRef,
    ExclusionForm,
    ExclusionRef,
    FormData,
    GrantRef,
    GroupChange,
    GroupRef,
    GroupRetire,
    IncidentRef,
    ListEntry,
    MergeChoice,
    NewForm,
    NoIds,
    OriginalPart,
    Pages,
    Payload,
    ProposalRef,
    PupilChoice,
    RecordPage,
    RightsChange,
    RightsPick,
    SchoolChange,
    SchoolChoice,
    SettingsForm,
    StaffChange,
    StaffRef,
    StudentRef,
    TermRef,
    TextPage,
    Words,
)
from cards.verbs import Verb as V

Handler = Callable[[Turn, Any], Awaitable[Card | Done]]


@dataclass(frozen=True)
class Verb:
    handler: Handler
    # The payload the verb accepts, parsed strictly (once, here) before the handler runs.
    payload: type[Payload]
    # Whether the answer may be posted as a chat message (Teams keeps those). Verbs whose cards
    # carry details or secrets answer only in invoke responses.
    postable: bool = False
    # Forms: the card that gives back what was typed when the server fails (data, reference).
    keeps_input: Callable[[Mapping[str, Any], str], Card] | None = None


VERBS: Mapping[str, Verb] = {
    V.HELP: Verb(welcome.show_help, NoIds, postable=True),
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
    V.INCIDENT_TEXT: Verb(viewing.full_text, TextPage),
    V.INCIDENT_AUDIT: Verb(oversight.incident_history, IncidentRef),
    V.INCIDENT_ORIGINAL: Verb(viewing.original, OriginalPart),
    V.ALERT_READ: Verb(alerts.mark_read, AlertId),
    V.STUDENT_AUDIT: Verb(oversight.pupil_report, StudentRef),
    V.CASE_ASSIGN: Verb(assignment.assign, Assignee),
    V.CASE_ASSIGN_FORM: Verb(assignment.assign_form, CaseRef),
    V.CASE_STATUS_FORM: Verb(assignment.status_form, CaseRef),
    V.CASE_STATUS: Verb(assignment.status, CaseRef, keeps_input=assignment.status_not_saved),
    V.CASE_HISTORY: Verb(assignment.history, IncidentRef),
    V.INCIDENT_EDIT_FORM: Verb(corrections.edit_form, CaseRef),
    V.INCIDENT_EDIT: Verb(corrections.edit, CaseRef, keeps_input=corrections.edit_not_saved),
    V.INCIDENT_MOVE_FORM: Verb(corrections.move_form, PupilChoice),
    V.INCIDENT_MOVE: Verb(corrections.move, PupilChoice),
    V.INCIDENT_LINK_FORM: Verb(corrections.link_form, PupilChoice),
    V.INCIDENT_LINK: Verb(corrections.link, PupilChoice),
    V.ACTION_FORM: Verb(actions.open_action_form, IncidentRef),
    V.ACTION_LIST: Verb(actions.list_all, ActionsPage),
    V.ACTION_ADD: Verb(actions.add, IncidentRef, keeps_input=actions.not_saved),
    # `student <name>` posts a button; matches and the record only in invoke responses.
    V.STUDENT_OPEN: Verb(pupils.open_search, Words, postable=True),
    V.STUDENT_FIND: Verb(pupils.find, Words),
    V.STUDENT_SHOW: Verb(pupils.show, RecordPage),
    V.STUDENT_EXPORT: Verb(pupils.export, RecordPage),
    # Pupils added by hand, merged into the roster's (the DSL team and administrators).
    V.STUDENT_PROVISIONAL: Verb(merging.provisional, NoIds),
    V.STUDENT_MERGE_FORM: Verb(merging.merge_form, MergeChoice),
    V.STUDENT_MERGE: Verb(merging.merge, MergeChoice),
    V.GRANT_WITHDRAW: Verb(oversight.withdraw, GrantRef),
    V.DASHBOARD_OPEN: Verb(dashboard.open_dashboard, NoIds, postable=True),
    V.DASHBOARD_SHOW: Verb(dashboard.show, Pages),
    V.SETTINGS_SHOW: Verb(elevation.show_settings, NoIds, postable=True),
    V.SETTINGS_SAVE: Verb(elevation.save, SettingsForm),
    V.ELEVATION_ENROL: Verb(elevation.enrol, NoIds),
    V.ELEVATION_VERIFY: Verb(elevation.verify, CodeEntry),
    V.ELEVATION_RESET: Verb(elevation.reset, ColleagueRef),
    V.EXCLUSIONS_OPEN: Verb(exclusions.open_exclusions, NoIds, postable=True),
    V.EXCLUSIONS_SHOW: Verb(exclusions.show, NoIds),
    V.EXCLUSIONS_FIND: Verb(exclusions.find, ExclusionForm),
    V.EXCLUSION_SET: Verb(exclusions.exclude, ExclusionForm),
    V.EXCLUSION_LIFT: Verb(exclusions.lift, ExclusionRef),
    # `triage here` / `triage off` (typed in a channel); the post's view only in invoke responses.
    V.TRIAGE_SET: Verb(triage.choose, Words, postable=True),
    V.TRIAGE_SHOW: Verb(triage.show, IncidentRef),
    # `admin` posts a stub; the sections answer only in invoke responses.
    V.ADMIN_OPEN: Verb(admin.open_card, NoIds, postable=True),
    V.ADMIN_SHOW: Verb(admin.show, NoIds),
    V.ADMIN_CATEGORIES: Verb(admin_categories.show, NoIds),
    V.ADMIN_CATEGORY: Verb(admin_categories.open_one, CategoryRef),
    V.ADMIN_CATEGORY_SAVE: Verb(
        admin_categories.save,
        CategoryChange,
        keeps_input=admin.not_saved(V.ADMIN_CATEGORY_SAVE, "name", "Name"),
    ),
    V.ADMIN_CATEGORY_RETIRE: Verb(admin_categories.retire, CategoryRetire),
    V.ADMIN_RIGHTS: Verb(admin_rights.show, RightsPick),
    V.ADMIN_RIGHTS_SAVE: Verb(admin_rights.save, RightsChange),
    V.ADMIN_PROPOSAL_CONFIRM: Verb(admin_rights.confirm, ProposalRef),
    V.ADMIN_PROPOSAL_DECLINE: Verb(admin_rights.decline, ProposalRef),
    V.ADMIN_STAFF: Verb(admin_staff.show, NoIds),
    V.ADMIN_STAFF_MEMBER: Verb(admin_staff.open_one, StaffRef),
    V.ADMIN_STAFF_SAVE: Verb(admin_staff.save, StaffChange),
    V.ADMIN_SCOPE_SAVE: Verb(admin_staff.save_scope, StaffChange),
    V.ADMIN_GROUPS: Verb(admin_groups.show, NoIds),
    V.ADMIN_GROUP: Verb(admin_groups.open_one, GroupRef),
    V.ADMIN_GROUP_SAVE: Verb(
        admin_groups.save,
        GroupChange,
        keeps_input=admin.not_saved(V.ADMIN_GROUP_SAVE, "name", "Name"),
    ),
    V.ADMIN_GROUP_RETIRE: Verb(admin_groups.retire, GroupRetire),
    V.ADMIN_LISTS: Verb(admin_lists.show, NoIds),
    V.ADMIN_LIST_ADD: Verb(admin_lists.add, ListEntry),
    V.ADMIN_LIST_REMOVE: Verb(admin_lists.remove, ListEntry),
    V.ADMIN_SCHOOL: Verb(admin_school.show, NoIds),
    V.ADMIN_SCHOOL_SAVE: Verb(
        admin_school.save,
        SchoolChange,
        keeps_input=admin.not_saved(V.ADMIN_SCHOOL_SAVE, "name", "School name"),
    ),
    V.ADMIN_TERM_ADD: Verb(
        admin_school.add_term,
        NoIds,
        keeps_input=admin.not_saved(V.ADMIN_TERM_ADD, "term_name", "New term"),
    ),
    V.ADMIN_TERM_REMOVE: Verb(admin_school.remove_term, TermRef),
    V.ADMIN_TRIAGE_STOP: Verb(admin_school.stop_triage, NoIds),
    # `school`: a trust's colleague's schools (names only: Teams may keep it); Work in <name>.
    V.SCHOOL_SHOW: Verb(schools.show, NoIds, postable=True),
    V.SCHOOL_SWITCH: Verb(schools.switch, SchoolChoice),
}

# Text commands (bot/commands.py names) map onto the same verbs as the buttons.
COMMAND_VERBS: Mapping[str, str] = {
    "help": V.HELP,
    "add_incident": V.INCIDENT_OPEN,
    "dashboard": V.DASHBOARD_OPEN,
    "settings": V.SETTINGS_SHOW,
    "exclusions": V.EXCLUSIONS_OPEN,
    "student": V.STUDENT_OPEN,
    "triage": V.TRIAGE_SET,
    "school": V.SCHOOL_SHOW,
    "admin": V.ADMIN_OPEN,
    "unknown": V.COMMAND_UNKNOWN,
}

# What a dialog's Action.Submit (task/submit, composeExtension/submitAction) may ask for.
DIALOG_VERBS = frozenset({V.INCIDENT_FORM, V.INCIDENT_RECORD})
