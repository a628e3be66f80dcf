"""Casework over the real endpoint: Assign to me, Assign…, Change status, History, Add action.

Every request is a Teams-shaped Action.Execute invoke; every answer is the card that replaces the
incident card for that user only (an invoke response), and must be a valid card.
"""

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from safeguarding.casework import OUTCOMES
from safeguarding.incident_form import read_form
from storage.models import ActionRow, AlertRow, AuditEventRow, CaseEventRow, IncidentRow
from tests.integration.conftest import RunningBot
from tests.support.activities import DSL_AAD, TEACHER_AAD, activity, as_user
from tests.support.cards import assert_valid_card, button, buttons, choices, inputs, texts
from tests.support.scripted import record_as

MARKER = "MARKER-3f9a she said her brother hits her"
ACTION = "MARKER-action-7c21 phoned mum, meeting agreed for Friday"
REASON = "MARKER-reason-5e08 strategy discussion agreed no further action"
ZONE = "Europe/London"
TOM_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000002"
DANIEL_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000004"
NOT_AVAILABLE = ["Not available", "That record is not available."]
CASE_BUTTONS = {"Assign to me", "Assign…", "Change status", "History"}
# What no card may show: exception names, stack frames, driver or ORM text.
LEAK = re.compile(r"Traceback|Exception|Error\b|File \"|\.py\b|sqlalchemy|asyncpg|sqlite3")


@dataclass(frozen=True)
class Case:
    """A Pastoral concern recorded by James Whitfield; the demo staff ids by name."""

    incident: int
    staff: dict[str, int]


@pytest.fixture
async def case(demo_school, uow_factory, clock) -> Case:
    async with uow_factory() as uow:
        staff = {s.display_name: s for s in await uow.staff.list(demo_school.school_id)}
    values = {"key": "http-case-0001", "student_id": "1", "text": MARKER, "categories": "7"}
    draft = read_form(values, now=clock.now(), time_zone=ZONE)
    done = await record_as(uow_factory, clock, staff["James Whitfield"], draft)
    return Case(done.incident_id, {name: s.id for name, s in staff.items()})


async def press(bot: RunningBot, verb: str, aad: str = DSL_AAD, **data: Any) -> dict[str, Any]:
    """Action.Execute as `aad`: the card Teams shows in place of the pressed one."""
    body = as_user(activity("invoke_action_execute", bot.connector_url), aad)
    body["value"]["action"] = {"type": "Action.Execute", "verb": verb, "data": {"v": 1, **data}}
    response = await bot.post(body)
    assert response.status == 200, await response.text()
    answer = await response.json()
    assert (answer["statusCode"], answer["type"]) == (
        200,
        "application/vnd.microsoft.card.adaptive",
    )
    card = answer["value"]
    assert_valid_card(card)
    assert not LEAK.search(json.dumps(card, ensure_ascii=False)), card
    return card


def sent_back(card: dict[str, Any], title: str, **typed: Any) -> dict[str, Any]:
    """What Teams sends for a button: its data plus every input's value, as the user left them."""
    data = {k: v for k, v in button(card, title)["data"].items() if k != "v"}
    values = {i: e.get("value", "") for i, e in inputs(card).items()}
    return {**data, **values, **typed}


def facts_of(card: dict[str, Any]) -> dict[str, str]:
    """The title: value pairs of a card's FactSets (a later title wins)."""
    return {
        fact["title"]: fact["value"]
        for element in card["body"]
        if element["type"] == "FactSet"
        for fact in element["facts"]
    }


def fact_values(card: dict[str, Any]) -> list[str]:
    return [
        fact["value"]
        for element in card["body"]
        if element["type"] == "FactSet"
        for fact in element["facts"]
    ]


def error_after(card: dict[str, Any], input_id: str) -> str:
    """The warning shown right under an input ("" when there is none)."""
    body = card["body"]
    [at] = [i for i, e in enumerate(body) if e.get("id") == input_id]
    following = body[at + 1] if at + 1 < len(body) else {}
    return following.get("text", "") if following.get("color") == "Attention" else ""


