"""My dashboard on SQLite and PostgreSQL: three sections, paged, decided per line, audited."""

from datetime import timedelta

from sqlalchemy import insert, select

from cards.dashboard import dashboard_card
from cards.pupils import pupil_name
from safeguarding.dashboard import PAGE
from safeguarding.incident_form import read_form
from safeguarding.services.alerts import acknowledge_alert
from safeguarding.services.dashboard import show_dashboard
from storage.models import AlertRow, AuditEventRow
from tests.support.cards import assert_valid_card, button, texts
from tests.support.presses import press_as
from tests.support.scripted import record_as


async def staff_of(uow_factory) -> dict:
    async with uow_factory() as uow:
        return {s.display_name: s for s in await uow.staff.list(1)}


async def record(uow_factory, clock, who, key: str, category: int, **values) -> int:
    form = {"key": key, "student_id": "1", "text": "x", "categories": str(category), **values}
    draft = read_form(form, now=clock.now(), time_zone="Europe/London")
    return (await record_as(uow_factory, clock, who, draft)).incident_id


async def board(uow_factory, clock, who, offsets=(0, 0, 0)):
    return (await press_as(uow_factory, clock, who, show_dashboard, offsets)).view


async def test_alerts_assigned_and_history_each_open_their_incident(
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
    assert [line.incident_id for line in mine.assigned.lines] == [incident]
    assert mine.history.total == 0
    card = dashboard_card(mine, hide_names=True, time_zone="Europe/London")
    assert_valid_card(card)
    initials = pupil_name(alert.pupil, hide=True)
    [shown] = texts({"body": card["body"][2]["items"]})
    assert (
        shown == f"K-{incident} {initials}: Safeguarding (Open), 24/11 10:50, from James Whitfield"
    )
    assert card["body"][2]["selectAction"]["data"] == {"v": 1, "incident": incident}
    teachers = await board(uow_factory, clock, teacher)
    [line] = teachers.history.lines
    assert line.pupil is None  # he may record, not read: reference and status only
    async with uow_factory() as uow:
        events = list(
            await uow.session.scalars(
                select(AuditEventRow.detail).where(AuditEventRow.action == "dashboard.viewed")
            )
        )
    assert {"incidents": [incident]} in events


async def test_read_alerts_leave_and_a_large_backlog_pages_by_ten(
    demo_school, uow_factory, clock, engine
):
    staff = await staff_of(uow_factory)
    teacher, dsl = staff["James Whitfield"], staff["Priya Raman"]
    incident = await record(uow_factory, clock, teacher, "dashboard-2", 7)
    async with engine.begin() as connection:  # 25 unread alerts for the DSL
        await connection.execute(
            insert(AlertRow),
            [
                dict(
                    school_id=1,
                    incident_id=incident,
                    staff_id=dsl.id,
                    raised_by=teacher.id,
                    reason="tagged",
                    state="sent",
                    created_at=clock.now() - timedelta(minutes=n),
                )
                for n in range(25)
            ],
        )
    first = await board(uow_factory, clock, dsl)
    assert (len(first.alerts.lines), first.alerts.total, first.alerts.more) == (PAGE, 25, True)
    card = dashboard_card(first, hide_names=False, time_zone="Europe/London")
    assert button(card, "More alerts")["data"] == {"v": 1, "pages": [10, 0, 0]}
    last = await board(uow_factory, clock, dsl, (20, 0, 0))
    assert (len(last.alerts.lines), last.alerts.more) == (5, False)
    async with uow_factory() as uow:
        newest = list(await uow.session.scalars(select(AlertRow.id).order_by(AlertRow.id.desc())))[
            0
        ]
    await press_as(uow_factory, clock, dsl, acknowledge_alert, newest)
    assert (await board(uow_factory, clock, dsl)).alerts.total == 24
