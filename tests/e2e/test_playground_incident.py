"""Add Incident end to end: the DSL fills in the form with its own buttons, through the Playground.

Every button press is sent as Teams' renderer (adaptivecards) sends an Action.Execute: a copy of
the button's `data`, then every input of the card that has a value written over it (empty inputs
are left out; a toggle's "false" is a value). Ids, choices and button data come from the cards.
"""

import asyncio
import json
import re
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.conftest import E2EStack
from tests.e2e.playground import (
    ADAPTIVE_CARD,
    BOT_MESSAGE_TIMEOUT,
    BotMessages,
    Json,
    Playground,
    only_card,
)
from tests.support.cards import buttons, texts

pytestmark = pytest.mark.e2e

DSL_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000001"  # Priya Raman in demo/school.yaml
# Part of a name that two namesakes share (demo/school.yaml): the year tells them apart.
MAIN_QUERY, MAIN_PUPIL = "sam tay", "Sam Taylor (Year 11, 11A)"
LINK_QUERY, LINKED_PUPIL = "kowal", "Imogen Kowalski (Year 9, 9C)"
# Neither has default alert groups, so only the colleague chosen on the form is alerted.
CATEGORIES = ("Communication", "Pastoral")
COLLEAGUE = "James Whitfield"  # plain staff: records concerns, cannot read them
RECORDED = re.compile(r"Incident (K-(\d+))")


@pytest.fixture
async def playground(e2e_stack: E2EStack) -> AsyncIterator[Playground]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        yield Playground(e2e_stack.playground_url, http)


def _elements(node: Any) -> Iterator[Json]:
    """Every element and action of a card, depth first (containers, columns, action sets)."""
    if isinstance(node, list):
        for item in node:
            yield from _elements(item)
    elif isinstance(node, dict):
        if "type" in node:
            yield node
        for key in ("body", "items", "columns", "actions"):
            yield from _elements(node.get(key))


def _inputs(card: Json) -> dict[str, str]:
    """What the card's inputs hold now, as the renderer collects them (unset ones left out)."""
    return {
        e["id"]: str(e["value"])
        for e in _elements(card)
        if e["type"].startswith("Input.") and e.get("value")
    }


def _input(card: Json, input_id: str) -> Json:
    found = [e for e in _elements(card) if e.get("id") == input_id]
    assert len(found) == 1, f"expected one input {input_id!r}, card has {sorted(_inputs(card))}"
    return found[0]


def _choice(card: Json, input_id: str, title: str) -> str:
    """The value of the choice with this title in a ChoiceSet."""
    choices = {c["title"]: c["value"] for c in _input(card, input_id)["choices"]}
    assert title in choices, f"{title!r} is not offered in {input_id!r}: {sorted(choices)}"
    return choices[title]


def _form_button(card: Json, title: str) -> Json:
    """The button with this title, wherever it is on the card."""
    found = [e for e in _elements(card) if e["type"].startswith("Action.") and e["title"] == title]
    assert len(found) == 1, f"expected one button {title!r}, card has {buttons(card)}"
    return found[0]


@dataclass
class OpenForm:
    """The form message in the chat and the card it shows now (buttons answer in place)."""

    playground: Playground
    chat: str
    user: str
    message_id: str
    card: Json

    async def press(self, title: str, **typed: str) -> Json:
        """Fill in `typed`, press the button; its answer becomes the card shown."""
        action = _form_button(self.card, title)
        entered = {**_inputs(self.card), **typed}
        data = {**action["data"], **{name: value for name, value in entered.items() if value}}
        response = await self.playground.press(
            self.chat, self.user, self.message_id, {**action, "data": data}
        )
        assert response["type"] == ADAPTIVE_CARD, response
        self.card = response["value"]
        return self.card


