"""The welcome and help card: what Kestrel does, and its main actions as buttons."""

from cards.elements import Card, adaptive_card, execute, facts, heading, text_block, text_run
from cards.verbs import Verb
from safeguarding.school import School
from safeguarding.staff import Role, StaffMember

COMMANDS = [
    ("help", "This card"),
    ("add incident", "Record a concern (optionally followed by a pupil's name)"),
    ("dashboard", "Your alerts, assigned cases and history"),
    ("settings", "Elevated access (authenticator app)"),
]
RECORD_COMMANDS = [("student <name>", "A pupil's record: overview, chronology, documents")]
DSL_COMMANDS = [("exclusions", "Bar a colleague from a pupil's record")]
ADMIN_COMMANDS = [
    ("admin", "Categories, rights, staff, alert groups, lists and the school's settings"),
]
ACCESS_COMMANDS = [("admin", "Rights, scopes, alert groups, roles and the triage channel")]
SCHOOL_COMMANDS = [("school", "The schools you work in: choose the one Kestrel works in")]
TRIAGE_COMMANDS = [
    ("triage here", "In the DSL team's channel: post each new concern there (triage off stops)")
]


def welcome_card(
    staff: StaffMember | None = None, school: School | None = None, *, schools: int = 1
) -> Card:
    """Welcome (on install) and help: addressed to the member of staff when we know who it is
    (`schools`: how many schools of a trust they work in; `school` then names the others)."""
    body = [heading("Kestrel: safeguarding concerns, inside Teams")]
    if staff is not None and school is not None:
        # Names come from the directory, not from us: shown as text, never parsed as markdown.
        role = staff.role.title
        body.append(text_run(f"Hello {staff.display_name}. You are {role} at {school.name}."))
        if schools > 1:
            body.append(text_run(f"You work in {schools} schools: type school to change."))
    body += [
        text_block(
            "Record pastoral, wellbeing and safeguarding concerns about pupils, alert the right "
            "colleagues at once, and let the Designated Safeguarding Lead work each case."
        ),
        text_block(
            "Please do not type concerns into this chat: Teams keeps chat history. "
            "Use **Add incident**; what you write in the form stays in Kestrel.",
            subtle=True,
        ),
        facts(commands_for(staff) + (SCHOOL_COMMANDS if schools > 1 else [])),
    ]
    actions = [
        execute(Verb.INCIDENT_ADD, "Add incident"),
        execute(Verb.DASHBOARD_SHOW, "My dashboard"),
    ]
    if staff is not None and staff.administers:
        actions.append(execute(Verb.ADMIN_SHOW, "Administration"))
    return adaptive_card(body, actions)


def commands_for(staff: StaffMember | None) -> list[tuple[str, str]]:
    """The commands this member of staff can use: pupil records for those who read them
    (viewers and the DSL team), exclusions for the DSL, the triage channel and the access
    parts of administration for the DSL team, administration for administrators."""
    role = staff.role if staff is not None else Role.STAFF
    reads_records = role in (Role.VIEWER, Role.DSL, Role.DEPUTY_DSL)
    leads = role in (Role.DSL, Role.DEPUTY_DSL)
    return (
        COMMANDS
        + (RECORD_COMMANDS if reads_records else [])
        + (DSL_COMMANDS if role == Role.DSL else [])
        + (TRIAGE_COMMANDS + ACCESS_COMMANDS if leads else [])
        + (ADMIN_COMMANDS if role == Role.ADMINISTRATOR else [])
    )
