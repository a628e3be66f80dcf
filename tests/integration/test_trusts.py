"""A trust: two schools in one tenant (the demo's), over the real endpoint and the real sender.

A DSL of one school never finds, sees or is alerted about the other school's pupils; the
trust's DSL (Esther Adjei, a row in each school) works in one school at a time, switches with
`school`, and an alert from the other school reaches her one chat and opens in its own school.
"""

from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.adapter import create_adapter
from bot.cli import DEMO_SECOND_FILE
from bot.rates import MemorySendLog, SendLimits
from bot.sender import AlertSender
from bot.settings import Settings
from safeguarding.seed import parse_school_seed
from safeguarding.services.outbox import Outbox
from safeguarding.services.seeding import seed_school
from storage.models import (
    AlertRow,
    AuditEventRow,
    CategoryRow,
    IncidentRow,
    StaffRow,
    StudentRow,
    TriageChannelRow,
)
from tests.integration.test_triage_channel import poster, say_in_channel
from tests.support.activities import DSL_AAD, activity, as_user
from tests.support.pressing import all_text, nodes, press, say

ESTHER_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000009"  # the trust's DSL (demo/second-school.yaml)
RHYS_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000010"  # teaches only in the second school
TEACHER_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000003"  # James, the first school's
MARKER = "MARKER-trust: said someone at home frightens her"
NOT_AVAILABLE = "That record is not available."
NOT_SET_UP = "You are not set up in Kestrel."


@pytest.fixture
async def trust(running_bot, demo_school, uow_factory, clock, engine) -> dict[str, Any]:
    """The demo's second school seeded beside the first; a concern Rhys raised there about
    Tamsin (URGENT: the second school's DSL team, Esther, is alerted)."""
    seed = parse_school_seed(yaml.safe_load(DEMO_SECOND_FILE.read_text(encoding="utf-8")))
    second = await seed_school(seed, uow_factory=uow_factory, clock=clock, oldest=False)
    known = await _ids(engine, second.school_id)
    card = await press(
        running_bot,
        "incident.record",
        RHYS_AAD,
        form_key="trust-form-0001",
        student_id=str(known["tamsin"]),
        text=MARKER,
        categories=str(known["urgent"]),
    )
    assert "Recorded as K-" in all_text(card), all_text(card)
    async with engine.connect() as connection:
        known["incident"] = await connection.scalar(
            select(IncidentRow.id).where(IncidentRow.school_id == second.school_id)
        )
    return {**known, "first": demo_school.school_id, "second": second.school_id}


async def _ids(engine, school_id: int) -> dict[str, Any]:
    async with engine.connect() as connection:
        upns = dict((await connection.execute(select(StudentRow.upn, StudentRow.id))).all())
        category = select(CategoryRow.id).where(
            CategoryRow.school_id == school_id, CategoryRow.name == "URGENT"
        )
        return {
            "tamsin": upns["P930000000025"],
            "amara_boateng": upns["P930000000017"],
            "urgent": await connection.scalar(category),
        }


async def search(bot, aad: str, text: str, dataset: str = "students") -> list[str]:
    body = as_user(activity("invoke_application_search", bot.connector_url), aad)
    body["value"].update(queryText=text, dataset=dataset)
    response = await bot.post(body)
    return [r["title"] for r in (await response.json())["value"]["results"]]


def buttons(card: Any) -> list[dict[str, Any]]:
    return [n for n in nodes(card) if n.get("type") == "Action.Execute"]


def sender(uow_factory, clock) -> AlertSender:
    adapter = create_adapter(Settings(local=True))
    limits = SendLimits(MemorySendLog(), per_second=1000)
    return AlertSender(adapter, Outbox(uow_factory, clock), app_id="", limits=limits)