def ver_of(card: dict[str, Any], title: str) -> int:
    return button(card, title)["data"]["ver"]


async def count(engine, model, **where: Any) -> int:
    async with engine.connect() as connection:
        query = select(func.count()).select_from(model).filter_by(**where)
        return await connection.scalar(query)


async def audit_actions(engine, incident: int) -> list[str]:
    async with engine.connect() as connection:
        query = (
            select(AuditEventRow.action)
            .where(AuditEventRow.record_type == "incident", AuditEventRow.record_id == incident)
            .order_by(AuditEventRow.id)
        )
        return list(await connection.scalars(query))


async def incident_row(engine, incident: int) -> tuple[int | None, int, str]:
    """(assignee, version, status) as stored."""
    async with engine.connect() as connection:
        query = select(IncidentRow.assignee_id, IncidentRow.version, IncidentRow.status).where(
            IncidentRow.id == incident
        )
        row = (await connection.execute(query)).one()
    return row.assignee_id, row.version, row.status


def assert_kept_out_of_chat(bot: RunningBot, *secrets: str) -> None:
    """Nothing sent to or updated in a conversation (what Teams would keep) holds these."""
    posted = json.dumps(
        [s.body for s in bot.connector.sent + bot.connector.updated], ensure_ascii=False
    )
    for secret in secrets:
        assert secret not in posted


async def test_the_dsl_opens_the_incident_with_the_case_buttons_at_its_version(running_bot, case):
    card = await press(running_bot, "incident.show", incident=case.incident)
    assert texts(card)[0] == f"Incident K-{case.incident}"
    assert MARKER in texts(card)
    assert [title for title, _ in buttons(card)][:8] == [
        "Add action",
        "Assign to me",
        "Assign…",
        "Change status",
        "Edit",
        "History",
        "Add linked student",
        "Move to another pupil",
    ]
    assert ("History", "case.history") in buttons(card)
    for title in ("Assign to me", "Assign…", "Change status", "Edit", "Move to another pupil"):
        assert button(card, title)["data"] == {"v": 1, "incident": case.incident, "ver": 1}
    assert button(card, "History")["data"] == {"v": 1, "incident": case.incident}
    assert button(card, "Add action")["data"] == {"v": 1, "incident": case.incident}
    assert facts_of(card)["Status"] == "Open"
    assert_kept_out_of_chat(running_bot, MARKER)


async def test_its_recorder_sees_the_status_only_and_a_viewer_no_case_buttons(
    running_bot, case, engine
):
    # James (staff) recorded it but may not read Pastoral records: the status, nothing to press.
    status = await press(running_bot, "incident.show", TEACHER_AAD, incident=case.incident)
    assert texts(status)[0] == f"Incident K-{case.incident}"
    assert facts_of(status) == {"Status": "Open"}
    assert "actions" not in status and MARKER not in json.dumps(status)
    # Replaying a DSL's button is refused plainly, and audited.
    refused = await press(running_bot, "case.assign", TEACHER_AAD, incident=case.incident, ver=1)
    assert texts(refused) == NOT_AVAILABLE
    assert "access.refused" in await audit_actions(engine, case.incident)
    assert (await incident_row(engine, case.incident))[:2] == (None, 1)
    # Daniel (viewer) reads it and may add an action, but does not work cases.
    viewer = await press(running_bot, "incident.show", DANIEL_AAD, incident=case.incident)
    assert MARKER in texts(viewer)
    titles = {title for title, _ in buttons(viewer)}
    assert "Add action" in titles and not titles & CASE_BUTTONS


