"""My dashboard on SQLite and PostgreSQL: three sections, paged, decided per line, audited."""

import json
import re
from datetime import timedelta

from sqlalchemy import event, insert, select

from cards.dashboard import dashboard_card
from cards.pupils import pupil_name
from safeguarding.dashboard import PAGE
from safeguarding.incident_form import read_form
from safeguarding.services.alerts import acknowledge_alert
from safeguarding.services.casework import assign_case
from safeguarding.services.dashboard import show_dashboard
from storage.models import AlertRow, AuditEventRow, IncidentRow
from tests.support.cards import assert_valid_card, button, elements, texts
from tests.support.presses import press_as
from tests.support.scripted import record_as

ZONE = "Europe/London"


async def staff_of(uow_factory) -> dict:
    async with uow_factory() as uow:
        return {s.display_name: s for s in await uow.staff.list(1)}


async def record(uow_factory, clock, who, key: str, category: int, **values) -> int:
    form = {"key": key, "student_id": "1", "text": "x", "categories": str(category), **values}
    draft = read_form(form, now=clock.now(), time_zone="Europe/London")
    return (await record_as(uow_factory, clock, who, draft)).incident_id


async def board(uow_factory, clock, who, offsets=(0, 0, 0, 0)):
    return (await press_as(uow_factory, clock, who, show_dashboard, offsets)).view


async def test_each_incident_is_one_row_saying_why_and_opens_its_incident(
    demo_school, uow_factory, clock
):
    staff = await staff_of(uow_factory)
    teacher, dsl = staff["James Whitfield"], staff["Priya Raman"]
    # Safeguarding alerts the DSL team by default; the teacher assigns it to the DSL.
    incident = await record(uow_factory, clock, teacher, "dashboard-1", 9, assignee=str(dsl.id))
    mine = await board(uow_factory, clock, dsl)
    [alert] = mine.alerts.lines
    assert (alert.incident_id, alert.who) == (incident, "James Whitfield")
    assert alert.pupil is not None and alert.categories == ("Safeguarding",)
    assert alert.why == ("alerted by James Whitfield", "assigned to you")
    # One row per incident: alerted and assigned, it is listed once, under Alerts.
    assert (mine.assigned.total, mine.history.total, mine.new.total) == (0, 0, 0)
    card = dashboard_card(mine, hide_names=True, time_zone="Europe/London")
    assert_valid_card(card)
    initials = pupil_name(alert.pupil, hide=True)
    [row] = [b for b in card["body"] if b.get("selectAction")]
    shown, why = texts({"body": row["items"]})
    assert shown == f"K-{incident} {initials}: Safeguarding (Open), 24/11 10:50"
    assert why == "Alerted by James Whitfield; assigned to you"
    opens = {"v": 1, "incident": incident, "from": "dashboard"}  # the incident offers Back
    assert row["selectAction"]["data"] == opens
    [(title, data)] = [(a["title"], a["data"]) for a in row["items"][-1]["actions"]]
    assert (title, data) == ("Open", opens)  # a real button on each row
    await press_as(uow_factory, clock, dsl, acknowledge_alert, await newest_alert(uow_factory, dsl))
    read = await board(uow_factory, clock, dsl)  # read: it moves to My assigned
    assert read.alerts.total == 0
    assert [(line.incident_id, line.why) for line in read.assigned.lines] == [
        (incident, ("assigned to you",))
    ]
    teachers = await board(uow_factory, clock, teacher)
    [line] = teachers.history.lines
    assert line.pupil is None  # he may record, not read: reference and status only
    assert line.why == ("recorded by you",)
    async with uow_factory() as uow:
        events = list(
            await uow.session.scalars(
                select(AuditEventRow.detail).where(AuditEventRow.action == "dashboard.viewed")
            )
        )
    assert {"incidents": [incident]} in events


async def newest_alert(uow_factory, colleague) -> int:
    async with uow_factory() as uow:
        return await uow.session.scalar(
            select(AlertRow.id)
            .where(AlertRow.staff_id == colleague.id)
            .order_by(AlertRow.id.desc())
            .limit(1)
        )


async def test_read_alerts_leave_and_a_large_backlog_pages_by_ten_incidents(
    demo_school, uow_factory, clock, engine
):
    staff = await staff_of(uow_factory)
    teacher, dsl, deputy = staff["James Whitfield"], staff["Priya Raman"], staff["Tom Okafor"]
    incidents = [
        await record(uow_factory, clock, teacher, f"dashboard-2-{n}", 7, assignee=str(deputy.id))
        for n in range(25)
    ]
    # 26 unread alerts for the DSL: two on the last
    raised = [(i, teacher) for i in incidents] + [(incidents[-1], deputy)]
    await unread_alerts(
        engine, dsl, [(incident, raiser, n) for n, (incident, raiser) in enumerate(raised)], clock
    )
    first = await board(uow_factory, clock, dsl)
    assert (len(first.alerts.lines), first.alerts.total, first.alerts.more) == (PAGE, 25, True)
    top = first.alerts.lines[0]  # the incident alerted twice: one row, both colleagues named
    assert (top.incident_id, top.who) == (incidents[-1], "Tom Okafor")
    assert top.why == ("alerted by Tom Okafor", "alerted by James Whitfield")
    card = dashboard_card(first, hide_names=False, time_zone="Europe/London")
    assert button(card, "More alerts")["data"] == {"v": 1, "pages": [10, 0, 0, 0]}
    last = await board(uow_factory, clock, dsl, (20, 0, 0))
    assert (len(last.alerts.lines), last.alerts.more) == (5, False)
    await press_as(uow_factory, clock, dsl, acknowledge_alert, await newest_alert(uow_factory, dsl))
    assert (await board(uow_factory, clock, dsl)).alerts.total == 24