async def test_a_dsl_of_one_school_never_finds_sees_or_is_alerted_about_the_others(
    running_bot, trust, engine
):
    amaras = await search(running_bot, DSL_AAD, "amara")
    assert amaras and all(t.startswith("Amara Okafor") for t in amaras)
    assert await search(running_bot, DSL_AAD, "whitmore") == []
    found = await press(running_bot, "student.find", DSL_AAD, text="tamsin")
    assert "Whitmore" not in all_text(found)
    for forged in ({}, {"school": trust["first"]}):
        shown = await press(
            running_bot, "incident.show", DSL_AAD, incident=trust["incident"], **forged
        )
        assert NOT_AVAILABLE in all_text(shown) and MARKER not in all_text(shown)
    record = await press(running_bot, "student.show", DSL_AAD, student=trust["tamsin"])
    assert "Whitmore" not in all_text(record)
    board = await press(running_bot, "dashboard.show", DSL_AAD)
    assert f"K-{trust['incident']}" not in all_text(board)
    async with engine.connect() as connection:
        alerted = select(StaffRow.school_id).join(AlertRow, AlertRow.staff_id == StaffRow.id)
        assert set(await connection.scalars(alerted)) == {trust["second"]}
        priya = select(StaffRow.id).where(StaffRow.aad_object_id == DSL_AAD)
        alerts_to_priya = select(AlertRow.id).where(AlertRow.staff_id.in_(priya))
        assert list(await connection.scalars(alerts_to_priya)) == []


async def test_a_button_naming_a_school_that_is_not_theirs_is_refused_and_audited(
    running_bot, trust, engine
):
    card = await press(
        running_bot, "incident.show", DSL_AAD, incident=trust["incident"], school=trust["second"]
    )
    assert NOT_SET_UP in all_text(card) and MARKER not in all_text(card)
    garbled = await press(running_bot, "dashboard.show", DSL_AAD, school="2")
    assert NOT_SET_UP in all_text(garbled)
    # A typeahead on a form shown for the other school: its dataset names the school.
    assert await search(running_bot, DSL_AAD, "amara", f"students@{trust['second']}") == []
    async with engine.connect() as connection:
        refused = select(AuditEventRow.school_id, AuditEventRow.detail).where(
            AuditEventRow.action == "identity.refused"
        )
        events = (await connection.execute(refused)).all()
    assert (trust["second"], "not_in_school") in {(s, d["reason"]) for s, d in events}


async def test_the_trust_dsl_works_in_one_school_at_a_time_and_switches(running_bot, trust, engine):
    first = await press(running_bot, "dashboard.show", ESTHER_AAD)
    assert "My dashboard: Kestrel Demo Academy" in all_text(first)
    assert f"K-{trust['incident']}" not in all_text(first)
    assert all(b["data"]["school"] == trust["first"] for b in buttons(first))
    assert "Amara Boateng (Year 5, 5 Oak)" not in await search(running_bot, ESTHER_AAD, "amara")
    listed = await say(running_bot, "school", ESTHER_AAD)
    assert "Kestrel Demo Academy (working here)" in all_text(listed)
    [work_there] = buttons(listed)
    assert work_there["title"] == "Work in Kestrel Demo Primary"
    switched = await press(running_bot, "school.switch", ESTHER_AAD, **work_there["data"])
    assert "You now work in Kestrel Demo Primary." in all_text(switched)
    second = await press(running_bot, "dashboard.show", ESTHER_AAD)
    assert "My dashboard: Kestrel Demo Primary" in all_text(second)
    assert f"K-{trust['incident']}" in all_text(second)
    assert await search(running_bot, ESTHER_AAD, "amara") == ["Amara Boateng (Year 5, 5 Oak)"]
    first_form = await press(running_bot, "incident.add", ESTHER_AAD, school=trust["first"])
    [query] = [n for n in nodes(first_form) if n.get("type") == "Data.Query"]
    assert query["dataset"] == f"students@{trust['first']}"
    in_first = await search(running_bot, ESTHER_AAD, "amara", query["dataset"])
    assert in_first and all(t.startswith("Amara Okafor") for t in in_first)
    helped = await say(running_bot, "help", ESTHER_AAD)
    assert "You work in 2 schools" in all_text(helped)
    async with engine.connect() as connection:
        switches = select(AuditEventRow.school_id).where(AuditEventRow.action == "school.switched")
        assert sorted(await connection.scalars(switches)) == [trust["first"], trust["second"]]


