"""Working a case on SQLite and PostgreSQL: assigning, status, versions and races, actions."""

import asyncio
from datetime import date, datetime

import pytest
from sqlalchemy import select, text, update

from safeguarding.action_form import read_action_form
from safeguarding.casework import read_status_change
from safeguarding.errors import ConfirmGrants, InvalidInput, NotAvailable
from safeguarding.incident_form import read_form
from safeguarding.incidents import QueuedAlert, Status
from safeguarding.outcomes import Done, Invalid, Stale
from safeguarding.services.alerts import acknowledge_alert
from safeguarding.services.casework import (
    assign_case,
    case_history,
    change_status,
    show_assign_form,
)
from safeguarding.services.dashboard import show_dashboard
from safeguarding.services.viewing import open_incident
from storage.database import create_engine
from storage.models import ActionRow, AlertRow, AuditEventRow, CaseEventRow, IncidentRow
from storage.uow import unit_of_work_factory
from tests.support.exclusions import exclude
from tests.support.presses import press_as
from tests.support.scripted import add_action_as, attach_as, record_as

POSTGRESQL_ONLY = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)

TEXT = "MARKER-case: what she said"
REASON = "MARKER-reason: strategy meeting agreed no further action"
ACTION = "MARKER-action: phoned mum, agreed a meeting"
ZONE = "Europe/London"


@pytest.fixture
async def case(demo_school, uow_factory, clock):
    """A Pastoral concern about Sam by James, alerting Aisha; the staff by name."""
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(demo_school.school_id)}
    values = {"key": "case-0001", "student_id": "1", "text": TEXT, "categories": "7"}
    values |= {"alert_staff": str(staff["Aisha Khan"].id), "confirm": str(staff["Aisha Khan"].id)}
    draft = read_form(values, now=clock.now(), time_zone=ZONE)
    done = await record_as(uow_factory, clock, staff["James Whitfield"], draft)
    return staff, done.incident_id


async def rows(uow_factory, model, **where):
    async with uow_factory() as uow:
        query = select(model).filter_by(**where)
        found = list(await uow.session.scalars(query))
        uow.session.expunge_all()
    return found


async def audit_actions(uow_factory, incident: int) -> list[str]:
    async with uow_factory() as uow:
        query = (
            select(AuditEventRow.action)
            .where(AuditEventRow.record_type == "incident", AuditEventRow.record_id == incident)
            .order_by(AuditEventRow.id)
        )
        return list(await uow.session.scalars(query))


async def assign(uow_factory, clock, who, incident: int, assignee: int, seen: int):
    """Assign… (to `assignee`) pressed by `who` on a card at version `seen`."""
    return await press_as(uow_factory, clock, who, assign_case, incident, seen, assignee)


async def status(uow_factory, clock, who, incident: int, seen: int, **values):
    """Save on Change status, with these values typed."""
    return await press_as(uow_factory, clock, who, change_status, incident, seen, values)


async def workers_of(uow_factory, clock, who, incident: int, seen: int = 1):
    form = await press_as(uow_factory, clock, who, show_assign_form, incident, seen)
    return form.view.workers


async def view_incident(who, incident: int, conversation: str, *, uow_factory, clock):
    """The incident as `who` opens it."""
    opened = await press_as(
        uow_factory, clock, who, open_incident, incident, conversation=conversation
    )
    return opened.view


async def test_the_dsl_assigns_a_case_to_a_deputy_who_is_alerted(case, uow_factory, clock):
    staff, incident = case
    priya, tom = staff["Priya Raman"], staff["Tom Okafor"]
    workers = [s.display_name for s in await workers_of(uow_factory, clock, priya, incident)]
    assert workers == ["Priya Raman", "Tom Okafor"]  # the DSL team only
    done = await assign(uow_factory, clock, priya, incident, tom.id, 1)
    assert isinstance(done, Done) and done.notice == "Assigned to Tom Okafor."
    facts = done.view.facts
    assert (facts.assignee_id, facts.version) == (tom.id, 2)
    [event] = await rows(uow_factory, CaseEventRow, incident_id=incident)
    assert (event.kind, event.version, event.actor_id, event.assignee_id) == (
        "assigned",
        2,
        priya.id,
        tom.id,
    )
    [alert] = await rows(uow_factory, AlertRow, incident_id=incident, reason="assigned")
    assert (alert.staff_id, alert.raised_by) == (tom.id, priya.id)
    assert "case.assigned" in await audit_actions(uow_factory, incident)
    # She takes it back herself: no alert to herself.
    mine = await assign(uow_factory, clock, priya, incident, priya.id, 2)
    assert mine.notice == "Assigned to you."
    assert len(await rows(uow_factory, AlertRow, incident_id=incident, reason="assigned")) == 1
    again = await assign(uow_factory, clock, priya, incident, priya.id, 3)  # hers: unchanged
    assert isinstance(again, Done) and again.notice == "It is already assigned to you."
    assert again.view.facts.version == 3
    assert len(await rows(uow_factory, CaseEventRow, incident_id=incident)) == 2