async def test_assign_to_me_answers_with_the_card_at_the_next_version(running_bot, case, engine):
    opened = await press(running_bot, "incident.show", incident=case.incident)
    card = await press(running_bot, "case.assign", **sent_back(opened, "Assign to me"))
    assert texts(card)[:2] == [f"Incident K-{case.incident}", "Assigned to you."]
    assert "Assigned to Priya Raman" in texts(card)
    titles = {title for title, _ in buttons(card)}
    assert "Assign to me" not in titles and {"Assign…", "Change status", "History"} <= titles
    assert ver_of(card, "Assign…") == ver_of(card, "Change status") == 2
    priya = case.staff["Priya Raman"]
    assert await incident_row(engine, case.incident) == (priya, 2, "Open")
    assert await count(engine, AlertRow, incident_id=case.incident, reason="assigned") == 0
    assert await count(engine, CaseEventRow, incident_id=case.incident, assignee_id=priya) == 1
    assert "case.assigned" in await audit_actions(engine, case.incident)


async def test_assign_lists_the_dsl_team_and_alerts_the_colleague_chosen(running_bot, case, engine):
    opened = await press(running_bot, "incident.show", incident=case.incident)
    form = await press(running_bot, "case.assign_form", **sent_back(opened, "Assign…"))
    assert texts(form)[0] == f"Assign K-{case.incident}"
    tom = case.staff["Tom Okafor"]
    assert choices(form, "staff") == {
        "Priya Raman": str(case.staff["Priya Raman"]),
        "Tom Okafor": str(tom),
    }
    assert ver_of(form, "Assign") == 1

    wrong = await press(running_bot, "case.assign", **sent_back(form, "Assign", staff="abc"))
    assert texts(wrong) == [f"Assign K-{case.incident}", "Choose a colleague from the list."]
    assert error_after(wrong, "staff") == "Choose a colleague from the list."
    teacher = str(case.staff["James Whitfield"])  # not on the DSL team
    not_team = await press(running_bot, "case.assign", **sent_back(form, "Assign", staff=teacher))
    assert error_after(not_team, "staff") == "Choose a colleague who works safeguarding cases."
    assert await count(engine, CaseEventRow, incident_id=case.incident) == 0

    done = await press(running_bot, "case.assign", **sent_back(form, "Assign", staff=str(tom)))
    assert texts(done)[:2] == [f"Incident K-{case.incident}", "Assigned to Tom Okafor."]
    assert "Assigned to Tom Okafor" in texts(done)
    assert ver_of(done, "Assign to me") == 2  # Priya may still take it herself
    assert await incident_row(engine, case.incident) == (tom, 2, "Open")
    async with engine.connect() as connection:
        alerts = (
            await connection.execute(
                select(AlertRow.staff_id, AlertRow.raised_by).filter_by(
                    incident_id=case.incident, reason="assigned"
                )
            )
        ).all()
    assert [tuple(a) for a in alerts] == [(tom, case.staff["Priya Raman"])]
    assert (await audit_actions(engine, case.incident)).count("case.assigned") == 1
    assert_kept_out_of_chat(running_bot, MARKER)


async def test_a_stale_assign_to_me_is_told_who_was_first_and_changes_nothing(
    running_bot, case, engine
):
    opened = await press(running_bot, "incident.show", TOM_AAD, incident=case.incident)
    stale = button(opened, "Assign to me")["data"]  # Tom's card, still at version 1
    await press(running_bot, "case.assign", incident=case.incident, ver=1)  # Priya is first
    answer = await press(running_bot, "case.assign", TOM_AAD, **stale)
    assert texts(answer)[:2] == [
        f"Incident K-{case.incident}",
        "Already assigned to Priya Raman by Priya Raman at 10:50 on 24 Nov.",
    ]
    assert "Assigned to Priya Raman" in texts(answer)
    assert ver_of(answer, "Assign to me") == 2  # the current card: he may take it knowingly
    priya = case.staff["Priya Raman"]
    assert await incident_row(engine, case.incident) == (priya, 2, "Open")
    assert await count(engine, CaseEventRow, incident_id=case.incident) == 1
    assert await count(engine, AlertRow, incident_id=case.incident, reason="assigned") == 0
    # His other buttons on the old card are caught the same way.
    for verb in ("case.assign_form", "case.status_form"):
        again = await press(running_bot, verb, TOM_AAD, incident=case.incident, ver=1)
        assert texts(again)[1] == (
            "Already assigned to Priya Raman by Priya Raman at 10:50 on 24 Nov."
        )