async def test_a_concern_that_alerts_nobody_heads_the_dsl_teams_new_concerns(
    demo_school, uow_factory, clock
):
    staff = await staff_of(uow_factory)
    teacher, dsl, deputy = staff["James Whitfield"], staff["Priya Raman"], staff["Tom Okafor"]
    # Pastoral alerts no group by default, and nobody is tagged: nobody is alerted.
    quiet = await record(uow_factory, clock, teacher, "dashboard-new-1", 7)
    later = await record(uow_factory, clock, teacher, "dashboard-new-2", 7)
    for lead in (dsl, deputy):
        mine = await board(uow_factory, clock, lead)
        assert mine.alerts.total == 0
        assert [line.incident_id for line in mine.new.lines] == [later, quiet]  # newest first
        assert all(line.workable and line.pupil is not None for line in mine.new.lines)
    assert (await board(uow_factory, clock, teacher)).new is None  # the DSL team's only
    card = dashboard_card(await board(uow_factory, clock, dsl), hide_names=False, time_zone=ZONE)
    assert_valid_card(card)
    # it heads the dashboard, under the import status
    assert texts(card)[1:3] == ["**Import status: Stale** (no import yet)", "**New concerns** (2)"]
    assign = [e for e in elements(card) if e.get("title") == "Assign to me"]
    assert [a["data"] for a in assign] == [
        {"v": 1, "incident": later, "ver": 1},
        {"v": 1, "incident": quiet, "ver": 1},
    ]
    await press_as(uow_factory, clock, dsl, assign_case, quiet, 1, None, True)
    assert [line.incident_id for line in (await board(uow_factory, clock, deputy)).new.lines] == [
        later
    ]


async def test_new_concerns_page_by_ten_and_more_keeps_the_other_sections(
    demo_school, uow_factory, clock
):
    staff = await staff_of(uow_factory)
    teacher, dsl = staff["James Whitfield"], staff["Priya Raman"]
    for n in range(12):
        await record(uow_factory, clock, teacher, f"dashboard-page-{n:02d}", 7)
    first = await board(uow_factory, clock, dsl)
    assert (len(first.new.lines), first.new.total, first.new.more) == (PAGE, 12, True)
    card = dashboard_card(first, hide_names=False, time_zone=ZONE)
    assert button(card, "More new concerns")["data"] == {"v": 1, "pages": [0, 0, 0, 10]}
    rest = await board(uow_factory, clock, dsl, (0, 0, 0, 10))
    assert (len(rest.new.lines), rest.new.more) == (2, False)


async def test_the_dashboard_command_answers_with_an_empty_dashboard_itself_else_a_button(
    running_bot, uow_factory, clock
):
    from tests.support.activities import TEACHER_AAD, activity, as_user

    async def say_dashboard() -> dict:
        body = as_user(
            activity("message_help", running_bot.connector_url, text="dashboard"), TEACHER_AAD
        )
        await running_bot.post(body)
        return running_bot.connector.cards()[-1]

    empty = await say_dashboard()  # nothing on it: nothing Teams should not keep, one press fewer
    assert texts(empty)[:2] == ["My dashboard", "**Alerts** (0)"]
    staff = await staff_of(uow_factory)
    await record(uow_factory, clock, staff["James Whitfield"], "dashboard-command-1", 7)
    stub = await say_dashboard()  # his history now names a pupil: a button opens it in place
    assert button(stub, "Open my dashboard")["verb"] == "dashboard.show"
    assert "**My history**" not in json.dumps(stub)


async def test_a_new_concern_that_also_alerted_the_dsl_is_one_row_under_new_concerns(
    demo_school, uow_factory, clock
):
    staff = await staff_of(uow_factory)
    teacher, dsl = staff["James Whitfield"], staff["Priya Raman"]
    # Peer on Peer alerts the DSL team by default, and nobody is assigned yet.
    incident = await record(uow_factory, clock, teacher, "dashboard-both-1", 8)
    mine = await board(uow_factory, clock, dsl)
    assert (mine.alerts.total, mine.assigned.total, mine.history.total) == (0, 0, 0)
    [line] = mine.new.lines
    assert (line.incident_id, line.why) == (
        incident,
        ("new: not yet assigned", "alerted by James Whitfield"),
    )
    card = dashboard_card(mine, hide_names=False, time_zone=ZONE)
    assert [b["title"] for b in elements(card) if b.get("type") == "Action.Execute"][:2] == [
        "Open",
        "Assign to me",
    ]
    # Once she has assigned it to herself it is her case, and no longer a new concern.
    await press_as(uow_factory, clock, dsl, assign_case, incident, 1, None, True)
    after = await board(uow_factory, clock, dsl)
    assert after.new.total == 0 and after.alerts.total == 0  # acting on it read her alert
    assert [(x.incident_id, x.why) for x in after.assigned.lines] == [
        (incident, ("assigned to you",))
    ]
    # The teacher who recorded it sees it once, in his history.
    theirs = await board(uow_factory, clock, teacher)
    assert [x.incident_id for x in theirs.history.lines] == [incident]