async def test_one_school_colleagues_cards_and_commands_are_as_before(running_bot, trust):
    board = await press(running_bot, "dashboard.show", DSL_AAD)
    assert "My dashboard" in all_text(board) and "Kestrel Demo" not in all_text(board)
    assert all("school" not in b["data"] for b in buttons(board))
    alone = await say(running_bot, "school", RHYS_AAD)
    assert "You work in Kestrel Demo Primary only." in all_text(alone)
    assert "type school" not in all_text(await say(running_bot, "help", TEACHER_AAD))
    refused = await press(running_bot, "school.switch", RHYS_AAD, to=trust["first"])
    assert NOT_AVAILABLE in all_text(refused)


async def test_an_alert_from_the_other_school_reaches_the_trust_dsl_and_opens_there(
    running_bot, trust, uow_factory, clock
):
    # Esther's last press was in the first school: her one chat is kept for both her rows.
    await say(running_bot, "help", ESTHER_AAD)
    running_bot.connector.sent.clear()
    assert await sender(uow_factory, clock).run_once() == 1
    [sent] = running_bot.connector.sent
    assert sent.conversation_id == activity("message_help", "")["conversation"]["id"]
    [card] = running_bot.connector.cards()
    assert MARKER not in all_text(card) and "Whitmore" not in all_text(card)
    opens = next(b for b in buttons(card) if b["title"] == "Open")
    assert opens["data"]["school"] == trust["second"]
    shown = await press(running_bot, "incident.show", ESTHER_AAD, **opens["data"])
    assert MARKER in all_text(shown)
    assert all(b["data"]["school"] == trust["second"] for b in buttons(shown))
    # Her working school is still the first: a button naming none opens nothing of the second.
    plain = await press(running_bot, "incident.show", ESTHER_AAD, incident=trust["incident"])
    assert NOT_AVAILABLE in all_text(plain)


async def test_triage_here_chooses_the_channel_of_the_school_the_dsl_works_in(
    running_bot, trust, uow_factory, clock, engine
):
    listed = await say(running_bot, "school", ESTHER_AAD)
    [work_there] = buttons(listed)
    await press(running_bot, "school.switch", ESTHER_AAD, **work_there["data"])
    chosen = await say_in_channel(running_bot, "triage here", ESTHER_AAD)
    assert "Kestrel Demo Primary's triage channel" in all_text(chosen)
    async with engine.connect() as connection:
        chosen_for = set(await connection.scalars(select(TriageChannelRow.school_id)))
    assert chosen_for == {trust["second"]}
    card = await press(
        running_bot,
        "incident.record",
        RHYS_AAD,
        form_key="trust-form-0002",
        student_id=str(trust["amara_boateng"]),
        text=MARKER,
        categories=str(trust["urgent"]),
    )
    assert "Recorded as K-" in all_text(card)
    running_bot.connector.sent.clear()
    assert await poster(uow_factory, clock).run_once() == 1
    [stub] = running_bot.connector.cards()
    assert MARKER not in all_text(stub) and "Boateng" not in all_text(stub)
    assert {b["data"]["school"] for b in buttons(stub)} == {trust["second"]}


async def test_a_dialog_opened_from_a_card_of_the_other_school_records_there(running_bot, trust):
    body = as_user(activity("invoke_task_fetch", running_bot.connector_url), ESTHER_AAD)
    body["value"]["data"]["school"] = trust["second"]
    response = await running_bot.post(body)
    form = (await response.json())["task"]["value"]["card"]["content"]
    datasets = {n["dataset"] for n in nodes(form) if n.get("type") == "Data.Query"}
    assert f"students@{trust['second']}" in datasets and "students" not in datasets
    submits = [n for n in nodes(form) if n.get("type") == "Action.Submit"]
    assert submits and all(b["data"]["school"] == trust["second"] for b in submits)