async def test_closing_keeps_what_was_typed_until_complete_then_shows_in_the_history(
    running_bot, case, engine
):
    opened = await press(running_bot, "incident.show", incident=case.incident)
    form = await press(running_bot, "case.status_form", **sent_back(opened, "Change status"))
    assert texts(form)[:2] == [f"Change status of K-{case.incident}", "The case is Open."]
    assert choices(form, "status") == {"Active (being worked)": "Active", "Closed": "Closed"}
    assert list(choices(form, "outcome")) == list(OUTCOMES)
    assert ver_of(form, "Save") == 1

    no_outcome = await press(
        running_bot, "case.status", **sent_back(form, "Save", status="Closed", reason=REASON)
    )
    kept = inputs(no_outcome)
    assert (kept["status"]["value"], kept["reason"]["value"]) == ("Closed", REASON)
    assert error_after(no_outcome, "outcome") == "Choose the outcome."
    assert "Give the reason for this decision." not in texts(no_outcome)
    assert "Nothing has changed yet: please check the fields marked below." in texts(no_outcome)

    nothing = await press(running_bot, "case.status", **sent_back(form, "Save", status="Closed"))
    assert inputs(nothing)["status"]["value"] == "Closed"
    assert error_after(nothing, "outcome") == "Choose the outcome."
    assert error_after(nothing, "reason") == "Give the reason for this decision."
    assert ver_of(nothing, "Save") == 1
    assert await incident_row(engine, case.incident) == (None, 1, "Open")

    complete = sent_back(
        no_outcome, "Save", status="Closed", outcome="No further action", reason=REASON
    )
    closed = await press(running_bot, "case.status", **complete)
    assert texts(closed)[:2] == [f"Incident K-{case.incident}", "Status changed to Closed."]
    assert facts_of(closed)["Status"] == "Closed"
    assert facts_of(closed)["Outcome"] == "No further action"
    assert ver_of(closed, "Change status") == 2
    assert await incident_row(engine, case.incident) == (None, 2, "Closed")

    reopen = await press(running_bot, "case.status_form", **sent_back(closed, "Change status"))
    assert choices(reopen, "status") == {"Reopen (Active)": "Active"}

    history = await press(running_bot, "case.history", **sent_back(closed, "History"))
    assert texts(history) == [f"History of K-{case.incident}", f"Reason: {REASON}"]
    assert fact_values(history) == [
        "Recorded by James Whitfield (version 1)",
        "Status Closed, outcome: No further action, by Priya Raman (version 2)",
    ]
    assert button(history, "Back to the incident")["verb"] == "incident.show"
    actions = await audit_actions(engine, case.incident)
    assert actions.count("case.status_changed") == 1 and "case.history_viewed" in actions
    assert_kept_out_of_chat(running_bot, MARKER, REASON)


async def test_a_stale_status_form_with_a_mistake_is_still_told_who_changed_the_case_first(
    running_bot, case, engine
):
    """Priya's Change status form showed Open (version 1); Tom closes the case meanwhile; she
    presses Save with Closed but no outcome. She must learn that Tom closed it, as every other
    out-of-date card does, not get a form that now says "Choose Active." and carries the new
    version (whose next Save would reopen his decision without her ever being told of it)."""
    opened = await press(running_bot, "incident.show", incident=case.incident)
    form = await press(running_bot, "case.status_form", **sent_back(opened, "Change status"))
    close = {"status": "Closed", "outcome": "Early help", "reason": REASON}
    await press(running_bot, "case.status", TOM_AAD, incident=case.incident, ver=1, **close)
    answer = await press(running_bot, "case.status", **sent_back(form, "Save", status="Closed"))
    assert "Already marked Closed by Tom Okafor at 10:50 on 24 Nov." in texts(answer)
    assert "Choose Active." not in texts(answer)
    assert await incident_row(engine, case.incident) == (None, 2, "Closed")


