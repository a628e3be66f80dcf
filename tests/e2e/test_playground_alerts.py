"""Alerts end to end: a teacher alerts the DSL; her alert arrives, opens and is marked read.

The DSL Priya (the Playground's current user) says `help` in her 1:1 chat, so Kestrel keeps its
address. The teacher James Whitfield records a concern in the Playground's group chat, which
holds every configured user (its 1:1 chat holds Priya alone), so its invoke API takes his own
`from` there. In a group chat Add incident answers that the form opens as a private dialog
(task/fetch, task/submit). The Playground's invoke API forwards neither, but it forwards the
message action's composeExtension/fetchTask and /submitAction, which Kestrel takes as the same
dialog (without a messagePayload nothing differs), so James fills in the form through those: each
submit carries the button's data with the dialog's inputs written over it, as Teams sends it. The
running sender then delivers the alert into Priya's 1:1 chat through the Playground's connector.
"""

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from tests.e2e.conftest import E2EStack
from tests.e2e.playground import ADAPTIVE_CARD, Json, Playground, button, only_card
from tests.e2e.test_playground_incident import (
    ChatEvents,
    _choice,
    _elements,
    _form_button,
    _input,
    _inputs,
)
from tests.e2e.test_playground_replay import GROUP_CHAT, TEACHER, _ask_kestrel_in_group_chat
from tests.support.cards import buttons, texts

pytestmark = pytest.mark.e2e

DSL_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000001"  # Priya Raman in demo/school.yaml
TEACHER_NAME = "James Whitfield"  # plain staff: records concerns, cannot read them
PUPIL_QUERY = "mahmood"  # Grace Mahmood (Year 9, 9A), the only Mahmood in the demo
PUPIL_TRACES = ("Grace", "Mahmood", "G. M.", "Year 9, 9A")  # name, initials, class
CATEGORY = "Pastoral"  # no default alert groups: only the colleague James names is alerted
RECORDED = re.compile(r"Recorded as (K-(\d+))\.")
ALERT_WITHIN = 10.0  # the sender looks every 2 s


@pytest.fixture
async def playground(e2e_stack: E2EStack) -> AsyncIterator[Playground]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        yield Playground(e2e_stack.playground_url, http)


@dataclass
class OpenDialog:
    """The Add incident dialog as one member of staff sees it in a chat (buttons re-show it)."""

    playground: Playground
    chat: str
    user: str
    card: Json

    @classmethod
    async def open(cls, playground: Playground, chat: str, user: str) -> "OpenDialog":
        """What Open the form (task/fetch) shows."""
        task = await _dialog_invoke(playground, chat, user, "composeExtension/fetchTask", {})
        assert task["type"] == "continue", task
        return cls(playground, chat, user, task["value"]["card"]["content"])

    async def press(self, title: str, **typed: str) -> Json:
        """Fill in `typed`, press the button; a re-shown form becomes the card shown."""
        action = _form_button(self.card, title)
        assert action["type"] == "Action.Submit", action
        entered = {**_inputs(self.card), **typed}
        data = {**action["data"], **{name: value for name, value in entered.items() if value}}
        value = {"data": data, "context": {"theme": "default"}}
        name = "composeExtension/submitAction"
        task = await _dialog_invoke(self.playground, self.chat, self.user, name, value)
        if task["type"] == "continue":
            self.card = task["value"]["card"]["content"]
        return task


async def _dialog_invoke(
    playground: Playground, chat: str, user: str, name: str, value: Json
) -> Json:
    """A dialog invoke as `user`; the bot's `task` answer."""
    body = {"name": name, "value": value, "from": {"id": user}, "conversation": {"id": chat}}
    url = f"{playground.base_url}/_conversation/v1/invoke"
    async with playground.http.post(url, json=body) as response:
        text = await response.text()
        assert response.status == 200, f"{name}: HTTP {response.status}: {text}"
    return json.loads(text)["task"]


async def _teacher_asks_to_add_incident(playground: Playground, bot_id: str, me: str) -> None:
    """James presses Add incident on Kestrel's card in the group chat: the form opens privately."""
    async with ChatEvents(playground, GROUP_CHAT) as heard:
        await _ask_kestrel_in_group_chat(playground, me, bot_id, "help")
        help_message = await heard.next()
    add = button(only_card(help_message), "Add incident")
    privately = await playground.press(GROUP_CHAT, TEACHER, help_message["messageId"], add)
    assert privately["type"] == ADAPTIVE_CARD
    opener = button(privately["value"], "Open the form")
    assert opener["data"]["msteams"] == {"type": "task/fetch"}  # never an inline form here


async def _teacher_records_concern(playground: Playground, colleague: str, text: str) -> str:
    """James fills in the dialog, alerting `colleague` (an Entra id); the reference recorded."""
    async with ChatEvents(playground, GROUP_CHAT) as heard:
        dialog = await OpenDialog.open(playground, GROUP_CHAT, TEACHER)
        assert texts(dialog.card)[0] == "Add incident"
        found = await dialog.press("Find pupil", pupil_query=PUPIL_QUERY)
        pupil = _input(found["value"]["card"]["content"], "student_id")
        assert len(pupil["choices"]) == 1 and pupil["value"] == pupil["choices"][0]["value"]
        category = _choice(dialog.card, "categories", CATEGORY)
        # A people picker (Data.Query): Teams sends the chosen colleague's Entra object id.
        assert _input(dialog.card, "alert_people")["label"] == "Alert staff members"
        done = await dialog.press(
            "Record incident", text=text, categories=category, alert_people=colleague
        )
        await heard.assert_quiet(0.5)  # nothing of the concern is posted into the group chat
    assert done["type"] == "message", done
    recorded = RECORDED.fullmatch(done["value"])
    assert recorded, done
    return recorded.group(1)


