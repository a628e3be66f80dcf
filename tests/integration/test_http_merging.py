"""A pupil added by hand ("New student") is merged into the roster's pupil over HTTP: from the
dashboard or their record, with the suggested namesakes; every incident, link, category, action,
attachment and exclusion moves, History and both audit trails say so, nothing is lost."""

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from safeguarding.case_actions import ActionDraft
from safeguarding.files import IncomingFile
from safeguarding.incident_form import read_form
from storage.models import (
    AuditEventRow,
    CaseEventRow,
    ExclusionRow,
    IncidentCategoryRow,
    IncidentStudentRow,
    IncidentVersionRow,
    StudentNameTokenRow,
    StudentRow,
)
from tests.integration.test_http_files import PDF
from tests.support.activities import DSL_AAD, TEACHER_AAD
from tests.support.cards import texts
from tests.support.pressing import press as press_as
from tests.support.scripted import add_action_as, attach_as, record_as

ADMIN_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000005"
TEXT = "MARKER-merge he said it happened on the bus"
SAM_8B, SAM_11A = "K930000522654", "K930000530573"
PASTORAL, PEER = 7, 8


async def press(bot, verb: str, aad: str = DSL_AAD, **data: Any) -> dict[str, Any]:
    """Action.Execute as `aad` (the DSL unless said): the card that answers (validated)."""
    return await press_as(bot, verb, aad, **data)