async def test_add_action_keeps_everything_typed_and_saves_once(running_bot, case, engine):
    opened = await press(running_bot, "incident.show", incident=case.incident)
    form = await press(running_bot, "action.form", **sent_back(opened, "Add action"))
    assert texts(form)[0] == f"Add action to K-{case.incident}"
    save = button(form, "Save action")["data"]
    assert save["incident"] == case.incident and re.fullmatch(
        r"[A-Za-z0-9_-]{8,64}", save["form_key"]
    )
    assert set(inputs(form)) == {
        "text",
        "categories",
        "planner_date",
        "planner_staff",
        "agency",
        "date",
        "time",
        "alert_staff",
        "alert_groups",
    }
    assert (inputs(form)["date"]["value"], inputs(form)["time"]["value"]) == ("2026-11-24", "10:50")

    tom = str(case.staff["Tom Okafor"])
    typed = {
        "categories": "6",
        "agency": "Police",
        "planner_date": "2026-11-30",
        "planner_staff": tom,
        "date": "2026-11-25",
        "time": "09:15",
        "alert_staff": tom,
    }
    wrong = await press(
        running_bot, "action.add", **sent_back(form, "Save action", text="", **typed)
    )
    kept = inputs(wrong)
    assert {name: kept[name].get("value") for name in typed} == typed
    assert button(wrong, "Save action")["data"]["form_key"] == save["form_key"]
    assert error_after(wrong, "text") == "Say what was done (who, what, and what was decided)."
    assert error_after(wrong, "date") == (
        "The action cannot be later than now (24/11/2026 10:50). Check the date and time."
    )
    assert "Nothing is saved yet: please check the fields marked below." in texts(wrong)
    assert await count(engine, ActionRow, incident_id=case.incident) == 0

    fixed = sent_back(wrong, "Save action", text=ACTION, date="2026-11-24")
    added = await press(running_bot, "action.add", **fixed)
    assert texts(added)[:2] == [
        f"Incident K-{case.incident}",
        "Action added. 1 colleague will be alerted. Files you send me in the next 15 minutes "
        "go with it.",
    ]
    listed = texts(added)[texts(added).index("**Actions**") :]
    assert listed == [
        "**Actions**",
        "24/11/2026 09:15 by Priya Raman",
        ACTION,
        "Parental Contact · Agency: Police · Planner: Tom Okafor on 30/11/2026",
    ]
    again = await press(running_bot, "action.add", **fixed)  # a second press of Save action
    assert texts(again)[1] == "This action was saved already."
    assert texts(again).count(ACTION) == 1
    assert await count(engine, ActionRow, incident_id=case.incident) == 1
    assert (await audit_actions(engine, case.incident)).count("action.added") == 1
    assert await count(engine, AlertRow, incident_id=case.incident, reason="tagged") == 1
    assert await count(engine, AlertRow, incident_id=case.incident, reason="reminder") == 1
    assert_kept_out_of_chat(running_bot, MARKER, ACTION)


async def test_alerting_a_colleague_who_cannot_see_it_is_confirmed_on_the_form_first(
    running_bot, case, engine
):
    form = await press(running_bot, "action.form", incident=case.incident)
    sarah = str(case.staff["Sarah Lloyd"])
    typed = sent_back(form, "Save action", text=ACTION, alert_staff=sarah)
    asked = await press(running_bot, "action.add", **typed)
    assert (
        "Alerting Sarah Lloyd lets them see this incident, which they cannot see otherwise. "
        "Kestrel records that access and the DSL can withdraw it. "
        "Press Save action again to go ahead, or change who is alerted."
    ) in texts(asked)
    assert inputs(asked)["text"]["value"] == ACTION
    assert await count(engine, ActionRow, incident_id=case.incident) == 0
    confirmed = await press(running_bot, "action.add", **sent_back(asked, "Save action"))
    assert texts(confirmed)[1].startswith("Action added. 1 colleague will be alerted.")
    assert "access.granted" in await audit_actions(engine, case.incident)