class ChatEvents(BotMessages):
    """The conversation WebSocket, with the bot's changes to messages it posted earlier."""

    skipped: list[Json]

    async def next_update(self, message_id: str, within: float = BOT_MESSAGE_TIMEOUT) -> Json:
        """The next new version of that message; fails if none comes `within` seconds.

        New messages that arrive meanwhile in this chat are kept in `skipped`, in order.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        self.skipped = getattr(self, "skipped", [])
        while (left := deadline - loop.time()) > 0:
            event = await self._receive(left)
            if event is None:
                continue
            if (
                event.get("action") == "updateMessage"
                and event["message"].get("messageId") == message_id
            ):
                return event["message"]
            if event.get("action") == "createMessage" and (
                event.get("actionConversationId") == self.conversation_id
            ):
                self.skipped.append(event["message"])
        raise AssertionError(f"message {message_id} was not updated within {within:.0f} s")


@dataclass(frozen=True)
class Chosen:
    """The ids the form offered for what the user picked."""

    main: int
    linked: int
    categories: tuple[int, ...]
    colleague: int


async def _fill_in_and_record(form: OpenForm, text: str, database: Path) -> tuple[Json, Chosen]:
    """Find, pick and link the pupils, choose categories and a colleague; confirm the grant."""
    found = await form.press("Find pupil", pupil_query=MAIN_QUERY)
    pick = _input(found, "student_id")
    assert len(pick["choices"]) == 2 and "value" not in pick  # both Sam Taylors: the user picks
    main = _choice(found, "student_id", MAIN_PUPIL)
    link_found = await form.press("Find linked student", student_id=main, link_query=LINK_QUERY)
    linked = _choice(link_found, "link_pick", LINKED_PUPIL)
    with_link = await form.press("Add linked student", link_pick=linked)
    same = f"linked_{linked}_same"
    assert _input(with_link, same)["type"] == "Input.Toggle"
    categories = [_choice(with_link, "categories", name) for name in CATEGORIES]
    colleague = _choice(with_link, "alert_staff", COLLEAGUE)

    asked = await form.press(
        "Record incident",
        **{same: "true"},
        text=text,
        categories=",".join(categories),
        alert_staff=colleague,
    )
    assert any(
        t.startswith(f"Alerting {COLLEAGUE} lets them see this incident") for t in texts(asked)
    )
    record = _form_button(asked, "Record incident")["data"]
    assert record.get("confirm")
    assert _inputs(asked)["text"] == text  # the form came back with every value
    stored = "SELECT count(*) FROM incidents WHERE idempotency_key = ?"
    # nothing granted before confirming
    assert _rows(database, stored, record["form_key"]) == [(0,)]
    done = await form.press("Record incident")  # as it is now: its inputs, the confirm data
    chosen = Chosen(int(main), int(linked), tuple(sorted(map(int, categories))), int(colleague))
    return done, chosen


def _rows(database: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Rows of Kestrel's SQLite database, read beside the running service (read-only)."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return connection.execute(sql, params).fetchall()


def _eventually(read: Any, until: Any, seconds: float = 15.0) -> Any:
    """What `read` returns once `until` holds for it (the sender runs every 2 s)."""
    deadline = time.monotonic() + seconds
    while True:
        found = read()
        if until(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


async def test_staff_member_records_an_incident_with_the_forms_buttons_and_it_is_stored_encrypted(
    playground: Playground, e2e_stack: E2EStack
):
    config = await playground.config()
    assert config.current_user_aad_object_id == DSL_AAD
    chat, me = config.personal_chat_id, config.current_user_id
    marker = f"e2e-{uuid.uuid4().hex}"
    text = f"Said at break that he is scared to go home ({marker})."
    database = e2e_stack.data_dir / "kestrel.db"

    async with ChatEvents(playground, chat) as events:
        await playground.send_text(chat, me, "add incident")
        message = await events.next()
        form = OpenForm(playground, chat, me, message["messageId"], only_card(message))
        assert texts(form.card)[0] == "Add incident"  # the posted form itself, one press fewer
        assert "Safeguarding" not in json.dumps(message)  # Teams keeps it: none restricted
        await form.press("Show all categories")  # the Playground runs no refresh
        done, chosen = await _fill_in_and_record(form, text, database)
        replaced = await events.next_update(message["messageId"])
        heading = RECORDED.fullmatch(texts(done)[0])
        assert heading, texts(done)
        reference, incident_id = heading.group(1), int(heading.group(2))
        await events.assert_quiet(0.5)  # nothing new is posted into the DSL's chat
    assert f"Recorded as {reference}. 1 colleague will be alerted." in texts(done)
    assert ("Add another incident", "incident.add") in buttons(done)
    assert not [e for e in _elements(done) if e["type"].startswith("Input.")]  # not the form
    for secret in (marker, "Taylor", "Kowalski"):  # Teams keeps this card: no name, no text
        assert secret not in json.dumps(done)
    assert only_card(replaced) == done  # the form in the chat, with the text, is gone

    _assert_stored(database, incident_id, chosen, marker)


def _assert_stored(database: Path, incident_id: int, chosen: Chosen, marker: str) -> None:
    (dsl,) = _rows(database, "SELECT id FROM staff WHERE aad_object_id = ?", DSL_AAD)[0]
    incident = "WHERE incident_id = ?"
    assert _rows(
        database, "SELECT status, recorded_by FROM incidents WHERE id = ?", incident_id
    ) == [("Open", dsl)]
    assert sorted(
        _rows(
            database,
            f"SELECT student_id, linked, monitoring FROM incident_students {incident}",
            incident_id,
        )
    ) == sorted([(chosen.main, 0, 0), (chosen.linked, 1, 0)])
    assert sorted(
        _rows(
            database,
            f"SELECT student_id, category_id FROM incident_categories {incident}",
            incident_id,
        )
    ) == sorted((s, c) for s in (chosen.main, chosen.linked) for c in chosen.categories)
    assert _rows(
        database,
        f"SELECT staff_id, granted_by, withdrawn_at FROM incident_grants {incident}",
        incident_id,
    ) == [(chosen.colleague, dsl, None)]
    tagged = f"{incident} AND reason = 'tagged'"
    assert _rows(
        database, f"SELECT staff_id, raised_by, reason FROM alerts {tagged}", incident_id
    ) == [(chosen.colleague, dsl, "tagged")]
    # The running sender takes it: James has never opened a 1:1 chat with Kestrel, so Kestrel
    # asks Teams to start one (create_conversation with his Entra id). The Playground's stand-in
    # answers that with a 500, so the alert stays queued and is retried with backoff: never
    # dropped, and after its last attempt the DSL team is told (tests/integration cover both).
    assert _eventually(
        lambda: _rows(
            database, f"SELECT state, failure, attempts > 0 FROM alerts {tagged}", incident_id
        ),
        until=lambda rows: bool(rows and rows[0][2]),
    ) == [("queued", "teams answered 500", 1)]
    events = _rows(
        database,
        "SELECT action, actor_staff_id, conversation_type, detail FROM audit_events "
        "WHERE record_type = 'incident' AND record_id = ? ORDER BY seq",
        incident_id,
    )
    assert [(a, actor, where) for a, actor, where, _ in events] == [
        ("incident.recorded", dsl, "personal"),
        ("access.granted", dsl, "personal"),
    ]
    assert json.loads(events[0][3]) == {
        "students": [chosen.main, chosen.linked],
        "categories": list(chosen.categories),
        "alerted": [chosen.colleague],
    }
    assert json.loads(events[1][3]) == {"staff": chosen.colleague}
    (ciphertext,) = _rows(
        database, "SELECT text_ciphertext FROM incidents WHERE id = ?", incident_id
    )[0]
    assert ciphertext.startswith("v1.")
    assert marker not in repr(_rows(database, "SELECT * FROM incidents"))
