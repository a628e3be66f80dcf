"""Hypothesis against the real endpoint: hostile bodies for /api/messages, and every verb's
payload as Action.Execute and Action.Submit. Nothing may answer 500, and no press may fail
unexpectedly ("Something went wrong"): a malformed request is refused in words."""

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.verbs import VERBS
from tests.support.activities import DSL_AAD, FIXTURES, TEACHER_AAD, activity, as_user

FUZZ = settings(
    max_examples=40,  # on each database
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,  # the same examples every run: a failure here is never a fluke
)
UNEXPECTED = "Something went wrong"
# Keys the payloads and forms read (cards/payloads, safeguarding/*_form.py), and a few others.
KEYS = [
    "incident",
    "version",
    "alert",
    "student",
    "student_id",
    "staff",
    "staff_id",
    "assignee",
    "status",
    "reason",
    "offset",
    "code",
    "key",
    "text",
    "categories",
    "linked",
    "markers",
    "words",
    "op",
    "pages",
    "agencies",
    "agency",
    "agency_other",
    "alert_groups",
    "alert_people",
    "alert_staff",
    "confirm",
    "evidence",
    "exclusion",
    "filter_categories",
    "hide_names",
    "new_student",
    "new_year",
    "planner_date",
    "planner_staff",
    "prefill",
    "pupil_query",
    "date",
    "time",
    "dialog",
    "from",
    "outcome",
    "ver",
    "verb",
]
FIXTURE_NAMES = sorted(p.stem for p in FIXTURES.glob("*.json"))

# Lone surrogates ("\ud800", which json.loads accepts from an escape) and NUL anywhere in an
# activity are drawn too: found by this suite (a "Something went wrong" card, not a 400), they
# are now refused at the door (bot/routes.py).
characters = st.characters() | st.characters(categories=["Cs"])  # (Hypothesis omits Cs)
texts = st.lists(characters, max_size=40).map("".join)  # (st.text drops surrogates itself)

ids = st.integers(min_value=-3, max_value=40)
scalars = (
    st.none()
    | st.booleans()
    | ids
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
    | ids.map(str)
    | st.lists(ids, max_size=4).map(lambda n: ",".join(map(str, n)))
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
payloads = st.dictionaries(st.sampled_from(KEYS) | texts, values, max_size=8).map(
    lambda d: {"v": 1, **d}
)


def said(card: Any) -> str:
    return json.dumps(card, ensure_ascii=False)


def refused_or_served(status: int) -> bool:
    """Any 2xx or 4xx, or 501 for an invoke Kestrel does not implement (as the SDK answers)."""
    return status < 500 or status == 501


async def answered(bot, body: Any) -> tuple[int, str]:
    response = await bot.post(body)
    return response.status, await response.text()


@FUZZ
@given(
    verb=st.sampled_from(sorted(VERBS)), data=payloads, who=st.sampled_from([DSL_AAD, TEACHER_AAD])
)
async def test_every_verb_refuses_any_payload_in_words(running_bot, verb, data, who):
    action = {"type": "Action.Execute", "verb": verb, "data": data}
    body = activity("invoke_action_execute", running_bot.connector_url, value__action=action)
    status, text = await answered(running_bot, as_user(body, who))
    if status == 400:  # only for text that is not valid Unicode (refused at the door)
        assert not_unicode(data) and "not valid Unicode" in text, (verb, data, text)
        return
    assert status == 200, text
    assert UNEXPECTED not in text, (verb, data)


def not_unicode(value: Any) -> bool:
    """Whether a lone surrogate or NUL is anywhere in this value, its keys included."""
    if isinstance(value, str):
        return "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return any(not_unicode(k) or not_unicode(v) for k, v in value.items())
    if isinstance(value, list):
        return any(not_unicode(v) for v in value)
    return False


@FUZZ
@given(verb=st.sampled_from(sorted(VERBS)), data=payloads)
async def test_every_verb_posted_as_a_submit_is_answered_without_a_failure(running_bot, verb, data):
    body = activity(
        "message_action_submit", running_bot.connector_url, value={**data, "verb": verb}
    )
    before = len(running_bot.connector.sent)
    status, text = await answered(running_bot, body)
    assert status < 500, text
    replies = said([s.body for s in running_bot.connector.sent[before:]])
    assert UNEXPECTED not in replies, (verb, data)


def mutated(fixture: str, url: str, changes: dict[str, Any]) -> dict[str, Any]:
    """A fixture activity with some top-level or nested fields replaced by anything."""
    body = activity(fixture, url)
    for path, value in changes.items():
        target = body
        *parents, last = path.split(".")
        for key in parents:
            target = target.get(key) if isinstance(target, dict) else None
        if isinstance(target, dict):
            target[last] = value
    return body


FIELDS = [
    "type",
    "name",
    "text",
    "value",
    "from",
    "from.id",
    "from.aadObjectId",
    "conversation",
    "conversation.id",
    "conversation.conversationType",
    "conversation.tenantId",
    "recipient",
    "recipient.id",
    "channelData",
    "channelData.tenant",
    "channelData.tenant.id",
    "replyToId",
    "attachments",
    "entities",
    "localTimezone",
    "value.action",
    "value.action.verb",
    "value.action.data",
    "value.data",
    "value.queryText",
    "value.messagePayload",
    "action",
    "membersAdded",
    "timestamp",
]


@FUZZ
@given(
    fixture=st.sampled_from(FIXTURE_NAMES),
    changes=st.dictionaries(st.sampled_from(FIELDS), values, min_size=1, max_size=4),
)
async def test_any_teams_activity_with_fields_changed_is_never_a_500(running_bot, fixture, changes):
    body = mutated(fixture, running_bot.connector_url, changes)
    before = len(running_bot.connector.sent)
    status, text = await answered(running_bot, body)
    assert refused_or_served(status), (status, text)
    assert UNEXPECTED not in text + said([s.body for s in running_bot.connector.sent[before:]])


IDENTITY = [
    "from.id",
    "from.aadObjectId",
    "from.name",
    "conversation.id",
    "conversation.tenantId",
    "recipient.id",
    "channelData.tenant.id",
    "replyToId",
]


@FUZZ
@given(
    fixture=st.sampled_from(["message_help", "invoke_action_execute", "installationUpdate_add"]),
    changes=st.dictionaries(st.sampled_from(IDENTITY), texts, min_size=1, max_size=3),
)
async def test_any_text_in_who_and_where_is_refused_or_served_in_words(
    running_bot, fixture, changes
):
    body = mutated(fixture, running_bot.connector_url, changes)
    before = len(running_bot.connector.sent)
    status, text = await answered(running_bot, body)
    assert refused_or_served(status), (status, text)
    assert UNEXPECTED not in text + said([s.body for s in running_bot.connector.sent[before:]])


@FUZZ
@given(
    body=values | st.binary(max_size=200),
    content_type=st.sampled_from(
        ["application/json", "application/json; charset=utf-8", "text/plain", ""]
    ),
)
async def test_any_body_at_all_is_refused_with_a_4xx(running_bot, body, content_type):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Content-Type": content_type} if content_type else {}
    async with running_bot.http.post(
        f"{running_bot.url}/api/messages", data=raw, headers=headers
    ) as response:
        assert response.status < 500, await response.text()