async def test_a_stale_card_is_told_who_changed_the_case_and_changes_nothing(
    case, uow_factory, clock
):
    staff, incident = case
    priya, tom = staff["Priya Raman"], staff["Tom Okafor"]
    await assign(uow_factory, clock, priya, incident, priya.id, 1)
    stale = await assign(uow_factory, clock, tom, incident, tom.id, 1)  # his card shows version 1
    assert isinstance(stale, Stale)
    assert (
        stale.what_changed == "Already assigned to Priya Raman by Priya Raman at 10:50 on 24 Nov."
    )
    assert stale.view.facts.version == 2  # the incident as it is now
    [row] = await rows(uow_factory, IncidentRow, id=incident)
    assert (row.assignee_id, row.version) == (priya.id, 2)
    close = {"status": "Closed", "outcome": "No further action", "reason": REASON}
    assert isinstance(await status(uow_factory, clock, tom, incident, 1, **close), Stale)
    assert (await rows(uow_factory, IncidentRow, id=incident))[0].status == "Open"


async def test_two_people_assigning_at_once_on_two_connections_one_wins(
    case, database_url, keyring, files_dir, clock, uow_factory, audit_keys
):
    """Two engines (two real connections, as two Kestrel processes would have) race for one
    version: exactly one change is made, the other is told who won."""
    staff, incident = case
    priya, tom = staff["Priya Raman"], staff["Tom Okafor"]
    engines = [create_engine(database_url), create_engine(database_url)]
    try:
        first, second = (
            unit_of_work_factory(e, clock, keyring, files_dir, audit_keys=audit_keys)
            for e in engines
        )
        outcomes = await asyncio.gather(
            assign(first, clock, priya, incident, priya.id, 1),
            assign(second, clock, tom, incident, tom.id, 1),
            return_exceptions=True,
        )
    finally:
        for engine in engines:
            await engine.dispose()
    won = [o for o in outcomes if isinstance(o, Done)]
    lost = [o for o in outcomes if isinstance(o, Stale)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    winner = won[0].view.facts.assignee_id
    name = "Priya Raman" if winner == priya.id else "Tom Okafor"
    assert lost[0].what_changed.startswith(f"Already assigned to {name} by {name} at ")
    assert (lost[0].view.facts.version, lost[0].view.facts.assignee_id) == (2, winner)
    events = await rows(uow_factory, CaseEventRow)
    assert [(e.version, e.assignee_id) for e in events] == [(2, winner)]


async def test_closing_needs_an_outcome_and_a_reason_and_reopening_a_reason(
    case, uow_factory, clock, engine
):
    staff, incident = case
    priya = staff["Priya Raman"]
    with pytest.raises(InvalidInput) as invalid:
        read_status_change({"status": "Closed"}, Status.OPEN)
    assert set(invalid.value.errors) == {"outcome", "reason"}
    with pytest.raises(InvalidInput) as invalid:
        read_status_change({"status": "Open"}, Status.CLOSED)
    assert invalid.value.errors["status"] == "Choose Active."
    active = await status(uow_factory, clock, priya, incident, 1, status="Active")
    assert active.notice == "Status changed to Active."
    close = {"status": "Closed", "outcome": "No further action", "reason": REASON}
    facts = (await status(uow_factory, clock, priya, incident, 2, **close)).view.facts
    assert (facts.status, facts.outcome, facts.version) == (Status.CLOSED, "No further action", 3)
    back = await status(uow_factory, clock, priya, incident, 3, status="Open", reason="x")
    assert isinstance(back, Invalid) and set(back.errors) == {"status"}  # not a move
    assert back.view.values["status"] == "Open"  # the form comes back as typed
    reopen = {"status": "Active", "reason": "new disclosure"}
    facts = (await status(uow_factory, clock, priya, incident, 3, **reopen)).view.facts
    assert (facts.status, facts.outcome) == (Status.ACTIVE, None)
    events = (await press_as(uow_factory, clock, priya, case_history, incident)).view.events
    assert [(e.status, e.outcome, e.reason) for e in events] == [
        (Status.ACTIVE, None, ""),
        (Status.CLOSED, "No further action", REASON),
        (Status.ACTIVE, None, "new disclosure"),
    ]
    async with engine.connect() as connection:  # the reason is kept encrypted
        stored = [str(r) for r in (await connection.exec_driver_sql("SELECT * FROM case_events"))]
    assert not any("MARKER-reason" in row for row in stored)
    actions = await audit_actions(uow_factory, incident)
    assert actions.count("case.status_changed") == 3 and "case.history_viewed" in actions


async def test_staff_who_do_not_work_cases_are_refused_and_audited(case, uow_factory, clock):
    staff, incident = case
    for who in ("James Whitfield", "Aisha Khan", "Daniel Hughes"):
        with pytest.raises(NotAvailable):
            await assign(uow_factory, clock, staff[who], incident, staff[who].id, 1)
    assert (await audit_actions(uow_factory, incident)).count("access.refused") == 3
    view = await view_incident(
        staff["Aisha Khan"], incident, "personal", uow_factory=uow_factory, clock=clock
    )
    assert view.can_work is False


async def test_a_deputy_excluded_from_the_pupil_cannot_be_assigned(case, uow_factory, clock):
    staff, incident = case
    priya, tom = staff["Priya Raman"], staff["Tom Okafor"]
    await exclude(uow_factory, clock, priya, tom.id, 1, "relative")
    assert [s.id for s in await workers_of(uow_factory, clock, priya, incident)] == [priya.id]
    refused = await assign(uow_factory, clock, priya, incident, tom.id, 1)
    assert isinstance(refused, Invalid)
    assert refused.errors == {"staff": "Choose a colleague who works safeguarding cases."}
    assert [s.id for s in refused.view.workers] == [priya.id]  # the form again
    assert await rows(uow_factory, CaseEventRow, incident_id=incident) == []


def action_values(**changes) -> dict:
    return {"key": "action-0001", "text": ACTION, "categories": "6"} | changes


async def test_a_tagged_colleague_adds_an_action_that_shows_under_the_incident(
    case, uow_factory, clock, engine
):
    staff, incident = case
    aisha, priya = staff["Aisha Khan"], staff["Priya Raman"]
    draft = read_action_form(
        action_values(alert_staff=str(priya.id), agency="Social Care", time="09:15"),
        now=clock.now(),
        time_zone=ZONE,
    )
    # through her alert's grant
    added = await add_action_as(uow_factory, clock, aisha, incident, draft)
    assert added.alerted == 1
    again = await add_action_as(uow_factory, clock, aisha, incident, draft)  # a second press
    assert again.repeated and again.action_id == added.action_id
    [alert] = await rows(uow_factory, AlertRow, action_id=added.action_id)
    assert (alert.staff_id, alert.reason) == (priya.id, "tagged")
    view = await view_incident(priya, incident, "personal", uow_factory=uow_factory, clock=clock)
    [shown] = view.actions
    assert (shown.text, shown.agency, shown.recorded_by) == (ACTION, "Social Care", aisha.id)
    assert shown.happened_at == datetime.fromisoformat("2026-11-24T09:15:00+00:00")
    async with engine.connect() as connection:
        stored = [str(r) for r in (await connection.exec_driver_sql("SELECT * FROM actions"))]
    assert not any("MARKER-action" in row for row in stored)
    assert "action.added" in await audit_actions(uow_factory, incident)


async def test_an_action_cannot_be_dated_in_the_future_and_keeps_what_was_typed():
    now = datetime.fromisoformat("2026-11-24T10:50:00+00:00")
    with pytest.raises(InvalidInput) as invalid:
        read_action_form(action_values(date="2026-11-25", text=""), now=now, time_zone=ZONE)
    assert invalid.value.errors["date"].startswith("The action cannot be later than now")
    assert "text" in invalid.value.errors
    with pytest.raises(InvalidInput) as invalid:
        read_action_form(action_values(planner_date="2026-11-23"), now=now, time_zone=ZONE)
    assert set(invalid.value.errors) == {"planner_date", "planner_staff"}


async def test_add_to_planner_reminds_the_colleague_on_the_day_not_before(case, uow_factory, clock):
    staff, incident = case
    priya, tom = staff["Priya Raman"], staff["Tom Okafor"]
    values = action_values(planner_date="2026-11-30", planner_staff=str(tom.id))
    draft = read_action_form(values, now=clock.now(), time_zone=ZONE)
    added = await add_action_as(uow_factory, clock, priya, incident, draft)
    [reminder] = await rows(uow_factory, AlertRow, action_id=added.action_id, reason="reminder")
    assert reminder.staff_id == tom.id
    due = datetime.fromisoformat("2026-11-30T08:00:00+00:00")  # 08:00 in London in winter
    assert reminder.next_attempt_at.replace(tzinfo=due.tzinfo) == due
    board = (await press_as(uow_factory, clock, tom, show_dashboard, (0, 0, 0))).view
    assert board.alerts.total == 0  # not before its day
    [row] = await rows(uow_factory, ActionRow, id=added.action_id)
    assert (row.planner_date, row.planner_staff_id) == (date(2026, 11, 30), tom.id)


async def test_alerting_a_colleague_who_cannot_see_the_incident_asks_first(
    case, uow_factory, clock
):
    staff, incident = case
    priya, sarah = staff["Priya Raman"], staff["Sarah Lloyd"]
    draft = read_action_form(
        action_values(alert_staff=str(sarah.id)), now=clock.now(), time_zone=ZONE
    )
    with pytest.raises(ConfirmGrants) as confirm:
        await add_action_as(uow_factory, clock, priya, incident, draft)
    assert confirm.value.names == ("Sarah Lloyd",)
    confirmed = read_action_form(
        action_values(alert_staff=str(sarah.id), confirm=confirm.value.token),
        now=clock.now(),
        time_zone=ZONE,
    )
    await add_action_as(uow_factory, clock, priya, incident, confirmed)
    view = await view_incident(sarah, incident, "personal", uow_factory=uow_factory, clock=clock)
    assert view.facts.id == incident  # she can open it now, as with an incident alert


async def test_acting_on_a_case_acknowledges_ones_own_alert_about_it(case, uow_factory, clock):
    staff, incident = case
    aisha, priya = staff["Aisha Khan"], staff["Priya Raman"]
    draft = read_action_form(action_values(), now=clock.now(), time_zone=ZONE)
    await add_action_as(uow_factory, clock, aisha, incident, draft)
    [alert] = await rows(uow_factory, AlertRow, incident_id=incident, staff_id=aisha.id)
    assert alert.read_at is not None  # she acted on it: it leaves her dashboard
    async with uow_factory() as uow:  # the DSL is alerted too (say, by an escalation)
        await uow.incidents.queue_alert(
            QueuedAlert(1, incident, priya.id, aisha.id, "escalation", clock.now())
        )
        await uow.commit()
    await assign(uow_factory, clock, priya, incident, priya.id, 1)
    dsl_alerts = await rows(uow_factory, AlertRow, incident_id=incident, staff_id=priya.id)
    assert dsl_alerts and all(a.read_at is not None for a in dsl_alerts)  # the DSL team's
    assert (await audit_actions(uow_factory, incident)).count("alert.read") == 2


async def _beside_a_change_of_the_case(database_url, incident: int, alert: int, press):
    """`press` run while a change of the case, in another process, holds the incident's row
    and then marks the case's alerts stale (as `apply_event` does): the press must wait for
    the incident before it writes an alert (the other order deadlocks, and PostgreSQL ends one
    of the two after a second). Its outcome, once the change has committed."""
    other = create_engine(database_url)
    try:
        async with other.connect() as change:
            await change.execute(text("SET LOCAL lock_timeout = '5s'"))
            held = select(IncidentRow.id).where(IncidentRow.id == incident)
            await change.execute(held.with_for_update(key_share=True))
            pressing = asyncio.create_task(press)
            waiting = 0
            for _ in range(200):  # until the press waits on a lock (10 s at most)
                await change.execute(text("SELECT pg_stat_clear_snapshot()"))
                waiting = await change.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                        "current_database() AND wait_event_type = 'Lock'"
                    )
                )
                if waiting or pressing.done():
                    break
                await asyncio.sleep(0.05)
            assert waiting == 1 and not pressing.done()  # it waits for the case's incident
            await change.execute(update(AlertRow).where(AlertRow.id == alert).values(stale=True))
            await change.commit()
        return await asyncio.wait_for(pressing, 10)
    finally:
        await other.dispose()


