"""Lists and the School over HTTP: agencies and closing outcomes per school (the forms follow on
the next press), the school's time zone (IANA names only), escalation minutes, year groups, term
dates (no overlaps) and the triage channel (shown with who chose it, and stopped)."""

from datetime import timedelta

from sqlalchemy import select

from storage.models import IncidentRow, StaffRow, TriageChannelRow
from tests.support.activities import DEMO_TENANT, DSL_AAD, TEACHER_AAD
from tests.support.cards import button, choices, inputs
from tests.support.pressing import all_text, audit_details, press, typed_in


async def _scalar(engine, query):
    async with engine.connect() as connection:
        return await connection.scalar(query)


async def test_an_agency_added_is_offered_on_the_form_and_bad_entries_say_what_to_fix(
    running_bot, engine
):
    added = await press(
        running_bot, "admin.list_add", list="agencies", new_agencies="Youth Offending Team"
    )
    assert "Youth Offending Team added." in all_text(added)
    assert "Kestrel's list: the first change makes it the school's." in all_text(added)  # outcomes
    form = await press(running_bot, "incident.add", TEACHER_AAD)
    assert "Youth Offending Team" in all_text(form) and "Police" in all_text(form)
    comma = await press(
        running_bot, "admin.list_add", list="agencies", new_agencies="Police, local"
    )
    assert "Leave commas out of an agency's name." in all_text(comma)
    assert inputs(comma)["new_agencies"]["value"] == "Police, local"
    dup = await press(running_bot, "admin.list_add", list="agencies", new_agencies="police")
    assert '"police" is already used: choose another name.' in all_text(dup)
    [detail] = await audit_details(engine, "list.changed")
    assert detail["list"] == "agencies" and detail["after"][-1] == "Youth Offending Team"


async def test_closing_outcomes_are_the_schools_own_and_the_status_form_follows(
    running_bot, uow_factory
):
    await press(running_bot, "admin.list_add", list="outcomes", new_outcomes="Support plan agreed")
    removed = await press(running_bot, "admin.list_remove", list="outcomes", entry="Early help")
    assert "Early help is off the list; records that name it keep it." in all_text(removed)
    again = await press(running_bot, "admin.list_remove", list="outcomes", entry="Early help")
    assert "Changed meanwhile." in all_text(again) and "someone took it off meanwhile" in all_text(
        again
    )
    incident = await _record(running_bot, uow_factory)
    version = 1
    form = await press(running_bot, "case.status_form", DSL_AAD, incident=incident, ver=version)
    outcomes = choices(form, "outcome")
    assert "Support plan agreed" in outcomes and "Early help" not in outcomes
    closed = await press(
        running_bot,
        "case.status",
        DSL_AAD,
        incident=incident,
        ver=version,
        status="Closed",
        outcome="Support plan agreed",
        reason="Agreed with the family.",
    )
    assert "Status changed to Closed." in all_text(closed)


async def test_the_last_entry_of_a_list_stays(running_bot):
    card = await press(running_bot, "admin.lists")
    for entry in list(choices_of_list(card, "outcomes"))[:-1]:
        await press(running_bot, "admin.list_remove", list="outcomes", entry=entry)
    [last] = choices_of_list(await press(running_bot, "admin.lists"), "outcomes")
    kept = await press(running_bot, "admin.list_remove", list="outcomes", entry=last)
    assert "A list keeps at least one entry" in all_text(kept)


def choices_of_list(card: dict, kind: str) -> list[str]:
    return list(choices(card, f"remove_{kind}").values())


async def test_an_unknown_time_zone_is_refused_and_what_was_typed_kept(running_bot):
    card = await press(running_bot, "admin.school")
    sent = {**typed_in(card), "time_zone": "Europe/Atlantis", "ver": 1}
    refused = await press(running_bot, "admin.school_save", **sent)
    assert "Give an IANA time zone name, for example Europe/London." in all_text(refused)
    assert inputs(refused)["time_zone"]["value"] == "Europe/Atlantis"