async def _alert_about(events: ChatEvents, reference: str) -> Json:
    """The bot's new message in the 1:1 chat about `reference`; fails if none comes in time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + ALERT_WITHIN
    while (left := deadline - loop.time()) > 0:
        message = await events.next(within=left)
        if f"(ref {reference})" in json.dumps(message):
            return message
    raise AssertionError(f"no alert for {reference} within {ALERT_WITHIN:.0f} s")


def _assert_is_a_stub_alert(alert: Json, reference: str, viewer: str, marker: str) -> None:
    """Who raised it and the reference, Open and Mark as read; nothing of the concern itself."""
    card = only_card(alert)
    assert texts(card) == [
        "New concern",
        f"New concern raised by {TEACHER_NAME} (ref {reference})",
    ]
    assert buttons(card) == [("Open", "incident.show"), ("Mark as read", "alert.read")]
    assert card["refresh"]["userIds"] == [viewer]  # the details are fetched for her alone
    stored = json.dumps(alert, ensure_ascii=False)  # Teams keeps this message
    for secret in (marker, CATEGORY, *PUPIL_TRACES):
        assert secret not in stored


@dataclass(frozen=True)
class DashboardRows:
    """The dashboard's rows by reference: (section, words, why it is there, what it opens)."""

    totals: dict[str, int]
    rows: dict[str, tuple[str, str, str, Json]]


def _dashboard_rows(dashboard: Json) -> DashboardRows:
    """Read every section's rows out of a dashboard card (rows are containers under a title)."""
    totals, rows, section = {}, {}, ""
    for element in dashboard["body"]:
        heading = element["type"] == "TextBlock" and re.fullmatch(
            r"\*\*(.+)\*\* \((\d+)\)", element["text"]
        )  # a section's title and count ("**Alerts** (2)"); the import status is not one
        if heading:
            section = heading.group(1)
            totals[section] = int(heading.group(2))
        elif section and element["type"] == "Container":
            runs = [
                "".join(run["text"] for run in e["inlines"])
                for e in _elements(element)
                if e.get("type") == "RichTextBlock"
            ]
            words, why = runs[0], (runs[1] if len(runs) > 1 else "")
            rows[words.split(" ", 1)[0]] = (section, words, why, element["selectAction"])
    assert "Alerts" in totals, f"no Alerts section in {texts(dashboard)}"
    return DashboardRows(totals, rows)


@dataclass(frozen=True)
class PersonalChat:
    """The current user's 1:1 chat with Kestrel: her button presses there."""

    playground: Playground
    id: str
    user: str

    async def press(self, message: Json, title: str) -> Json:
        """Press a button of a card message (no inputs on Kestrel's alert cards); the answer."""
        pressed = button(only_card(message), title)
        answer = await self.playground.press(self.id, self.user, message["messageId"], pressed)
        assert answer["type"] == ADAPTIVE_CARD, answer
        return answer["value"]

    async def dashboard(self, welcome: Json) -> DashboardRows:
        """My dashboard, from the welcome card: its rows."""
        dashboard = await self.press(welcome, "My dashboard")
        assert texts(dashboard)[0] == "My dashboard"
        return _dashboard_rows(dashboard)


async def test_alerted_colleague_opens_the_alert_and_marking_it_read_clears_it_from_the_dashboard(
    playground: Playground,
):
    config = await playground.config()
    assert config.current_user_aad_object_id == DSL_AAD
    chat = PersonalChat(playground, config.personal_chat_id, config.current_user_id)
    marker = f"e2e-{uuid.uuid4().hex}"
    text = f"Upset after lunch, would not say why ({marker})."

    async with ChatEvents(playground, chat.id) as events:
        await playground.send_text(chat.id, chat.user, "help")  # Kestrel keeps her chat's address
        welcome = await events.next()
        assert "Hello Priya Raman." in texts(only_card(welcome))[1]
        await _teacher_asks_to_add_incident(playground, config.bot_id, chat.user)
        reference = await _teacher_records_concern(
            playground, config.current_user_aad_object_id, text
        )
        alert = await _alert_about(events, reference)
        _assert_is_a_stub_alert(alert, reference, chat.user, marker)

        shown = texts(await chat.press(alert, "Open"))
        assert shown[0] == f"Incident {reference}" and text in shown, shown
        unread = await chat.dashboard(welcome)
        _assert_lists_alert(unread, reference, alert)

        read = await chat.press(alert, "Mark as read")
        assert texts(read) == ["Concern read", f"You marked the alert for {reference} as read."]
        updated = await events.next_update(alert["messageId"])  # for everyone, not just her
        assert only_card(updated) == read

    # Still nobody's case, it stays among her New concerns, no longer as an alert of hers.
    after = await chat.dashboard(welcome)
    section, _, why, _ = after.rows[reference]
    assert (section, why) == ("New concerns", "New: not yet assigned")


def _assert_lists_alert(board: DashboardRows, reference: str, alert: Json) -> None:
    """The incident's one row: new and alerted by the teacher, opening the alert's incident."""
    assert reference in board.rows, f"{reference} not among {sorted(board.rows)}"
    section, _, why, opens = board.rows[reference]
    # Nobody works it yet: for the DSL it is a new concern first, and says who alerted her.
    assert section == "New concerns", section
    assert why == f"New: not yet assigned; alerted by {TEACHER_NAME}", why
    # The same incident as the alert opens; from the dashboard, its card offers the way back.
    alert_opens = dict(button(only_card(alert), "Open")["data"])
    # The demo is a trust of two schools in one tenant: an alert names its school, so it opens
    # there whichever school its reader works in; Priya has one school, so her own cards do not.
    assert alert_opens.pop("school") == 1
    assert opens["data"] == {**alert_opens, "from": "dashboard"}
