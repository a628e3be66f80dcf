"""The presses `python -m bench` sends, as Teams sends them, and the check of every answer.

Each press makes the i-th request's activity (JSON bytes) and checks the i-th answer: the card
it must be (the incident's reference and its decrypted text, the pupil searched for among the
results, the page's own entries in order...), never an error card. A check returns what is
wrong, or None.
"""

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.baselines import ADAPTIVE_CARD
from bench.dataset import PAGE_OFFSET, TEACHER, TENANT, Facts
from bench.history import CATEGORIES, DSL
from tests.support.activities import activity, as_user

SEARCH_RESPONSE = "application/vnd.microsoft.search.searchResponse"
FORM_MESSAGE = "bench-form-message"  # the message holding the form that record replaces
TEXT = (
    "Pupil arrived late and said they had not eaten since yesterday lunchtime. Tutor noticed a "
    "bruise on the left forearm, explained as a fall at the park. " * 4
)
Check = Callable[[int, int, bytes], str | None]


@dataclass(frozen=True)
class Press:
    key: str
    title: str
    body: Callable[[int], bytes]
    check: Check


def staff_aad(staff_id: int) -> str:
    return f"aad-{staff_id}"


def template(fixture: str, service_url: str, staff_id: int) -> dict[str, Any]:
    """A recorded Teams activity, sent by this member of staff in their own 1:1 chat."""
    body = as_user(activity(fixture, service_url), staff_aad(staff_id), TENANT)
    body["conversation"]["id"] = f"a:bench-chat-{staff_id}"
    return body


def invoke_maker(
    service_url: str, staff_id: int, verb: str, data: Callable[[int], dict], **fields: Any
) -> Callable[[int], bytes]:
    """Action.Execute of `verb` with the i-th request's data (and other activity `fields`)."""
    base = template("invoke_action_execute", service_url, staff_id) | fields

    def body(i: int) -> bytes:
        action = {"type": "Action.Execute", "verb": verb, "data": {"v": 1, **data(i)}}
        value = {"action": action, "trigger": "manual"}
        return json.dumps({**base, "id": f"bench-{i}", "value": value}).encode()

    return body


def card_of(status: int, payload: bytes) -> tuple[dict | None, str]:
    """The Adaptive Card an invoke answered with, and its text; or None and why not."""
    if status != 200:
        return None, f"HTTP {status}"
    try:
        answer = json.loads(payload)
    except ValueError:
        return None, "not JSON"
    if answer.get("statusCode") != 200 or answer.get("type") != ADAPTIVE_CARD:
        return None, f"not a card answer: {str(answer)[:120]}"
    card = answer.get("value")
    if not isinstance(card, dict) or not card.get("body"):
        return None, "an empty card"
    return card, json.dumps(card, ensure_ascii=False)


def card_check(expected: Callable[[int], list[str]]) -> Check:
    """The answer is a card showing every one of the i-th request's expected texts, in order."""

    def check(i: int, status: int, payload: bytes) -> str | None:
        card, text = card_of(status, payload)
        if card is None:
            return text
        at = 0
        for wanted in expected(i):
            found = text.find(wanted, at)
            if found < 0:
                return f"{wanted!r} missing (or out of order) in {text[:200]}"
            at = found + len(wanted)
        return None

    return check


def search(facts: Facts, url: str) -> Press:
    """The form's typeahead (application/search) as a teacher types a pupil's name."""
    base = template("invoke_application_search", url, TEACHER)

    def body(i: int) -> bytes:
        query = facts.queries[i % len(facts.queries)][0]
        value = {"queryText": query, "queryOptions": {"skip": 0, "top": 15}, "dataset": "students"}
        return json.dumps({**base, "id": f"bench-{i}", "value": value}).encode()

    def check(i: int, status: int, payload: bytes) -> str | None:
        wanted = facts.queries[i % len(facts.queries)][1]
        try:
            answer = json.loads(payload) if status == 200 else {}
            found = [int(r["value"]) for r in answer["value"]["results"]]
        except (ValueError, KeyError, TypeError):
            return f"HTTP {status}, not search results: {payload[:120]!r}"
        if answer.get("type") != SEARCH_RESPONSE or wanted not in found:
            return f"pupil {wanted} not among {found}"
        return None

    return Press("search", "pupil search (typeahead)", body, check)


def open_incident(facts: Facts, url: str) -> Press:
    """The DSL opens an incident (one of the bench pupil's 250, in turn)."""

    def incident(i: int) -> int:
        return facts.incidents[i % len(facts.incidents)]

    body = invoke_maker(url, DSL, "incident.show", lambda i: {"incident": incident(i)})
    expected = card_check(lambda i: [f"K-{incident(i)}", f"[incident {incident(i)}]"])
    return Press("open", "open an incident", body, expected)


def dashboard(facts: Facts, url: str) -> Press:
    """The DSL's dashboard: new concerns, unread alerts, assigned cases, history (one row per
    incident: an unread alert about a new concern is listed under New concerns)."""
    body = invoke_maker(url, DSL, "dashboard.show", lambda i: {})
    wanted = ["**New concerns** (", "**Alerts** (", "**My assigned** (", "**My history** ("]
    return Press("dashboard", "the DSL's dashboard", body, card_check(lambda i: wanted))


def chronology(facts: Facts, url: str) -> Press:
    """A later page of the chronology of the pupil with 500 entries."""
    data = {"student": facts.pupil, "offset": PAGE_OFFSET}
    body = invoke_maker(url, DSL, "student.show", lambda i: data)
    wanted = [f"**Chronology** ({facts.entries} entries", *facts.page]
    check = card_check(lambda i: wanted)
    return Press("chronology", "a chronology page (500 entries)", body, check)


def record(facts: Facts, url: str) -> Press:
    """A teacher records an incident (a fresh form key each time) on the form's message."""
    run = uuid.uuid4().hex[:12]

    def data(i: int) -> dict:
        return {
            "form_key": f"b{run}{i:09d}",
            "student_id": str(2 + i % (facts.pupils - 1)),
            "text": TEXT,
            "categories": str(1 + i % len(CATEGORIES)),
        }

    body = invoke_maker(url, TEACHER, "incident.record", data, replyToId=FORM_MESSAGE)
    return Press("record", "record an incident", body, card_check(lambda i: ["Recorded as K-"]))


def help_message(facts: Facts, url: str) -> Press:
    """The DSL types `help`: the answer is a reply through the connector (counted there)."""
    base = template("message_help", url, DSL)

    def body(i: int) -> bytes:
        return json.dumps({**base, "id": f"bench-{i}"}).encode()

    def check(i: int, status: int, payload: bytes) -> str | None:
        return None if status in (200, 201) and not payload else f"HTTP {status} {payload[:80]!r}"

    return Press("help", "a `help` message", body, check)


KESTREL = (search, open_incident, dashboard, chronology, record, help_message)
PRESS_KEYS = ("search", "open", "dashboard", "chronology", "record", "help")


def kestrel_presses(facts: Facts, connector_url: str) -> list[Press]:
    """Every press type Kestrel is measured on, in the order of the table."""
    return [make(facts, connector_url) for make in KESTREL]


def baseline_press(facts: Facts, connector_url: str, key: str, title: str) -> Press:
    """The invoke the baselines answer (the same Action.Execute as opening an incident)."""
    body = open_incident(facts, connector_url).body

    def check(i: int, status: int, payload: bytes) -> str | None:
        card, text = card_of(status, payload)
        return text if card is None else None

    return Press(key, title, body, check)
