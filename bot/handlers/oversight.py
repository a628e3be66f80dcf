"""The DSL team's audit reports and grant withdrawal (decided by the use cases)."""

from bot.handlers.viewing import incident_answer_card
from bot.turns import Turn
from cards.audit_report import audit_report_card
from cards.elements import Card
from cards.payloads import GrantRef, IncidentRef, StudentRef, offset_of
from safeguarding.services.oversight import show_incident_audit, show_pupil_audit, withdraw_grant
from safeguarding.services.press import Pressed


async def incident_history(turn: Turn, ref: IncidentRef) -> Card:
    """Who looked at or changed this incident, newest first."""
    pressed = await turn.run(show_incident_audit, ref.incident, offset_of(ref.values))
    return _report_card(turn, pressed, ref.incident)


async def pupil_report(turn: Turn, ref: StudentRef) -> Card:
    """Who looked at this pupil's record and incidents, newest first."""
    return _report_card(turn, await turn.run(show_pupil_audit, ref.student, offset_of(ref.values)))


async def withdraw(turn: Turn, ref: GrantRef) -> Card:
    """End the access an alert gave; the incident is shown again."""
    return incident_answer_card(turn, await turn.run(withdraw_grant, ref.incident, ref.staff))


def _report_card(turn: Turn, pressed: Pressed, incident: int | None = None) -> Card:
    who = pressed.who
    hide = who.staff.hides_names_in(turn.conversation_type)
    zone = who.school.time_zone
    return audit_report_card(
        pressed.outcome.view, hide_names=hide, time_zone=zone, incident_id=incident
    )
