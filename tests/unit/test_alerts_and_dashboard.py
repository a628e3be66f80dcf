"""What an alert says, a dashboard line, where elevated access stands: pure rules, no database."""

from datetime import UTC, datetime, timedelta

import pytest

from cards.payloads import AlertId, ColleagueRef, ExclusionForm, ExclusionRef, Pages, SettingsForm
from safeguarding.alerts import alert_says
from safeguarding.dashboard import DashboardLine, dashboard_line, page_offsets
from safeguarding.elevation import WRONG_CODE, elevation_status, not_accepted
from safeguarding.incidents import IncidentFacts, IncidentPupil, Status
from safeguarding.school import Student
from safeguarding.second_factor import SecondFactor

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # 10:00 in London (summer time)
ZOE = Student(1, 1, "A123", "Zoë", "Roberts", 7, "7C")


@pytest.mark.parametrize(
    ("reason", "title", "words"),
    [
        ("tagged", "New concern", "New concern raised by Sam Lee (ref K-12)"),
        ("group", "New concern", "New concern raised by Sam Lee (ref K-12)"),
        (
            "escalation",
            "Escalation: urgent concern not yet read",
            "Urgent concern raised by Sam Lee (ref K-12): nobody has read it yet.",
        ),
        ("not_reached", "An alert did not arrive", "Kestrel could not reach Ann about K-12."),
        ("assigned", "Case assigned to you", "Sam Lee assigned K-12 to you."),
        (
            "reminder",
            "Planner reminder",
            "A reminder from Sam Lee: an action on K-12 is planned for today.",
        ),
    ],
)
def test_an_alert_says_who_why_and_the_reference_never_a_pupil(reason, title, words):
    assert alert_says(reason, "Sam Lee", "K-12", concerning="Ann") == (title, words)


def test_an_alert_about_an_action_says_so_and_an_unknown_colleague_is_a_colleague():
    assert alert_says("tagged", "Sam Lee", "K-12", about_action=True) == (
        "New action",
        "New action on K-12 by Sam Lee.",
    )
    assert alert_says("not_reached", "Sam Lee", "K-12")[1] == (
        "Kestrel could not reach a colleague about K-12."
    )


def facts(pupils=()) -> IncidentFacts:
    return IncidentFacts(12, 1, 5, NOW, NOW, "Europe/London", Status.OPEN, None, (), pupils)


def test_a_dashboard_line_names_pupil_and_categories_only_when_readable():
    found = facts((IncidentPupil(ZOE, frozenset({2, 1})),))
    kept = {"categories": {1: "Safeguarding", 2: "Bullying"}, "names": {5: "Sam Lee"}}
    assert dashboard_line(found, readable=False, **kept) == DashboardLine(
        12, NOW, Status.OPEN, "Sam Lee"
    )
    line = dashboard_line(found, readable=True, **kept, who="Ann")
    assert (line.pupil, line.categories, line.who) == (ZOE, ("Bullying", "Safeguarding"), "Ann")
    assert dashboard_line(facts(), readable=True, **kept).pupil is None


def test_dashboard_pages_stay_between_the_first_row_and_the_last_a_page_may_ask():
    assert page_offsets((-5, 10, 10**9)) == (0, 10, 100_000, 0)  # a card from before New concerns
    assert page_offsets((0, 0, 0, 10**9)) == (0, 0, 0, 100_000)


def test_elevation_status_tells_pending_enrolled_elevated_and_paused():
    assert not elevation_status(None, NOW).enrolled
    factor = SecondFactor(1, "JBSWY3DPEHPK3PXP")
    assert elevation_status(factor, NOW).pending
    factor.confirmed, factor.elevated_until = True, NOW + timedelta(minutes=5)
    status = elevation_status(factor, NOW)
    assert (status.enrolled, status.pending, status.elevated_until) == (
        True,
        False,
        factor.elevated_until,
    )
    assert elevation_status(factor, NOW + timedelta(minutes=6)).elevated_until is None


def test_a_code_not_accepted_says_wrong_or_paused_until_in_the_school_time():
    factor = SecondFactor(1, "JBSWY3DPEHPK3PXP", confirmed=True)
    assert not_accepted(factor, NOW, "Europe/London") == WRONG_CODE
    factor.locked_until = NOW + timedelta(minutes=15)
    assert not_accepted(factor, NOW, "Europe/London") == (
        "Too many wrong codes: elevated access is paused until 10:15."
    )


def test_the_family_payloads_parse_strictly():
    assert AlertId.parse({"alert": 7}) == AlertId(7)
    assert AlertId.parse({"alert": "7"}) is None and AlertId.parse({"alert": 2**31}) is None
    assert Pages.parse({"pages": [10, 0, 0]}).pages == (10, 0, 0)
    assert Pages.parse({"pages": [1, "x", 0]}).pages == (0, 0, 0, 0)
    assert Pages.parse({"pages": [0, 0, 0, 10]}).pages == (0, 0, 0, 10)
    assert Pages.parse({"pages": [0, 0, 0, 0, 10]}).pages == (0, 0, 0, 0)
    assert SettingsForm.parse({"hide_names": "TRUE"}).hide_names
    assert not SettingsForm.parse({}).hide_names
    assert ColleagueRef.parse({"staff_id": "1 OR 1=1"}).staff is None
    assert ColleagueRef.parse({"staff_id": "12"}).staff == 12
    form = ExclusionForm.parse({"student_id": "3", "staff_id": "x", "pupil_query": "zoe"})
    assert (form.student, form.staff, form.reason, form.query) == (3, None, "", "zoe")
    assert ExclusionRef.parse({"exclusion": "1"}).exclusion is None