@POSTGRESQL_ONLY
async def test_the_assignee_reading_her_alert_as_the_case_changes_waits_for_it(
    case, uow_factory, clock, database_url
):
    staff, incident = case
    priya, tom = staff["Priya Raman"], staff["Tom Okafor"]
    await assign(uow_factory, clock, tom, incident, priya.id, 1)  # she is alerted
    [alert] = await rows(uow_factory, AlertRow, incident_id=incident, staff_id=priya.id)
    assert (await rows(uow_factory, IncidentRow, id=incident))[0].assignee_alerted
    reading = press_as(uow_factory, clock, priya, acknowledge_alert, alert.id)
    done = await _beside_a_change_of_the_case(database_url, incident, alert.id, reading)
    assert isinstance(done, Done) and done.view.incident_id == incident
    [read] = await rows(uow_factory, AlertRow, id=alert.id)
    assert read.read_at is not None and read.stale  # her read and the change's mark, both kept
    assert not (await rows(uow_factory, IncidentRow, id=incident))[0].assignee_alerted


@POSTGRESQL_ONLY
async def test_the_assignee_adding_an_action_as_the_case_changes_waits_for_it(
    case, uow_factory, clock, database_url
):
    staff, incident = case
    priya, tom = staff["Priya Raman"], staff["Tom Okafor"]
    await assign(uow_factory, clock, tom, incident, priya.id, 1)
    [alert] = await rows(uow_factory, AlertRow, incident_id=incident, staff_id=priya.id)
    draft = read_action_form(action_values(), now=clock.now(), time_zone=ZONE)
    adding = add_action_as(uow_factory, clock, priya, incident, draft)
    await _beside_a_change_of_the_case(database_url, incident, alert.id, adding)
    [read] = await rows(uow_factory, AlertRow, id=alert.id)
    assert read.read_at is not None  # acting on the case read her alert
    assert len(await rows(uow_factory, ActionRow, incident_id=incident)) == 1
    assert not (await rows(uow_factory, IncidentRow, id=incident))[0].assignee_alerted


