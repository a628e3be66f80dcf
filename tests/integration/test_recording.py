"""Recording an incident on SQLite and PostgreSQL: stored once, encrypted, alerts queued."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from cards.payloads import FormData
from safeguarding.errors import ConfirmGrants, InvalidInput, NotAvailable
from safeguarding.incident_form import read_form
from safeguarding.outcomes import Confirm, Done, Invalid
from safeguarding.services.incident_form import PUPIL_NOT_AVAILABLE, record_incident
from safeguarding.services.recording import store_incident
from safeguarding.services.search import form_options
from safeguarding.staff import Role
from storage.models import (
    AlertRow,
    AuditEventRow,
    BodyMapMarkerRow,
    IncidentCategoryRow,
    IncidentGrantRow,
    IncidentRow,
    IncidentStudentRow,
    StudentRow,
)
from storage.rotation import rotate_keys
from tests.support.presses import press_as

MARKER = "MARKER-7f3a quiet at lunch, bruise on left arm"


@pytest.fixture
async def school(demo_school, uow_factory):
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(demo_school.school_id)}
        categories = {c.name: c for c in await uow.categories.list(demo_school.school_id)}
        groups = {g.name: g for g in await uow.alert_groups.list(demo_school.school_id)}
    return staff, categories, groups


def form(clock, **values):
    base = {"key": "key-0001-abcdef", "student_id": "1", "text": MARKER}
    return read_form({**base, **values}, now=clock.now(), time_zone="Europe/London")


def recorder(uow_factory, clock):
    """Record a draft as `who`, in one press (what incident.record runs once the form is read)."""

    async def record(who, draft):
        return await press_as(uow_factory, clock, who, store_incident, draft)

    return record


async def rows(uow_factory, model, *where):
    async with uow_factory() as uow:
        found = list(await uow.session.scalars(select(model).where(*where)))
        uow.session.expunge_all()  # keep the loaded values once the unit of work rolls back
    return found


async def test_a_teacher_records_an_incident_with_a_linked_pupil_and_an_alerted_colleague(
    school, uow_factory, clock
):
    staff, categories, groups = school
    teacher, colleague = staff["James Whitfield"], staff["Aisha Khan"]
    pastoral, communication = categories["Pastoral"].id, categories["Communication"].id
    record = recorder(uow_factory, clock)
    draft = form(
        clock,
        categories=f"{pastoral},{communication}",
        linked=[2],
        linked_2_same="true",
        linked_2_monitoring="true",
        alert_staff=str(colleague.id),
        markers=1,
        marker_1_side="Front",
        marker_1_region="Left arm",
        marker_1_note="MARKER-note yellowing",
        agencies="Police",
        agency_other="Youth club",
        date=(clock.now() - timedelta(days=1)).date().isoformat(),
        time="09:15",
    )
    with pytest.raises(ConfirmGrants) as asked:
        await record(teacher, draft)
    assert asked.value.names == ("Aisha Khan",)
    assert not await rows(uow_factory, IncidentRow)

    confirmed = form(
        clock, **{**_values(draft, pastoral, communication), "confirm": asked.value.token}
    )
    recorded = await record(teacher, confirmed)
    assert recorded.reference == f"K-{recorded.incident_id}"

    [incident] = await rows(uow_factory, IncidentRow)
    assert incident.recorded_by == teacher.id and incident.status == "Open"
    assert incident.agencies == ["Police", "Youth club"]
    assert MARKER not in incident.text_ciphertext
    pupils = await rows(uow_factory, IncidentStudentRow)
    assert {(p.student_id, p.linked, p.monitoring) for p in pupils} == {
        (1, False, False),
        (2, True, True),
    }
    categories_stored = await rows(uow_factory, IncidentCategoryRow)
    assert {(c.student_id, c.category_id) for c in categories_stored} == {
        (1, pastoral),
        (1, communication),
        (2, pastoral),
        (2, communication),
    }
    [grant] = await rows(uow_factory, IncidentGrantRow)
    assert grant.staff_id == colleague.id and grant.granted_by == teacher.id
    [alert] = await rows(uow_factory, AlertRow)
    assert (alert.staff_id, alert.reason, alert.state) == (colleague.id, "tagged", "queued")
    [marker] = await rows(uow_factory, BodyMapMarkerRow)
    assert "MARKER" not in marker.note_ciphertext
    actions = [
        e.action
        for e in await rows(uow_factory, AuditEventRow, AuditEventRow.record_type == "incident")
    ]
    assert actions == ["incident.recorded", "access.granted"]


def _values(draft, *category_ids):
    return {
        "categories": ",".join(map(str, category_ids)),
        "linked": [2],
        "linked_2_same": "true",
        "linked_2_monitoring": "true",
        "alert_staff": ",".join(map(str, draft.alert_staff_ids)),
        "markers": 1,
        "marker_1_side": "Front",
        "marker_1_region": "Left arm",
        "marker_1_note": "MARKER-note yellowing",
        "agencies": "Police",
        "agency_other": "Youth club",
        "date": draft.happened_at.date().isoformat(),
        "time": "09:15",
    }


async def test_sending_the_same_form_twice_records_one_incident(school, uow_factory, clock):
    staff, categories, _ = school
    record = recorder(uow_factory, clock)
    draft = form(clock, categories=str(categories["Pastoral"].id))
    first = await record(staff["James Whitfield"], draft)
    second = await record(staff["James Whitfield"], draft)
    assert second.incident_id == first.incident_id and second.repeated
    assert len(await rows(uow_factory, IncidentRow)) == 1


async def test_a_category_with_a_default_group_alerts_its_members_and_the_dsl_needs_no_grant(
    school, uow_factory, clock
):
    staff, categories, groups = school
    draft = form(clock, categories=str(categories["Safeguarding"].id))
    await recorder(uow_factory, clock)(staff["James Whitfield"], draft)
    alerts = await rows(uow_factory, AlertRow)
    assert {(a.staff_id, a.reason) for a in alerts} == {
        (m, "group") for m in groups["DSL team"].member_ids
    }
    assert not await rows(uow_factory, IncidentGrantRow)


async def test_alerts_read_only_the_staff_a_form_can_reach(school, uow_factory, demo_school):
    staff, _, groups = school
    team, school_id = groups["DSL team"], demo_school.school_id
    chosen, by_aad = staff["James Whitfield"], staff["Priya Raman"]
    async with uow_factory() as uow:
        other = await uow.schools.ensure("Other School", "other-tenant", "Europe/London")
        stranger = await uow.staff.ensure(
            other.id, by_aad.aad_object_id, "Same Person Elsewhere", "x@other.test", Role.STAFF
        )
        reached = await uow.staff.alertable(
            school_id, {chosen.id, stranger.id}, {by_aad.aad_object_id}, {team.id}
        )
        nobody = await uow.staff.alertable(school_id, set(), set(), set())
        await uow.commit()
    assert {s.id for s in reached} == {chosen.id, by_aad.id, *team.member_ids}
    assert len(reached) < len(staff)  # not the whole staff list
    assert [s.display_name for s in reached] == sorted(s.display_name for s in reached)
    assert nobody == []


async def test_an_excluded_colleague_is_never_alerted_even_when_chosen(school, uow_factory, clock):
    staff, categories, _ = school
    dsl, colleague = staff["Priya Raman"], staff["Tom Okafor"]
    async with uow_factory() as uow:
        await uow.access.add_exclusion(
            dsl.school_id, colleague.id, 1, "relative", dsl.id, clock.now()
        )
        await uow.commit()
    draft = form(
        clock, categories=str(categories["Safeguarding"].id), alert_staff=str(colleague.id)
    )
    await recorder(uow_factory, clock)(staff["James Whitfield"], draft)
    alerts = await rows(uow_factory, AlertRow)
    assert [a.staff_id for a in alerts] == [dsl.id]


async def test_a_recorder_excluded_from_the_pupil_is_refused_without_a_hint(
    school, uow_factory, clock
):
    staff, categories, _ = school
    dsl, teacher = staff["Priya Raman"], staff["James Whitfield"]
    async with uow_factory() as uow:
        await uow.access.add_exclusion(
            dsl.school_id, teacher.id, 1, "own_child", dsl.id, clock.now()
        )
        await uow.commit()
    with pytest.raises(NotAvailable):
        await recorder(uow_factory, clock)(
            teacher, form(clock, categories=str(categories["Pastoral"].id))
        )
    assert not await rows(uow_factory, IncidentRow)
    refused = await rows(uow_factory, AuditEventRow, AuditEventRow.action == "access.refused")
    assert [(e.record_type, e.record_id) for e in refused] == [("student", 1)]


async def test_an_assignee_must_work_safeguarding_cases(school, uow_factory, clock):
    staff, categories, _ = school
    draft = form(
        clock, categories=str(categories["Pastoral"].id), assignee=str(staff["Aisha Khan"].id)
    )
    with pytest.raises(InvalidInput) as invalid:
        await recorder(uow_factory, clock)(staff["James Whitfield"], draft)
    assert set(invalid.value.errors) == {"assignee"}


async def test_an_assignee_excluded_from_the_pupil_cannot_be_given_the_case(
    school, uow_factory, clock
):
    staff, categories, _ = school
    dsl, deputy = staff["Priya Raman"], staff["Tom Okafor"]
    async with uow_factory() as uow:
        await uow.access.add_exclusion(1, deputy.id, 1, "allegation", dsl.id, clock.now())
        await uow.commit()
    draft = form(clock, categories=str(categories["Pastoral"].id), assignee=str(deputy.id))
    with pytest.raises(InvalidInput) as invalid:
        await recorder(uow_factory, clock)(staff["James Whitfield"], draft)
    assert set(invalid.value.errors) == {"assignee"}


async def test_a_new_student_is_stored_as_provisional_for_an_administrator(
    school, uow_factory, clock
):
    staff, categories, _ = school
    draft = form(
        clock,
        student_id="",
        new_student="true",
        new_first="Nadia",
        new_last="Brook",
        new_year="8",
        categories=str(categories["Pastoral"].id),
    )
    await recorder(uow_factory, clock)(staff["James Whitfield"], draft)
    [student] = await rows(uow_factory, StudentRow, StudentRow.provisional.is_(True))
    assert (student.first_name, student.last_name, student.year_group) == ("Nadia", "Brook", 8)
    [pupil] = await rows(uow_factory, IncidentStudentRow)
    assert pupil.student_id == student.id


async def test_a_new_student_in_a_year_the_school_does_not_have_comes_back_with_the_form(
    school, uow_factory, clock
):
    staff, categories, _ = school
    values = {
        "form_key": "recording-year-14",
        "student_id": "",
        "new_student": "true",
        "new_first": "Nadia",
        "new_last": "Brook",
        "new_year": "14",
        "text": "what was said",
        "categories": str(categories["Pastoral"].id),
    }
    answer = await press_as(
        uow_factory, clock, staff["James Whitfield"], record_incident, FormData(values)
    )
    assert answer.errors == {"new_year": "Choose one of the school's year groups (7 to 13)."}
    assert answer.view.values["new_first"] == "Nadia" and answer.view.options.year_groups == (
        7,
        8,
        9,
        10,
        11,
        12,
        13,
    )
    assert await rows(uow_factory, StudentRow, StudentRow.provisional.is_(True)) == []


async def test_form_options_offer_only_the_categories_the_member_of_staff_may_add_to(
    school, uow_factory, clock
):
    staff, categories, _ = school
    options = await press_as(uow_factory, clock, staff["Daniel Hughes"], form_options)
    assert {c.name for c in options.categories} == set(categories)
    assert {s.role for s in options.case_workers} == {Role.DSL, Role.DEPUTY_DSL}
    assert "Daniel Hughes" not in {c.display_name for c in options.colleagues}


async def test_key_rotation_re_encrypts_incident_text_and_the_raw_database_has_no_marker(
    school, uow_factory, clock, engine
):
    staff, categories, _ = school
    draft = form(
        clock,
        categories=str(categories["Pastoral"].id),
        markers=1,
        marker_1_side="Back",
        marker_1_region="Lower back",
        marker_1_note="MARKER-note-back",
        evidence={"message_id": "1700000000000", "author": "MARKER-author", "sent_at": "x"},
    )
    await recorder(uow_factory, clock)(staff["James Whitfield"], draft)
    async with engine.connect() as connection:
        dumped = []
        for table in ("incidents", "body_map_markers", "audit_events"):
            result = await connection.execute(text(f"SELECT * FROM {table}"))
            dumped += [str(row) for row in result]
    assert dumped and not any("MARKER" in row for row in dumped)
    changed = await rotate_keys(uow_factory)
    assert changed["incidents"] == 0  # already under the current key


def sent(**values) -> FormData:
    """The Add Incident form as incident.record receives it (typed, once)."""
    base = {"v": 1, "key": "key-0002-abcdef", "student_id": "1", "text": MARKER}
    return FormData.parse({**base, **values})


async def test_recording_in_one_press_asks_first_then_records_and_answers_with_the_incident(
    school, uow_factory, clock
):
    staff, categories, _ = school
    teacher, colleague = staff["James Whitfield"], staff["Aisha Khan"]
    typed = {"categories": str(categories["Pastoral"].id), "alert_staff": str(colleague.id)}
    asked = await press_as(uow_factory, clock, teacher, record_incident, sent(**typed))
    assert isinstance(asked, Confirm) and asked.names == ("Aisha Khan",)
    assert asked.view.grants == ("Aisha Khan",) and asked.view.values["text"] == MARKER
    assert not await rows(uow_factory, IncidentRow)
    done = await press_as(
        uow_factory, clock, teacher, record_incident, sent(**typed, confirm=asked.token)
    )
    assert isinstance(done, Done) and done.view.alerted == 1 and not done.view.repeated
    [incident] = await rows(uow_factory, IncidentRow)
    assert done.view.incident_id == incident.id


async def test_a_pupil_refused_in_the_press_gives_the_form_back_and_keeps_the_refusal(
    school, uow_factory, clock
):
    staff, categories, _ = school
    form_sent = sent(student_id="99999", categories=str(categories["Pastoral"].id))
    answer = await press_as(
        uow_factory, clock, staff["James Whitfield"], record_incident, form_sent
    )
    assert isinstance(answer, Invalid)
    assert answer.errors == {"student_id": PUPIL_NOT_AVAILABLE}
    assert answer.view.values["student_id"] == ""  # the forged id is dropped
    assert not await rows(uow_factory, IncidentRow)
    refused = await rows(uow_factory, AuditEventRow, AuditEventRow.action == "access.refused")
    assert [(e.record_type, e.record_id) for e in refused] == [("student", 99999), (None, None)]
