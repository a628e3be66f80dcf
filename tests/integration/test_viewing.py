"""Viewing an incident on SQLite and PostgreSQL: decided, elevated where needed, audited."""

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from safeguarding.errors import NotAvailable
from safeguarding.incident_form import read_form
from safeguarding.incidents import Status
from safeguarding.outcomes import NeedsCode
from safeguarding.second_factor import SecondFactor
from safeguarding.services.viewing import open_incident
from safeguarding.viewing import IncidentStatus
from storage.models import AuditEventRow
from tests.support.presses import press_as
from tests.support.scripted import record_as

TEXT = "MARKER-view: she said\nit happened twice"


@pytest.fixture
async def school(demo_school, uow_factory):
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(demo_school.school_id)}
        categories = {c.name: c.id for c in await uow.categories.list(demo_school.school_id)}
    return staff, categories


async def record(uow_factory, clock, recorder, category: int, **values) -> int:
    form = {"key": f"view-{category}-{len(values)}", "student_id": "1", "text": TEXT}
    draft = read_form(
        {**form, "categories": str(category), **values},
        now=clock.now(),
        time_zone="Europe/London",
    )
    return (await record_as(uow_factory, clock, recorder, draft)).incident_id


async def view(who, incident, uow_factory, clock):
    """What opening the incident answers: its view, its status, or the code prompt."""
    outcome = await press_as(uow_factory, clock, who, open_incident, incident)
    return outcome if isinstance(outcome, NeedsCode) else outcome.view


async def audited(uow_factory, incident):
    async with uow_factory() as uow:
        query = select(AuditEventRow.action, AuditEventRow.actor_staff_id).where(
            AuditEventRow.record_type == "incident", AuditEventRow.record_id == incident
        )
        return [tuple(row) for row in (await uow.session.execute(query)).all()]


async def elevate(uow_factory, clock, who) -> None:
    async with uow_factory() as uow:
        factor = replace(
            SecondFactor.new(who.id),
            confirmed=True,
            elevated_until=clock.now() + timedelta(minutes=30),
        )
        await uow.second_factors.save(factor)
        await uow.commit()


async def test_the_dsl_reads_a_pastoral_incident_in_full_and_the_view_is_audited(
    school, uow_factory, clock
):
    staff, categories = school
    teacher, dsl = staff["James Whitfield"], staff["Priya Raman"]
    incident = await record(uow_factory, clock, teacher, categories["Pastoral"], agencies="Police")
    shown = await view(dsl, incident, uow_factory, clock)
    assert shown.text == TEXT and shown.facts.agencies == ("Police",)
    assert [p.student.id for p in shown.facts.pupils] == [1]
    assert ("incident.viewed", dsl.id) in await audited(uow_factory, incident)


async def test_a_restricted_incident_needs_elevation_even_for_the_dsl(school, uow_factory, clock):
    staff, categories = school
    teacher, dsl = staff["James Whitfield"], staff["Priya Raman"]
    incident = await record(uow_factory, clock, teacher, categories["Safeguarding"])
    assert await view(dsl, incident, uow_factory, clock) == NeedsCode(incident, enrolled=False)
    await elevate(uow_factory, clock, dsl)
    assert (await view(dsl, incident, uow_factory, clock)).text == TEXT
    actions = await audited(uow_factory, incident)
    assert ("elevation.prompted", dsl.id) in actions and ("incident.viewed", dsl.id) in actions


async def test_the_recorder_who_may_only_record_sees_its_status_and_others_nothing(
    school, uow_factory, clock
):
    staff, categories = school
    teacher, other = staff["James Whitfield"], staff["Sarah Lloyd"]
    incident = await record(uow_factory, clock, teacher, categories["Safeguarding"])
    only = await view(teacher, incident, uow_factory, clock)
    assert only == IncidentStatus(f"K-{incident}", Status.OPEN)
    with pytest.raises(NotAvailable):
        await view(other, incident, uow_factory, clock)
    actions = await audited(uow_factory, incident)
    assert ("incident.status_viewed", teacher.id) in actions
    assert ("access.refused", other.id) in actions


async def test_an_alerted_colleague_reads_the_incident_through_the_grant(
    school, uow_factory, clock
):
    staff, categories = school
    teacher, colleague = staff["James Whitfield"], staff["Aisha Khan"]
    incident = await record(
        uow_factory,
        clock,
        teacher,
        categories["Safeguarding"],
        alert_staff=str(colleague.id),
        confirm=str(colleague.id),
    )
    assert (await view(colleague, incident, uow_factory, clock)).text == TEXT
    with pytest.raises(NotAvailable):
        await view(staff["Sarah Lloyd"], incident, uow_factory, clock)


async def test_an_excluded_lead_sees_nothing_and_a_missing_id_answers_the_same(
    school, uow_factory, clock
):
    staff, categories = school
    dsl, deputy = staff["Priya Raman"], staff["Tom Okafor"]
    async with uow_factory() as uow:
        await uow.access.add_exclusion(1, deputy.id, 1, "relative", dsl.id, clock.now())
        await uow.commit()
    incident = await record(uow_factory, clock, staff["James Whitfield"], categories["Pastoral"])
    for who, incident_id in ((deputy, incident), (dsl, incident + 1000)):
        with pytest.raises(NotAvailable):
            await view(who, incident_id, uow_factory, clock)
