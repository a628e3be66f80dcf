"""Casework end to end: the DSL opens an alert, takes the case, adds an action and closes it.

The teacher James Whitfield records a Pastoral concern about Kwame Demir and alerts the DSL Priya
(the Playground's current user), through the Add incident dialog as in test_playground_alerts.
Her alert arrives in her 1:1 chat; every button she presses from then on is pressed on that alert
message, and each answer (an invoke response, for her alone) is the card she sees in its place:
Open, Assign to me, Add action (with a planner date for Tom Okafor), Change status to Closed with
an outcome and a reason, History (recorded, assigned, closed with the reason), and the Pupil
record, whose chronology has the incident, its assignment, the action and the closing decision
with its reason, in the order they happened. Form buttons are
sent as Teams sends an Action.Execute: the button's data with the card's inputs written over it
(OpenForm). Meanwhile every message the bot posts or updates (what Teams keeps: the alert, its
refreshed stubs) is kept, and none may carry the text.
"""

import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from tests.e2e.conftest import E2EStack
from tests.e2e.playground import Json, Playground, only_card
from tests.e2e.test_playground_alerts import OpenDialog, _alert_about
from tests.e2e.test_playground_incident import (
    ChatEvents,
    OpenForm,
    _choice,
    _elements,
    _eventually,
    _input,
    _rows,
)
from tests.e2e.test_playground_replay import GROUP_CHAT, TEACHER
from tests.support.cards import buttons, texts

pytestmark = pytest.mark.e2e

DSL_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000001"  # Priya Raman in demo/school.yaml
DSL_NAME = "Priya Raman"
PLANNER_NAME = "Tom Okafor"  # the deputy DSL: reminded on the planner date
TEACHER_NAME = "James Whitfield"
# A pupil no other e2e test writes about, so his chronology holds this case alone.
PUPIL_QUERY, PUPIL_NAME = "demir", "Kwame Demir"
PUPIL_TRACES = ("Kwame", "Demir", "K. D.", "Year 9, 9C")
CATEGORY = "Pastoral"  # not restricted (no elevation), no default alert groups
OUTCOME = "No further action"
TIME_ZONE = ZoneInfo("Europe/London")  # the demo school's
RECORDED = re.compile(r"Recorded as (K-(\d+))\.")
CASE_BUTTONS = ("Assign to me", "Assign…", "Change status", "Add action")


@pytest.fixture
async def playground(e2e_stack: E2EStack) -> AsyncIterator[Playground]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        yield Playground(e2e_stack.playground_url, http)


class KeptMessages(ChatEvents):
    """The conversation WebSocket, keeping every message the bot posts or updates from now on
    (in any chat): what Teams stores, as against the invoke answers shown to one user."""

    def __init__(self, playground: Playground, conversation_id: str) -> None:
        super().__init__(playground, conversation_id)
        self.kept: list[Json] = []

    async def __aenter__(self) -> "KeptMessages":
        await super().__aenter__()
        self.kept.clear()  # what earlier tests left buffered is not this test's
        return self

    async def _receive(self, within: float) -> Json | None:
        event = await super()._receive(within)
        if event is not None and event.get("action") in ("createMessage", "updateMessage"):
            self.kept.append(event)
        return event

    async def settle(self, quiet: float = 1.0) -> None:
        """Take in whatever comes until nothing has come for `quiet` seconds."""
        while await self._receive(quiet) is not None:
            pass


async def _welcome(events: ChatEvents) -> Json:
    """The answer to `help` (an earlier test's late alert may come first: it is passed over)."""
    while True:
        message = await events.next()
        if "Hello Priya Raman." in json.dumps(message):
            return message


async def _teacher_records_concern(playground: Playground, colleague: str, text: str) -> str:
    """James fills in the dialog about the pupil, alerting `colleague` (an Entra id)."""
    async with ChatEvents(playground, GROUP_CHAT) as heard:
        dialog = await OpenDialog.open(playground, GROUP_CHAT, TEACHER)
        found = await dialog.press("Find pupil", pupil_query=PUPIL_QUERY)
        pupil = _input(found["value"]["card"]["content"], "student_id")
        # Names are hidden outside the 1:1 chat: the only match, by initials, is chosen.
        assert [c["title"] for c in pupil["choices"]] == ["K. D. (Year 9, 9C)"]
        assert pupil["value"] == pupil["choices"][0]["value"]
        category = _choice(dialog.card, "categories", CATEGORY)
        done = await dialog.press(
            "Record incident", text=text, categories=category, alert_people=colleague
        )
        await heard.assert_quiet(0.5)  # nothing of the concern is posted into the group chat
    assert done["type"] == "message", done
    recorded = RECORDED.fullmatch(done["value"])
    assert recorded, done
    return recorded.group(1)