async def test_school_settings_apply_on_the_next_press_escalation_included(
    running_bot, engine, uow_factory
):
    card = await press(running_bot, "admin.school")
    sent = {
        **typed_in(card),
        "time_zone": "Europe/Paris",
        "escalate_minutes": "5",
        "year_groups": "7,8,9,10,11",
        "ver": 1,
    }
    saved = await press(running_bot, "admin.school_save", **sent)
    assert "The school's settings are saved." in all_text(saved)
    form = await press(running_bot, "incident.add", TEACHER_AAD)
    assert "Time of the incident (Europe/Paris)" in all_text(form)
    incident = await _record(running_bot, uow_factory, category="URGENT")
    escalate_at = await _scalar(
        engine, select(IncidentRow.escalate_at).where(IncidentRow.id == incident)
    )
    recorded_at = await _scalar(
        engine, select(IncidentRow.recorded_at).where(IncidentRow.id == incident)
    )
    assert escalate_at - recorded_at == timedelta(minutes=5)
    stale = await press(running_bot, "admin.school_save", **{**sent, "name": "Kestrel Academy"})
    # Said in the school's new zone: 10:50 UTC is 11:50 in Paris.
    changed = "Helen Carter changed it at 11:50 on 24 Nov: time zone Europe/London to Europe/Paris"
    assert changed in all_text(stale)


async def test_term_dates_cannot_overlap(running_bot, engine):
    autumn = {"term_name": "Autumn 2026", "term_starts": "2026-09-03", "term_ends": "2026-12-18"}
    added = await press(running_bot, "admin.term_add", **autumn)
    assert "Autumn 2026: 3 Sep 2026 to 18 Dec 2026" in all_text(added)
    clash = {"term_name": "Spring 2027", "term_starts": "2026-12-01", "term_ends": "2027-03-26"}
    refused = await press(running_bot, "admin.term_add", **clash)
    assert "It overlaps Autumn 2026 (3 Sep 2026 to 18 Dec 2026): terms cannot overlap." in all_text(
        refused
    )
    assert inputs(refused)["term_starts"]["value"] == "2026-12-01"
    backwards = await press(
        running_bot,
        "admin.term_add",
        term_name="Summer",
        term_starts="2027-07-20",
        term_ends="2027-04-12",
    )
    assert "The last day comes after the first." in all_text(backwards)
    removed = await press(running_bot, "admin.term_remove", **button(added, "Remove")["data"])
    assert "Autumn 2026 removed." in all_text(removed)


async def test_the_triage_channel_is_shown_with_who_chose_it_and_the_dsl_stops_it(
    running_bot, engine, clock
):
    async with engine.begin() as connection:
        priya = await connection.scalar(
            select(StaffRow.id).where(StaffRow.display_name == "Priya Raman")
        )
        school = await connection.scalar(select(StaffRow.school_id).where(StaffRow.id == priya))
        await connection.execute(
            TriageChannelRow.__table__.insert().values(
                school_id=school,
                conversation_id="19:c@thread.tacv2",
                service_url="https://x/",
                tenant_id="t",
                bot_id="b",
                set_by=priya,
                set_at=clock.now(),
            )
        )
    helen = await press(running_bot, "admin.school")
    assert "chosen by Priya Raman at 10:50 on 24 Nov 2026" in all_text(helen)
    dsl = await press(running_bot, "admin.school", DSL_AAD)
    assert "time_zone" not in inputs(dsl)  # the DSL team: the triage channel only
    refused = await press(running_bot, "admin.school_save", DSL_AAD, ver=1, name="x")
    assert "That record is not available." in all_text(refused)
    stopped = await press(running_bot, "admin.triage_stop", DSL_AAD)
    assert "New concerns are no longer posted to a channel." in all_text(stopped)
    assert await _scalar(engine, select(TriageChannelRow.school_id)) is None
    assert await audit_details(engine, "triage.stopped") == [{"from": "admin"}]


async def _record(bot, uow_factory, category: str = "Pastoral") -> int:
    """A teacher records a concern about pupil 1 and alerts the DSL; its id."""
    async with uow_factory() as uow:
        school = await uow.schools.by_tenant(DEMO_TENANT)
        chosen = [c.id for c in await uow.categories.list(school.id) if c.name == category]
        dsl = [s.id for s in await uow.staff.list(school.id) if s.display_name == "Priya Raman"]
    await press(
        bot,
        "incident.record",
        TEACHER_AAD,
        form_key=f"admin-test-{category}-0001",
        student_id="1",
        text="MARKER-admin she was upset at break",
        categories=str(chosen[0]),
        alert_staff=str(dsl[0]),
    )
    async with uow_factory() as uow:
        return max(i for i in await uow.incidents.of_student(1))