async def test_one_row_per_incident_by_its_newest_alert_however_many_alerts_come_before(
    demo_school, uow_factory, clock, engine
):
    # The walk over my unread alerts, newest first, reads further when one incident's many
    # alerts fill what it read (issue 16: never every alert grouped and sorted).
    staff = await staff_of(uow_factory)
    teacher, dsl, deputy = staff["James Whitfield"], staff["Priya Raman"], staff["Tom Okafor"]
    incidents = [
        await record(uow_factory, clock, teacher, f"dashboard-3-{n}", 7, assignee=str(deputy.id))
        for n in range(3)
    ]
    alerts = [(incidents[2], 400), (incidents[0], 300)] + [(incidents[1], n) for n in range(200)]
    # inserted oldest first: ids follow
    await unread_alerts(engine, dsl, [(i, teacher, m) for i, m in alerts], clock)
    mine = await board(uow_factory, clock, dsl)
    assert [line.incident_id for line in mine.alerts.lines] == [
        incidents[1],
        incidents[0],
        incidents[2],
    ]
    assert (mine.alerts.total, mine.alerts.more) == (3, False)


async def test_a_section_counts_to_a_hundred_then_says_more_and_still_pages_on(
    demo_school, uow_factory, clock, engine
):
    # Counting every row would grow with the school's history on every press (issue 16).
    staff = await staff_of(uow_factory)
    dsl, deputy = staff["Priya Raman"], staff["Tom Okafor"]
    async with engine.begin() as connection:  # 105 cases the DSL recorded, a colleague's now
        await connection.execute(
            insert(IncidentRow),
            [
                dict(
                    school_id=1,
                    recorded_by=dsl.id,
                    recorded_at=clock.now(),
                    happened_at=clock.now(),
                    time_zone=ZONE,
                    status="Active",
                    assignee_id=deputy.id,
                    agencies=[],
                    idempotency_key=f"counted-{n}",
                    text_ciphertext="never decrypted here",
                )
                for n in range(105)
            ],
        )
    fetched: list[int] = []

    def after(_conn, cursor, *_: object) -> None:
        fetched.append(len(cursor._rows or ()))

    event.listen(engine.sync_engine, "after_cursor_execute", after)
    try:
        first = await board(uow_factory, clock, dsl)
    finally:
        event.remove(engine.sync_engine, "after_cursor_execute", after)
    # Counted in the database: the page's rows come back, not the hundred and one counted.
    assert max(fetched) < 50
    assert (len(first.history.lines), first.history.total, first.history.more) == (10, 101, True)
    assert first.history.counted == "100+"
    card = dashboard_card(first, hide_names=False, time_zone=ZONE)
    assert "**My history** (100+)" in texts(card)
    past = await board(uow_factory, clock, dsl, (0, 0, 100, 0))
    assert (len(past.history.lines), past.history.total, past.history.more) == (5, 105, False)
    assert past.history.counted == "105"


async def unread_alerts(engine, dsl, alerts, clock) -> None:
    """Unread alerts for the DSL, inserted in this order: (incident, raised by, minutes ago)."""
    async with engine.begin() as connection:
        await connection.execute(
            insert(AlertRow),
            [
                dict(
                    school_id=1,
                    incident_id=incident,
                    staff_id=dsl.id,
                    raised_by=raiser.id,
                    reason="tagged",
                    state="sent",
                    created_at=clock.now() - timedelta(minutes=minutes),
                )
                for incident, raiser, minutes in alerts
            ],
        )


async def test_the_walks_limits_and_offsets_are_numbers_in_their_sql(
    demo_school, uow_factory, engine
):
    """So that PostgreSQL can keep one plan for the walks (storage/dashboard.py `_bound`): with
    them as parameters its plan for any values looked costlier than planning every time."""
    dsl = (await staff_of(uow_factory))["Priya Raman"]
    sql: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: sql.append(a[2]))
    async with uow_factory() as uow:
        for offsets in ((0, 0, 0, 0), (0, 10, 0, 20)):
            await uow.dashboard.board(
                dsl.id, dsl.school_id, leads=True, merging=True, offsets=offsets, limit=PAGE
            )
    first, second = [s for s in sql if s.startswith("WITH alerts_read")]
    # (SQLite's compiler gives a LIMIT with no OFFSET an `OFFSET ?` of its own, of 0)
    assert not re.search(r"LIMIT (\?|\$\d)|OFFSET \$\d", first + second)
    assert f"LIMIT {PAGE} OFFSET 0" in first and f"LIMIT {PAGE} OFFSET 20" in second