def test_an_outcome_without_closing_is_pointed_out_not_dropped():
    with pytest.raises(InvalidInput) as invalid:
        read_status_change({"status": "Active", "outcome": "Early help"}, Status.OPEN)
    assert invalid.value.errors == {
        "outcome": "An outcome closes the case: choose Closed, or leave the outcome empty."
    }


async def test_files_sent_after_adding_an_action_go_with_it(case, uow_factory, clock, files_dir):
    from safeguarding.files import IncomingFile

    staff, incident = case
    aisha, priya = staff["Aisha Khan"], staff["Priya Raman"]
    draft = read_action_form(action_values(), now=clock.now(), time_zone=ZONE)
    added = await add_action_as(uow_factory, clock, aisha, incident, draft)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    result = await attach_as(uow_factory, clock, aisha, [IncomingFile("minutes.pdf", pdf)])
    assert result is not None and not result.outcomes[0].refused  # she wrote the action
    view = await view_incident(priya, incident, "personal", uow_factory=uow_factory, clock=clock)
    [file] = view.attachments
    assert (file.name, file.action_id) == ("minutes.pdf", added.action_id)
    async with uow_factory() as uow:
        [kept] = [
            e.detail
            for e in await uow.audit.for_records(1, [("incident", incident)], 50)
            if e.action.value == "attachment.added"
        ]
    assert kept["action"] == added.action_id
