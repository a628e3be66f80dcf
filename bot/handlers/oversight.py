"""The DSL team's audit reports and grant withdrawal (checked again by the use cases)."""

from collections.abc import Mapping
from typing import Any

from bot.handlers import viewing
from bot.turns import Turn, record_id
from cards.audit_report import audit_card
from cards.elements import Card
from cards.notice import notice_card
from cards.pupils import pupil_name


async def incident_history(turn: Turn, data: Mapping[str, Any]) -> Card:
    """Who looked at or changed this incident, newest first."""
    incident = data.get("incident")
    if record_id(incident) is None:
        return _unreadable()
    lines = await turn.services.oversight.incident_history(
        turn.who.staff, incident, turn.conversation_type
    )
    return audit_card(f"Audit: K-{incident}", lines, time_zone=turn.who.school.time_zone)


async def pupil_report(turn: Turn, data: Mapping[str, Any]) -> Card:
    """Who looked at this pupil's record and incidents, newest first."""
    student_id = data.get("student")
    if type(student_id) is not int:
        return _unreadable()
    staff = turn.who.staff
    student, lines = await turn.services.oversight.pupil_report(
        staff, student_id, turn.conversation_type
    )
    name = pupil_name(student, hide=staff.hides_names_in(turn.conversation_type))
    return audit_card(f"Audit: {name}", lines, time_zone=turn.who.school.time_zone)


async def withdraw(turn: Turn, data: Mapping[str, Any]) -> Card:
    """End the access an alert gave; the incident is shown again."""
    incident, staff_id = data.get("incident"), data.get("staff")
    if record_id(incident) is None or record_id(staff_id) is None:
        return _unreadable()
    await turn.services.oversight.withdraw_grant(
        turn.who.staff, incident, staff_id, turn.conversation_type
    )
    return await viewing.show(turn, {"incident": incident})


def _unreadable() -> Card:
    return notice_card("Not available", "That record is not available.")
