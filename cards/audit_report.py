"""Audit reports for the DSL team: who did what to a pupil's record or an incident, and when."""

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from cards.elements import Card, adaptive_card, heading, text_block, text_run
from cards.pupils import pupil_name
from safeguarding.oversight import REPORT_LINES, AuditLine, AuditReport

ACTION_WORDS = {
    "incident.recorded": "recorded it",
    "incident.viewed": "opened it",
    "access.granted": "gave access by alerting",
    "access.withdrawn": "withdrew an alert's access",
    "access.refused": "was refused",
    "elevation.prompted": "was asked for elevated access",
    "attachment.added": "attached a file",
    "body_map.viewed": "opened the body map",
    "audit.viewed": "looked at this audit report",
    "exclusion.set": "set an exclusion",
    "exclusion.lifted": "lifted an exclusion",
    "student.provisional": "added the pupil as a new student",
}


def audit_report_card(report: AuditReport, *, hide_names: bool, time_zone: str) -> Card:
    """The report titled by its incident's reference or its pupil's name."""
    subject = report.reference
    if report.student is not None:
        subject = pupil_name(report.student, hide=hide_names)
    return audit_card(f"Audit: {subject}", report.lines, time_zone=time_zone)


def audit_card(title: str, lines: Sequence[AuditLine], *, time_zone: str) -> Card:
    """The newest events first; each names who, what, which record, when and from where."""
    zone = ZoneInfo(time_zone)
    body = [heading(title)]
    if not lines:
        body.append(text_block("Nothing has been recorded yet."))
    for line in lines:
        when = line.occurred_at.astimezone(zone).strftime("%d/%m/%Y %H:%M")
        what = ACTION_WORDS.get(line.action, line.action)
        record = f"K-{line.record_id}" if line.record_type == "incident" else "the pupil's record"
        where = {"personal": "1:1 chat", "link": "a signed link"}.get(
            line.conversation_type, line.conversation_type or "Kestrel"
        )
        body.append(text_run(f"{when}  {line.actor} {what} ({record}, {where})"))
    if len(lines) >= REPORT_LINES:
        body.append(text_block(f"The newest {REPORT_LINES} events are shown.", subtle=True))
    return adaptive_card(body)