def _facts(card: Json) -> dict[str, str]:
    """Every FactSet of the card's body, as title -> value."""
    return {
        fact["title"]: fact["value"]
        for element in card["body"]
        if element["type"] == "FactSet"
        for fact in element["facts"]
    }


def _titles(card: Json) -> list[str]:
    """Titles of the card's buttons, in order (primary and secondary)."""
    return [title for title, _ in buttons(card)]


def _under(card: Json, heading: str) -> list[str]:
    """The texts that follow a bold section heading (e.g. **Actions**) up to the next one."""
    shown = texts(card)
    start = shown.index(f"**{heading}**") + 1
    rest = shown[start:]
    ends = [i for i, t in enumerate(rest) if t.startswith("**")]
    return rest[: ends[0]] if ends else rest


def _chronology(record: Json, incident_id: int) -> list[list[str]]:
    """The chronology's entries about one incident, top to bottom: each entry's texts."""
    entries = []
    for element in record["body"]:
        opens = element.get("selectAction", {})
        if element["type"] == "Container" and opens.get("data", {}).get("incident") == incident_id:
            assert opens["verb"] == "incident.show"
            entries.append(texts({"body": element["items"]}))
    return entries


def _assert_case_card(card: Json, reference: str, text: str) -> None:
    """The incident in full for the DSL: pupil, category, the text and the casework buttons."""
    shown = texts(card)
    assert shown[0] == f"Incident {reference}", shown
    assert f"{PUPIL_NAME} (Year 9, 9C): {CATEGORY}" in shown
    assert f"Recorded by {TEACHER_NAME}" in shown
    assert text in _under(card, "What happened")
    assert set(CASE_BUTTONS) <= set(_titles(card)), buttons(card)
    assert ("Pupil record", "student.show") in buttons(card)


async def test_dsl_takes_an_alerted_case_adds_a_planned_action_and_closes_it_in_the_chronology(
    playground: Playground, e2e_stack: E2EStack
):
    config = await playground.config()
    assert config.current_user_aad_object_id == DSL_AAD
    chat, me = config.personal_chat_id, config.current_user_id
    marker = uuid.uuid4().hex
    text = f"Tearful in form time, says things are hard at home (e2e-{marker})."
    action_text = f"Spoke with him at lunch and called home; mum will come in (e2e-{marker}-a)."
    reason = f"Mum came in; support is in place through his tutor (e2e-{marker}-r)."
    tomorrow = datetime.now(TIME_ZONE).date() + timedelta(days=1)

    async with KeptMessages(playground, chat) as events:
        await playground.send_text(chat, me, "help")  # Kestrel keeps her chat's address
        await _welcome(events)
        reference = await _teacher_records_concern(
            playground, config.current_user_aad_object_id, text
        )
        incident_id = int(reference.removeprefix("K-"))
        alert = await _alert_about(events, reference)
        assert texts(only_card(alert))[0] == "New concern"
        case = OpenForm(playground, chat, me, alert["messageId"], only_card(alert))

        opened = await case.press("Open")
        _assert_case_card(opened, reference, text)
        assert _facts(opened)["Status"] == "Open"
        assert not any(t.startswith("Assigned to ") for t in texts(opened))

        assigned = await case.press("Assign to me")
        assert "Assigned to you." in texts(assigned)
        assert f"Assigned to {DSL_NAME}" in texts(assigned)
        assert "Assign to me" not in _titles(assigned)  # it is hers now

        form = await case.press("Add action")
        assert texts(form)[0] == f"Add action to {reference}"
        planner = _choice(form, "planner_staff", PLANNER_NAME)
        added = await case.press(
            "Save action",
            text=action_text,
            planner_date=tomorrow.isoformat(),
            planner_staff=planner,
        )
        _assert_action_added(added, reference, action_text, tomorrow)

        status_form = await case.press("Change status")
        assert texts(status_form)[:2] == [f"Change status of {reference}", "The case is Open."]
        closed_value = _choice(status_form, "status", "Closed")
        outcome = _choice(status_form, "outcome", OUTCOME)
        closed = await case.press("Save", status=closed_value, outcome=outcome, reason=reason)
        assert texts(closed)[:2] == [f"Incident {reference}", "Status changed to Closed."]
        assert _facts(closed)["Status"] == "Closed"
        assert _facts(closed)["Outcome"] == OUTCOME
        assert f"Assigned to {DSL_NAME}" in texts(closed)
        assert action_text in _under(closed, "Actions")

        history = await case.press("History")
        await case.press("Back to the incident")
        record = await case.press("Pupil record")
        # She worked the case from her own alert: its message is never replaced under her (a
        # refresh would wipe the card she is working in); everyone else's are refreshed.
        with pytest.raises(AssertionError, match="was not updated"):
            await events.next_update(alert["messageId"], within=3)
        database = e2e_stack.data_dir / "kestrel.db"
        stale = "SELECT count(*) FROM alerts WHERE incident_id = ? AND state = 'sent' AND stale"
        assert _eventually(
            lambda: _rows(database, stale, incident_id), until=lambda rows: rows == [(0,)]
        ) == [(0,)]
        await events.settle()  # the last refresh, taken just now, reaches the chat

    _assert_history(history, reference, reason)
    _assert_record(record, reference, incident_id, text, action_text, reason)
    _assert_nothing_kept(events.kept, (text, action_text, reason, *PUPIL_TRACES))


