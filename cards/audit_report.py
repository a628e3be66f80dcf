"""Audit reports for the DSL team: who did what to a pupil's record or an incident, and when."""

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from cards.elements import Card, adaptive_card, execute, heading, text_block, text_run
from cards.pupils import pupil_name
from cards.verbs import Verb
from safeguarding.oversight import REPORT_LINES, AuditLine, AuditReport

# Every event in plain words (a test keeps this complete: no raw code ever reaches the card).
ACTION_WORDS = {
    "identity.refused": "was not recognised",
    "access.refused": "was refused",
    "school.seeded": "set up the school",
    "elevation.prompted": "was asked for the authenticator code",
    "elevation.enrolment_started": "started setting up an authenticator",
    "elevation.granted": "entered the authenticator code",
    "elevation.failed": "entered a wrong authenticator code",
    "elevation.locked_out": "was paused after wrong codes",
    "elevation.reset": "reset an authenticator",
    "exclusion.set": "set an exclusion",
    "exclusion.lifted": "lifted an exclusion",
    "exclusions.viewed": "looked at the exclusions",
    "settings.changed": "changed their settings",
    "incident.recorded": "recorded it",
    "access.granted": "gave access by alerting",
    "student.provisional": "added the pupil as a new student",
    "attachment.added": "attached a file",
    "attachment.opened": "opened a file",
    "body_map.viewed": "opened the body map",
    "incident.viewed": "opened it",
    "incident.status_viewed": "looked at its status",
    "access.withdrawn": "withdrew an alert's access",
    "audit.viewed": "looked at this audit report",
    "alert.read": "marked the alert as read",
    "dashboard.viewed": "saw it on their dashboard",
    "incident.escalated": "escalated it (nobody had read it)",
    "case.assigned": "assigned the case",
    "case.status_changed": "changed the status",
    "case.history_viewed": "looked at the history",
    "action.added": "added an action",
    "student.viewed": "opened the pupil's record",
    "incident.edited": "edited it",
    "incident.moved": "moved it to another pupil",
    "incident.linked": "linked a pupil",
    "chronology.exported": "exported the chronology",
    "triage.chosen": "chose the triage channel",
    "triage.stopped": "stopped the triage channel",
    "triage.viewed": "opened it in the triage channel",
    "roster.imported": "imported the roster",
    "roster.import_failed": "tried to import the roster (nothing changed)",
    "staff.synced": "synced staff from Microsoft Entra",
    "staff.added": "added a colleague from Microsoft Entra",
    "staff.sync_failed": "tried to sync staff from Microsoft Entra (nothing changed)",
    "students.provisional_viewed": "looked at the pupils added by hand",
    "student.merge_viewed": "looked at merging the pupil added by hand",
    "student.merged": "merged the pupil added by hand into the roster's",
    "audit.rekeyed": "keyed the audit log's older links (kestrel audit rekey)",
    "category.added": "added a category",
    "category.changed": "changed a category",
    "category.retired": "retired a category",
    "category.restored": "brought a category back",
    "rights.changed": "changed a category's rights",
    "rights.proposed": "proposed wider rights in a category",
    "rights.declined": "declined a proposal for wider rights",
    "staff.changed": "changed a colleague's role",
    "scope.changed": "changed a colleague's scope",
    "alert_group.added": "added an alert group",
    "alert_group.changed": "changed an alert group",
    "alert_group.retired": "retired an alert group",
    "alert_group.restored": "brought an alert group back",
    "list.changed": "changed a list",
    "school.changed": "changed the school's settings",
    "school.switched": "changed the school they work in",
    "term.added": "added a term",
    "term.removed": "removed a term",
}


def audit_report_card(
    report: AuditReport, *, hide_names: bool, time_zone: str, incident_id: int | None = None
) -> Card:
    """The report titled by its incident's reference or its pupil's name, with Back to it."""
    subject = report.reference
    back = execute(Verb.INCIDENT_SHOW, "Back to the incident", incident=incident_id)
    if report.student is not None:
        subject = pupil_name(report.student, hide=hide_names)
        back = execute(Verb.STUDENT_SHOW, "Back to the record", student=report.student.id)
    card = audit_card(f"Audit: {subject}", report.lines, time_zone=time_zone)
    card["actions"] = _pages(report, incident_id)
    if report.student is not None or incident_id is not None:
        card["actions"].append(back)
    return card


def _pages(report: AuditReport, incident_id: int | None) -> list[Card]:
    """Older events / Newer events, a page (REPORT_LINES) at a time."""
    if report.student is not None:
        verb, ids = Verb.STUDENT_AUDIT, {"student": report.student.id}
    elif incident_id is not None:
        verb, ids = Verb.INCIDENT_AUDIT, {"incident": incident_id}
    else:
        return []
    pages = []
    if report.more:
        pages.append(execute(verb, "Older events", **ids, offset=report.offset + REPORT_LINES))
    if report.offset:
        newer = max(0, report.offset - REPORT_LINES)
        pages.append(execute(verb, "Newer events", **ids, offset=newer))
    return pages


def audit_card(title: str, lines: Sequence[AuditLine], *, time_zone: str) -> Card:
    """The newest events first, one row each: who did what, to which record, when, and from
    where ("Tom Okafor looked at the history (K-12, 1:1 chat)")."""
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
    return adaptive_card(body)
