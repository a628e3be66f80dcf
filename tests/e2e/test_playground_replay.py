"""Replaying a card's button as someone else, through the Playground: the server decides who reads.

The DSL records a Child Disclosure (a restricted category: only the DSL team may read it) and
takes the exact action of the View button on Kestrel's confirmation card. The teacher James
Whitfield then sends that action himself, on a Kestrel card in the group chat, as his Teams client
would send a forged Action.Execute. The Playground's personal chat holds the DSL alone; its group
chat holds every configured user, and its invoke API sends the presser's own id (typed messages
always come from the current user). `POST /_internal/v1/customActivities` would carry the invoke
too, but it answers 200 with no body before forwarding and drops the bot's invoke response, and
Kestrel answers an invoke only in that response: what the teacher got could not be seen that way.
"""

import json
import re
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.conftest import E2EStack
from tests.e2e.playground import ADAPTIVE_CARD, BotMessages, Json, Playground, button, only_card
from tests.e2e.test_playground_incident import ChatEvents, OpenForm
from tests.support.cards import choices, inputs, texts

pytestmark = pytest.mark.e2e

DSL_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000001"  # Priya Raman in demo/school.yaml
TEACHER_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000003"  # James Whitfield: plain staff
TEACHER = "29:demo-james-whitfield"  # his Playground user id (.m365agentsplayground.yml)
GROUP_CHAT = "demo-group-chat"  # the Playground's group chat: the current user and all users
PUPIL_QUERY, PUPIL = "mahmood", "Grace Mahmood (Year 9, 9A)"  # the only Mahmood in the demo
# The pupil by name, by initials (names are hidden outside the 1:1 chat) and by class.
PUPIL_TRACES = ("Grace", "Mahmood", "G. M.", "Year 9, 9A")
CATEGORY = "Child Disclosure"  # restricted; default alert group: the DSL team
RECORDED = re.compile(r"Incident (K-(\d+))")
NOT_AVAILABLE = ["Not available", "That record is not available."]
ELEVATION_NEEDED = "Elevated access needed"


@pytest.fixture
async def playground(e2e_stack: E2EStack) -> AsyncIterator[Playground]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        yield Playground(e2e_stack.playground_url, http)


class Overheard(BotMessages):
    """The conversation WebSocket, keeping every event it pushes from now on, in any chat."""

    def __init__(self, playground: Playground, conversation_id: str) -> None:
        super().__init__(playground, conversation_id)
        self.events: list[Json] = []

    async def __aenter__(self) -> "Overheard":
        await super().__aenter__()
        self.events.clear()  # what earlier tests left buffered is not this test's
        return self

    async def _receive(self, within: float) -> Json | None:
        event = await super()._receive(within)
        if event is not None:
            self.events.append(event)
        return event


async def _record_restricted_incident(
    playground: Playground, chat: str, me: str, text: str
) -> Json:
    """The DSL fills in Add incident for one pupil in the restricted category; the answer card."""
    async with ChatEvents(playground, chat) as events:
        await playground.send_text(chat, me, "add incident")
        message = await events.next()
        form = OpenForm(playground, chat, me, message["messageId"], only_card(message))
        found = await form.press("Find pupil", pupil_query=PUPIL_QUERY)
        assert choices(found, "student_id") == {PUPIL: inputs(found)["student_id"]["value"]}
        category = choices(found, "categories")[CATEGORY]
        done = await form.press("Record incident", text=text, categories=category)
        await events.next_update(message["messageId"])  # the form in the chat is replaced
    return done


async def _ask_kestrel_in_group_chat(
    playground: Playground, user: str, bot_id: str, text: str
) -> None:
    """A message @mentioning Kestrel (the Playground forwards group-chat messages only then)."""
    mention = "<at>Kestrel</at>"
    body = {
        "text": f"{mention} {text}",
        "textFormat": "plain",
        "from": {"id": user},
        "mentions": [{"mentioned": {"id": bot_id}, "text": mention}],
    }
    url = f"{playground.base_url}/_conversation/v1/conversations/{GROUP_CHAT}/messages"
    async with playground.http.post(url, json=body) as response:
        assert response.status == 200, await response.text()