def buttons(card: dict) -> list[dict]:
    """Every Action.Execute in the card (body and actions)."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def button(card: dict, title_start: str) -> dict:
    [found] = [b for b in buttons(card) if b["title"].startswith(title_start)]
    return {k: v for k, v in found["data"].items() if k != "v"} | {"verb": found["verb"]}


async def follow(bot, card: dict, title_start: str, aad: str = DSL_AAD) -> dict:
    data = button(card, title_start)
    return await press(bot, data.pop("verb"), aad, **data)


@pytest.fixture
async def added_by_hand(running_bot, uow_factory, clock, files_dir) -> dict:
    """James records a concern about a new student, Sam Taylor (Year 8, born 27/07/2014),
    with Amara linked, a file; the DSL adds an action and bars Tom (a deputy) from the new
    pupil."""
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(1)}
    values = {
        "key": "merge-0001",
        "new_student": "true",
        "new_first": "Sam",
        "new_last": "Taylor",
        "new_year": "8",
        "new_dob": "2014-07-27",
        "text": TEXT,
        "categories": str(PASTORAL),
        "linked": [1],
        "linked_1_categories": str(PEER),
    }
    draft = read_form(values, now=clock.now(), time_zone="Europe/London", year_groups=range(7, 14))
    james = staff["James Whitfield"]
    incident = (await record_as(uow_factory, clock, james, draft)).incident_id
    await attach_as(uow_factory, clock, james, [IncomingFile("statement.pdf", PDF)])
    action = ActionDraft("merge-action-1", "MARKER-merge-action phoned home", clock.now(), "UTC")
    await add_action_as(uow_factory, clock, staff["Priya Raman"], incident, action)
    async with uow_factory() as uow:
        pupils = {s.upn: s for s in await uow.students.roster(1)}
        provisional = next(s for s in pupils.values() if s.provisional)
        await uow.access.add_exclusion(
            1,
            staff["Tom Okafor"].id,
            provisional.id,
            "relative",
            staff["Priya Raman"].id,
            clock.now(),
        )
        await uow.commit()
    return {"incident": incident, "provisional": provisional.id, "sam": pupils[SAM_8B].id}


async def test_the_dsl_merges_from_the_dashboard_and_everything_moves(
    running_bot, engine, added_by_hand
):
    incident, provisional, sam = (added_by_hand[k] for k in ("incident", "provisional", "sam"))
    board = await press(running_bot, "dashboard.show")
    assert "1 pupil added by hand waits to be merged into the roster's." in texts(board)
    waiting = await follow(running_bot, board, "Review pupils added by hand")
    form = await follow(running_bot, waiting, "Sam Taylor (new, not yet confirmed)")
    assert "Incidents" in str(form) and TEXT not in str(form)
    suggested = [b["title"] for b in buttons(form) if b["data"].get("into")]
    assert suggested == ["Sam Taylor, Year 8, 8B, born 27/07/2014"]  # not the Year 11 Sam
    confirm = await follow(running_bot, form, "Sam Taylor, Year 8, 8B")
    merged = await follow(running_bot, confirm, "Merge")
    assert any(
        t.startswith("Sam Taylor (new, not yet confirmed) is now Sam Taylor: 1 incident")
        for t in texts(merged)
    )

    async with engine.connect() as connection:
        on_it = (await connection.execute(select(IncidentStudentRow))).all()
        categories = set(
            (
                await connection.execute(
                    select(IncidentCategoryRow.student_id, IncidentCategoryRow.category_id)
                )
            ).all()
        )
        excluded = set(await connection.scalars(select(ExclusionRow.student_id)))
        row = (
            await connection.execute(select(StudentRow).where(StudentRow.id == provisional))
        ).one()
        tokens = await connection.scalar(
            select(StudentNameTokenRow.token).where(StudentNameTokenRow.student_id == provisional)
        )
        event = (await connection.execute(select(CaseEventRow))).one()
        kept = (await connection.execute(select(IncidentVersionRow))).one()
        merged_for = set(
            await connection.scalars(
                select(AuditEventRow.record_id).where(AuditEventRow.action == "student.merged")
            )
        )
    assert {(r.student_id, r.linked) for r in on_it} == {(sam, False), (1, True)}
    assert categories == {(sam, PASTORAL), (1, PEER)}
    assert excluded == {sam} and row.merged_into == sam and tokens is None
    assert (event.kind, event.version, event.detail) == (
        "moved",
        2,
        {"from": provisional, "to": sam, "merged": True},
    )
    assert {p["student"] for p in kept.pupils} == {provisional, 1}  # as it was, kept
    assert merged_for == {provisional, sam}

    record = await follow(running_bot, merged, "Open the record")
    assert f"Open K-{incident} (Open)" in [b["title"] for b in buttons(record)]
    assert "statement.pdf" in str(record)
    assert "(2 entries, oldest first)" in str(record)  # the incident and its action
    assert "MARKER-merge-action phoned home" in str(record)
    history = await press(running_bot, "case.history", incident=incident)
    merge_line = "Sam Taylor (new, not yet confirmed) merged into the roster's Sam Taylor"
    assert merge_line in str(history)
    report = await press(running_bot, "student.audit", student=sam)
    words = " ".join(texts(report))
    assert "added the pupil as a new student" in words
    assert "merged the pupil added by hand into the roster's" in words


async def test_the_provisional_pupils_record_offers_the_merge_and_after_it_points_to_the_roster(
    running_bot, added_by_hand
):
    provisional, sam = added_by_hand["provisional"], added_by_hand["sam"]
    record = await press(running_bot, "student.show", student=provisional)
    assert "Added by hand: not on the roster yet." in texts(record)
    form = await follow(running_bot, record, "Merge into the roster's pupil")
    found = await press(
        running_bot, "student.merge_form", student=provisional, merge_query="taylor"
    )
    assert {b["title"] for b in buttons(found) if b["data"].get("into")} >= {
        "Sam Taylor, Year 8, 8B, born 27/07/2014",
        "Sam Taylor, Year 11, 11A, born 10/12/2010",
        "Maya Taylor, Year 8, 8A, born 21/01/2014",
    }
    assert "Find the pupil on the roster by name" in str(form)
    await press(running_bot, "student.merge", student=provisional, into=sam)
    after = await press(running_bot, "student.show", student=provisional)
    assert "Merged into the roster's pupil: their record has everything now." in texts(after)
    assert button(after, "Open the roster's record")["student"] == sam
    waiting = await press(running_bot, "student.provisional")
    assert "None wait: every pupil is on the roster." in texts(waiting)


async def test_an_administrator_merges_without_seeing_any_record(running_bot, added_by_hand):
    provisional, sam = added_by_hand["provisional"], added_by_hand["sam"]
    board = await press(running_bot, "dashboard.show", ADMIN_AAD)
    assert "Review pupils added by hand" in [b["title"] for b in buttons(board)]
    form = await press(running_bot, "student.merge_form", ADMIN_AAD, student=provisional, into=sam)
    merged = await follow(running_bot, form, "Merge", ADMIN_AAD)
    shown = str(board) + str(form) + str(merged)
    assert "MARKER" not in shown and "Open the record" not in shown
    assert texts(merged)[0] == "Merged"
    refused = await press(running_bot, "student.show", ADMIN_AAD, student=sam)
    assert "That record is not available." in texts(refused)


async def test_a_merge_into_a_pupil_not_on_the_roster_or_of_a_roster_pupil_is_refused(
    running_bot, uow_factory, added_by_hand
):
    provisional, sam = added_by_hand["provisional"], added_by_hand["sam"]
    again = await press(running_bot, "student.merge", student=provisional, into=provisional)
    assert "That pupil is not on the roster: choose another." in texts(again)
    none = await press(running_bot, "student.merge", student=provisional)
    assert "Choose the roster's pupil to merge into." in texts(none)
    roster = await press(running_bot, "student.merge", student=sam, into=1)
    assert "That record is not available." in texts(roster)
    tom = "4f1c6a0e-1d2b-4c3a-9b8e-000000000002"  # a deputy DSL, barred from the new pupil
    assert "That record is not available." in texts(
        await press(running_bot, "student.merge_form", tom, student=provisional)
    )
    async with uow_factory() as uow:
        assert (await uow.students.by_id(1, provisional)).merged_into is None


async def test_a_provisional_pupil_linked_to_an_incident_their_roster_self_is_on_becomes_one_row(
    running_bot, uow_factory, clock, engine, added_by_hand
):
    provisional, sam = added_by_hand["provisional"], added_by_hand["sam"]
    async with uow_factory() as uow:
        james = next(s for s in await uow.staff.list(1) if s.display_name == "James Whitfield")
    values = {"key": "merge-0002", "student_id": str(sam), "text": "x", "categories": str(PASTORAL)}
    values |= {"linked": [provisional], f"linked_{provisional}_categories": str(PEER)}
    values |= {f"linked_{provisional}_monitoring": "true"}
    draft = read_form(values, now=clock.now(), time_zone="Europe/London")
    both = (await record_as(uow_factory, clock, james, draft)).incident_id
    await press(running_bot, "student.merge", student=provisional, into=sam)
    async with engine.connect() as connection:
        rows = (
            await connection.execute(
                select(IncidentStudentRow).where(IncidentStudentRow.incident_id == both)
            )
        ).all()
        categories = set(
            await connection.scalars(
                select(IncidentCategoryRow.category_id).where(
                    IncidentCategoryRow.incident_id == both
                )
            )
        )
    assert [(r.student_id, r.linked, r.monitoring) for r in rows] == [(sam, False, True)]
    assert categories == {PASTORAL, PEER}


async def test_a_teacher_may_record_a_new_students_date_of_birth_but_not_a_future_one(
    running_bot, engine
):
    new = await press(running_bot, "incident.form", TEACHER_AAD, form_key="merge-form-1", op="new")
    assert "new_dob" in str(new)
    sent = {
        "form_key": "merge-form-0001",
        "new_student": "true",
        "new_first": "Ada",
        "new_last": "Lark",
        "new_year": "7",
        "text": "x",
        "categories": str(PASTORAL),
    }
    future = date(2031, 1, 1).isoformat()
    refused = await press(running_bot, "incident.record", TEACHER_AAD, **sent, new_dob=future)
    assert "The date of birth cannot be in the future." in texts(refused)
    recorded = await press(
        running_bot, "incident.record", TEACHER_AAD, **sent, new_dob="2015-02-01"
    )
    assert texts(recorded)[1].startswith("Recorded as K-1. Nobody was alerted")
    async with engine.connect() as connection:
        born = await connection.scalar(
            select(StudentRow.date_of_birth).where(StudentRow.provisional.is_(True))
        )
    assert born == date(2015, 2, 1)