def _assert_action_added(card: Json, reference: str, action_text: str, planned: date) -> None:
    """Back on the incident, the action under Actions: by her, the text, Tom on that day."""
    shown = texts(card)
    assert shown[0] == f"Incident {reference}", shown
    assert shown[1] == "Action added. Files you send me in the next 15 minutes go with it."
    actions = _under(card, "Actions")
    assert len(actions) == 3, actions
    assert actions[0].endswith(f" by {DSL_NAME}"), actions
    assert actions[1:] == [
        action_text,
        f"Planner: {PLANNER_NAME} on {planned.strftime('%d/%m/%Y')}",
    ]
    assert _facts(card)["Status"] == "Open"


def _assert_history(card: Json, reference: str, reason: str) -> None:
    """History: recorded, assigned, closed with the outcome and the reason, oldest first."""
    assert texts(card) == [f"History of {reference}", f"Reason: {reason}"]
    lines = [fact["value"] for e in card["body"] if e["type"] == "FactSet" for fact in e["facts"]]
    assert lines == [
        f"Recorded by {TEACHER_NAME} (version 1)",
        f"Assigned to {DSL_NAME}, by {DSL_NAME} (version 2)",
        f"Status Closed, outcome: {OUTCOME}, by {DSL_NAME} (version 3)",
    ]


def _assert_record(
    record: Json, reference: str, incident_id: int, text: str, action_text: str, reason: str
) -> None:
    """The pupil's record: the case is no longer open; the incident, its assignment, the action
    and the closing decision with its reason, in the order they happened."""
    shown = texts(record)
    assert shown[0] == PUPIL_NAME, shown
    assert reference not in _facts(record)["Open cases"]
    assert not [e for e in _elements(record) if e.get("title", "").startswith(f"Open {reference} ")]
    entries = _chronology(record, incident_id)
    assert len(entries) == 4, entries
    recorded, assigned, action, closed = entries
    stamp = r"\*\*\d\d/\d\d/\d{4} \d\d:\d\d: "
    assert re.fullmatch(rf"{stamp}Incident {reference} \(Closed\)\*\*", recorded[0])
    assert recorded[1:] == [f"by {TEACHER_NAME} · {CATEGORY}", text]
    assert re.fullmatch(rf"{stamp}{reference} assigned to {DSL_NAME}\*\*", assigned[0])
    assert assigned[1:] == [f"by {DSL_NAME} · {CATEGORY}"]
    assert re.fullmatch(rf"{stamp}Action on {reference}\*\*", action[0])
    assert action[1:] == [f"by {DSL_NAME}", action_text]
    assert re.fullmatch(rf"{stamp}{reference} closed: {OUTCOME}\*\*", closed[0])
    assert closed[1:] == [f"by {DSL_NAME} · {CATEGORY}", reason]


def _assert_nothing_kept(kept: list[Json], secrets: tuple[str, ...]) -> None:
    """No message the bot posted or updated (what Teams keeps) holds any of the secrets."""
    assert kept, "the WebSocket pushed no bot message at all"
    for event in kept:
        stored = json.dumps(event["message"], ensure_ascii=False)
        for secret in secrets:
            assert secret not in stored, f"{secret!r} is kept in {event['action']}: {stored}"