def _rows(database: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of Kestrel's SQLite database, read beside the running service (read-only)."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return connection.execute(sql, params).fetchall()


def _incident_events(database: Path, aad_object_id: str, incident_id: int) -> list[tuple]:
    """(action, conversation type, detail) of one member of staff's audit events on an incident."""
    rows = _rows(
        database,
        "SELECT e.action, e.conversation_type, e.detail FROM audit_events e "
        "JOIN staff s ON s.id = e.actor_staff_id WHERE s.aad_object_id = ? "
        "AND e.record_type = 'incident' AND e.record_id = ? ORDER BY e.id",
        aad_object_id,
        incident_id,
    )
    return [(action, where, json.loads(detail)) for action, where, detail in rows]


async def test_teacher_replaying_the_dsls_view_button_gets_not_available_and_is_audited(
    playground: Playground, e2e_stack: E2EStack
):
    config = await playground.config()
    assert config.current_user_aad_object_id == DSL_AAD
    chat, me = config.personal_chat_id, config.current_user_id
    marker = f"e2e-{uuid.uuid4().hex}"
    text = f"Told her form tutor something happened at home ({marker})."
    database = e2e_stack.data_dir / "kestrel.db"

    done = await _record_restricted_incident(playground, chat, me, text)
    heading = RECORDED.fullmatch(texts(done)[0])
    assert heading, texts(done)
    reference, incident_id = heading.group(1), int(heading.group(2))
    view = button(done, "View")
    assert (view["type"], view["verb"]) == ("Action.Execute", "incident.show")
    assert view["data"] == {"v": 1, "incident": incident_id}
    # What Teams' renderer sends for it: its data, and no inputs (the card has none).
    assert not inputs(done)

    async with Overheard(playground, GROUP_CHAT) as heard:
        await _ask_kestrel_in_group_chat(playground, me, config.bot_id, "help")
        kestrel_card = (await heard.next())["messageId"]  # everyone in the chat sees its buttons
        refused = await playground.press(GROUP_CHAT, TEACHER, kestrel_card, view)
        missing = {**view, "data": {"v": 1, "incident": incident_id + 1_000_000}}
        no_such = await playground.press(GROUP_CHAT, TEACHER, kestrel_card, missing)
        await heard.assert_quiet(1.0)  # the refusal posts nothing into the chat

    assert refused["type"] == ADAPTIVE_CARD
    assert texts(refused["value"]) == NOT_AVAILABLE
    assert no_such == refused  # the same words whether the incident exists or not
    # The DSL's own 1:1 chat may meanwhile get Kestrel's notices about her incident (the deputy
    # it alerted has no chat here, so she is told): hers, not the teacher's, so not counted.
    not_hers = [
        e for e in heard.events if e.get("message", {}).get("directLineConversationId") != chat
    ]
    received = json.dumps([refused, no_such, not_hers], ensure_ascii=False)
    for secret in (marker, reference, *PUPIL_TRACES):
        assert secret not in received
    assert _incident_events(database, TEACHER_AAD, incident_id) == [
        ("access.refused", "groupChat", {"verb": "incident.show"})
    ]

    # The DSL team may read it (with elevated access): the same payload is not refused for her.
    allowed = await playground.press(GROUP_CHAT, me, kestrel_card, view)
    assert allowed["type"] == ADAPTIVE_CARD
    shown = texts(allowed["value"])
    assert shown[0] in (ELEVATION_NEEDED, f"Incident {reference}"), shown
    assert NOT_AVAILABLE[1] not in shown
    expected = "elevation.prompted" if shown[0] == ELEVATION_NEEDED else "incident.viewed"
    assert [action for action, _, _ in _incident_events(database, DSL_AAD, incident_id)] == [
        "incident.recorded",
        expected,
    ]
