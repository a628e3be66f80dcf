"""The DSL team's oversight without a database: who may, what a pupil's report covers, how an
event reads, and the report's card."""

from datetime import UTC, datetime

from cards.audit_report import audit_report_card
from safeguarding.audit import AuditAction, AuditEvent
from safeguarding.incidents import IncidentFacts, IncidentPupil, Status
from safeguarding.oversight import (
    AuditLine,
    AuditReport,
    audit_lines,
    may_oversee,
    pupils_of,
    reportable,
)
from safeguarding.school import Student
from safeguarding.staff import Role, StaffMember
from tests.support.cards import assert_valid_card, texts

NOW = datetime(2026, 11, 24, 10, 50, tzinfo=UTC)
SAM = Student(1, 1, "U1", "Sam", "Taylor", 7, "7A")
ALEX = Student(2, 1, "U2", "Alex", "Jones", 7, "7B")


def staff(role: Role, *, active: bool = True) -> StaffMember:
    return StaffMember(5, 1, "aad-5", "Tom Okafor", "t@x", role, active=active)


def incident(n: int, *students: Student) -> IncidentFacts:
    pupils = tuple(IncidentPupil(s, frozenset({1})) for s in students)
    return IncidentFacts(n, 1, 9, NOW, NOW, "Europe/London", Status.OPEN, None, (), pupils)


def test_only_the_active_dsl_team_not_excluded_from_the_pupils_may_oversee():
    assert may_oversee(staff(Role.DSL), set(), {1, 2})
    assert may_oversee(staff(Role.DEPUTY_DSL), {3}, {1, 2})
    assert not may_oversee(staff(Role.DEPUTY_DSL), {2}, {1, 2})
    assert not may_oversee(staff(Role.VIEWER), set(), {1})
    assert not may_oversee(staff(Role.DSL, active=False), set(), {1})


def test_a_pupils_report_leaves_out_incidents_about_a_pupil_the_viewer_is_excluded_from():
    facts = {1: incident(1, SAM), 2: incident(2, SAM, ALEX)}
    assert reportable([1, 2, 3], facts, set()) == [1, 2]  # 3: not in this school
    assert reportable([1, 2], facts, {ALEX.id}) == [1]
    assert pupils_of(facts[2]) == {1, 2} and pupils_of(None) == set()


def test_an_event_reads_with_who_by_name_and_kestrel_for_its_own():
    on = {"record_type": "incident", "record_id": 4, "school_id": 1}
    events = [
        AuditEvent(
            AuditAction.INCIDENT_VIEWED, NOW, actor_staff_id=5, conversation_type="personal", **on
        ),
        AuditEvent(AuditAction.INCIDENT_ESCALATED, NOW, **on),
    ]
    lines = audit_lines(events, {5: "Tom Okafor"})
    assert [(line.actor, line.action, line.conversation_type) for line in lines] == [
        ("Tom Okafor", "incident.viewed", "personal"),
        ("Kestrel", "incident.escalated", ""),
    ]
    assert (lines[0].record_type, lines[0].record_id) == ("incident", 4)


def test_the_report_is_titled_by_the_incident_or_the_pupil_as_names_are_shown():
    line = AuditLine(NOW, "Tom Okafor", "incident.viewed", "incident", 4, "link")
    card = audit_report_card(
        AuditReport((line,), reference="K-4"), hide_names=False, time_zone="UTC"
    )
    assert_valid_card(card)
    assert texts(card)[0] == "Audit: K-4"
    assert "24/11/2026 10:50  Tom Okafor opened it (K-4, a signed link)" in texts(card)
    pupil = AuditReport((), student=SAM)
    assert (
        texts(audit_report_card(pupil, hide_names=False, time_zone="UTC"))[0] == "Audit: Sam Taylor"
    )
    assert texts(audit_report_card(pupil, hide_names=True, time_zone="UTC"))[0] == "Audit: S. T."


def test_every_audit_event_reads_in_plain_words_and_the_report_has_back():
    from cards.audit_report import ACTION_WORDS
    from safeguarding.audit import AuditAction

    assert set(ACTION_WORDS) == {a.value for a in AuditAction}
    assert all("." not in words and "_" not in words for words in ACTION_WORDS.values())
    pupil = AuditReport((), student=Student(4, 1, "U4", "Sam", "Taylor", 9, "9R"))
    back = audit_report_card(pupil, hide_names=False, time_zone="UTC")["actions"]
    assert [(a["title"], a["verb"], a["data"]) for a in back] == [
        ("Back to the record", "student.show", {"v": 1, "student": 4})
    ]
    incident = audit_report_card(
        AuditReport((), reference="K-7"), hide_names=False, time_zone="UTC", incident_id=7
    )
    assert [(a["title"], a["data"]) for a in incident["actions"]] == [
        ("Back to the incident", {"v": 1, "incident": 7})
    ]