# A button's ids that are not whole numbers: the verb and its data besides the incident id.
NOTICES = {
    "a word as the version": ("case.assign", {"ver": "x"}),
    "no version": ("case.assign", {}),
    "true as the version": ("case.assign", {"ver": True}),
    "a version as text on Assign…": ("case.assign_form", {"ver": "1"}),
    "a list as the version on Change status": ("case.status_form", {"ver": [1]}),
    "a fraction as the version on Save": ("case.status", {"ver": 1.0, "status": "Active"}),
}


@pytest.mark.parametrize("what", sorted(NOTICES))
async def test_malformed_case_data_gets_a_plain_notice(running_bot, case, engine, what):
    verb, data = NOTICES[what]
    card = await press(running_bot, verb, incident=case.incident, **data)
    assert texts(card) == NOT_AVAILABLE
    assert buttons(card) == [("Help", "help")]
    assert await incident_row(engine, case.incident) == (None, 1, "Open")


@pytest.mark.parametrize(
    "verb, data",
    [
        ("case.history", {"incident": "1"}),
        ("action.form", {"incident": None}),
        ("action.add", {"incident": "1", "text": ACTION, "key": "http-action-0001"}),
        ("action.add", {"text": ACTION, "key": "http-action-0002"}),
    ],
)
async def test_an_incident_that_is_not_an_id_gets_a_plain_notice(
    running_bot, case, engine, verb, data
):
    assert texts(await press(running_bot, verb, **data)) == NOT_AVAILABLE
    assert await count(engine, ActionRow) == 0


async def test_malformed_form_values_come_back_on_the_form_with_a_message(
    running_bot, case, engine
):
    bogus = await press(
        running_bot, "case.status", incident=case.incident, ver=1, status="Bogus", reason=REASON
    )
    assert error_after(bogus, "status") == "Choose Active or Closed."
    assert inputs(bogus)["reason"]["value"] == REASON
    odd = await press(
        running_bot,
        "case.status",
        incident=case.incident,
        ver=1,
        status=["Closed"],
        outcome={"pick": 1},
        reason=5,
    )
    assert error_after(odd, "status") == "Choose Active or Closed."
    assert await incident_row(engine, case.incident) == (None, 1, "Open")

    form = await press(running_bot, "action.form", incident=case.incident)
    times = await press(
        running_bot, "action.add", **sent_back(form, "Save action", text=ACTION, time="25:00")
    )
    assert error_after(times, "time") == "Enter the time as hours and minutes (for example 14:30)."
    assert inputs(times)["text"]["value"] == ACTION
    unknown = await press(
        running_bot, "action.add", **sent_back(form, "Save action", text=ACTION, categories="999")
    )
    assert error_after(unknown, "categories") == "Choose categories from the list."
    keyless = await press(
        running_bot, "action.add", incident=case.incident, text=ACTION, key="", categories=[6]
    )
    assert texts(keyless)[1] == "This form is out of date. Please open Add action again."
    assert inputs(keyless)["text"]["value"] == ACTION
    assert await count(engine, ActionRow) == 0


async def test_an_incident_id_too_large_for_the_database_is_answered_with_a_notice(
    running_bot, case, engine
):
    """Never a 500 nor exception text (press checks both), even for an id no column can hold."""
    for verb, data in (
        ("case.assign", {"ver": 1}),
        ("case.history", {}),
        ("action.form", {}),
    ):
        card = await press(running_bot, verb, incident=10**20, **data)
        assert card["body"][0]["type"] == "TextBlock" and not inputs(card)
        assert buttons(card) == [("Help", "help")]
    assert await count(engine, CaseEventRow) == 0


async def test_an_incident_opened_from_the_dashboard_offers_back_to_it(running_bot, case):
    opened = await press(
        running_bot, "incident.show", incident=case.incident, **{"from": "dashboard"}
    )
    assert button(opened, "Back to dashboard")["verb"] == "dashboard.show"
    plain = await press(running_bot, "incident.show", incident=case.incident)
    assert "Back to dashboard" not in [a["title"] for a in plain["actions"]]
