"""The DSL team's audit reports and grant withdrawal, on SQLite and PostgreSQL."""

import pytest

from cards.audit_report import audit_card, audit_report_card
from safeguarding.errors import NotAvailable
from safeguarding.incident_form import read_form
from safeguarding.oversight import REPORT_LINES
from safeguarding.services.oversight import show_incident_audit, show_pupil_audit, withdraw_grant
from safeguarding.services.viewing import open_incident
from tests.support.cards import assert_valid_card, texts
from tests.support.presses import press_as
from tests.support.scripted import record_as


async def incident_history(uow_factory, clock, who, incident: int):
    return (await press_as(uow_factory, clock, who, show_incident_audit, incident)).view.lines


async def pupil_report(uow_factory, clock, who, student: int):
    """(the pupil, the report's lines) as `who` opens the pupil audit report."""
    report = (await press_as(uow_factory, clock, who, show_pupil_audit, student)).view
    return report.student, report.lines


@pytest.fixture
async def recorded(demo_school, uow_factory, clock):
    """A pastoral incident for pupil 1 by the teacher, alerting Aisha (who gains access)."""
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(demo_school.school_id)}
        pastoral = next(c.id for c in await uow.categories.list(1) if c.name == "Pastoral")
    aisha = staff["Aisha Khan"]
    values = {"key": "oversight-1", "student_id": "1", "text": "x", "categories": str(pastoral)}
    values |= {"alert_staff": str(aisha.id), "confirm": str(aisha.id)}
    draft = read_form(values, now=clock.now(), time_zone="Europe/London")
    done = await record_as(uow_factory, clock, staff["James Whitfield"], draft)
    return staff, done.incident_id


async def test_the_incident_history_names_who_recorded_and_who_opened_it(
    recorded, uow_factory, clock
):
    staff, incident = recorded
    dsl = staff["Priya Raman"]
    await press_as(uow_factory, clock, dsl, open_incident, incident)
    lines = await incident_history(uow_factory, clock, dsl, incident)
    assert [(line.actor, line.action) for line in lines] == [
        ("Priya Raman", "incident.viewed"),
        ("James Whitfield", "access.granted"),
        ("James Whitfield", "incident.recorded"),
    ]
    again = await incident_history(uow_factory, clock, dsl, incident)
    assert again[0].action == "audit.viewed"  # looking at the report is itself audited
    card = audit_card("Audit: K-1", again, time_zone="Europe/London")
    assert_valid_card(card)
    assert "24/11/2026 10:50  Priya Raman opened it (K-1, 1:1 chat)" in texts(card)


async def test_a_long_history_pages_by_twenty_five_with_older_and_newer_and_back(
    recorded, uow_factory, clock
):
    staff, incident = recorded
    dsl = staff["Priya Raman"]
    for _ in range(30):  # 30 views, after the recording and the grant: 32 events
        await press_as(uow_factory, clock, dsl, open_incident, incident)
    first = (await press_as(uow_factory, clock, dsl, show_incident_audit, incident)).view
    assert (len(first.lines), first.offset, first.more) == (REPORT_LINES, 0, True)
    card = audit_report_card(
        first, hide_names=False, time_zone="Europe/London", incident_id=incident
    )
    assert_valid_card(card)
    assert [(a["title"], a["data"]) for a in card["actions"]] == [
        ("Older events", {"v": 1, "incident": incident, "offset": REPORT_LINES}),
        ("Back to the incident", {"v": 1, "incident": incident}),
    ]
    older = (
        await press_as(uow_factory, clock, dsl, show_incident_audit, incident, REPORT_LINES)
    ).view
    # The first page's own view is the newest event now, so the rest begin one later.
    assert (len(older.lines), older.more) == (8, False)
    assert [line.action for line in older.lines][-2:] == ["access.granted", "incident.recorded"]
    card = audit_report_card(
        older, hide_names=False, time_zone="Europe/London", incident_id=incident
    )
    assert [a["title"] for a in card["actions"]] == ["Newer events", "Back to the incident"]


async def test_the_pupil_report_covers_the_pupils_incidents(recorded, uow_factory, clock):
    staff, incident = recorded
    dsl = staff["Priya Raman"]
    student, lines = await pupil_report(uow_factory, clock, dsl, 1)
    assert student.id == 1
    assert ("incident.recorded", incident) in {(line.action, line.record_id) for line in lines}


async def test_only_the_dsl_team_not_excluded_may_see_reports(recorded, uow_factory, clock):
    staff, incident = recorded
    dsl, deputy = staff["Priya Raman"], staff["Tom Okafor"]
    async with uow_factory() as uow:
        await uow.access.add_exclusion(1, deputy.id, 1, "relative", dsl.id, clock.now())
        await uow.commit()
    for who in (staff["Aisha Khan"], deputy):
        with pytest.raises(NotAvailable):
            await incident_history(uow_factory, clock, who, incident)
        with pytest.raises(NotAvailable):
            await pupil_report(uow_factory, clock, who, 1)


async def test_the_dsl_withdraws_an_alert_grant_and_the_colleague_loses_access(
    recorded, uow_factory, clock
):
    staff, incident = recorded
    dsl, aisha = staff["Priya Raman"], staff["Aisha Khan"]
    await press_as(uow_factory, clock, aisha, open_incident, incident)
    james = staff["James Whitfield"]
    with pytest.raises(NotAvailable):  # not the DSL team
        await press_as(uow_factory, clock, james, withdraw_grant, incident, aisha.id)
    shown = await press_as(uow_factory, clock, dsl, withdraw_grant, incident, aisha.id)
    assert shown.view.facts.id == incident  # the incident again, for the DSL
    with pytest.raises(NotAvailable):
        await press_as(uow_factory, clock, aisha, open_incident, incident)
    with pytest.raises(NotAvailable):  # nothing left to withdraw
        await press_as(uow_factory, clock, dsl, withdraw_grant, incident, aisha.id)
    lines = await incident_history(uow_factory, clock, dsl, incident)
    assert ("Priya Raman", "access.withdrawn") in {(line.actor, line.action) for line in lines}


async def test_a_pupil_report_leaves_out_incidents_about_a_pupil_the_viewer_is_excluded_from(
    recorded, uow_factory, clock
):
    staff, first = recorded
    dsl, deputy = staff["Priya Raman"], staff["Tom Okafor"]
    values = {"key": "oversight-2", "student_id": "1", "text": "x", "categories": "7"}
    values |= {"linked": [2], "linked_2_same": "true"}
    draft = read_form(values, now=clock.now(), time_zone="Europe/London")
    shared = await record_as(uow_factory, clock, staff["James Whitfield"], draft)
    async with uow_factory() as uow:  # the deputy is excluded from pupil 2, not pupil 1
        await uow.access.add_exclusion(1, deputy.id, 2, "relative", dsl.id, clock.now())
        await uow.commit()
    _, lines = await pupil_report(uow_factory, clock, deputy, 1)
    shown = {line.record_id for line in lines if line.record_type == "incident"}
    assert first in shown and shared.incident_id not in shown
    _, all_lines = await pupil_report(uow_factory, clock, dsl, 1)
    assert shared.incident_id in {line.record_id for line in all_lines}
