"""`read_activity` (bot/activity_reader.py) gives exactly what msrest's `Activity().deserialize`
gives, errors included: on Teams' recorded activities and on variations of them (keys dropped,
unknown keys added, values of every JSON type where another was expected, at every depth)."""

import copy
import json
from pathlib import Path

import pytest
from botbuilder.schema import Activity
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.activity_reader import read_activity

FIXTURES = sorted(Path(__file__).parents[1].joinpath("fixtures", "activities").glob("*.json"))
BODIES = [json.loads(path.read_text()) for path in FIXTURES]

# Times as Teams writes them and near misses (read by Kestrel's own path, or handed to msrest).
TIMES = [
    "2026-11-24T10:48:20.5364584Z",
    "2026-11-24T10:48:20.5364589+01:00",
    "2026-11-24t10:48:20.5z",
    "2026-11-24T10:48:20Z",
    "2026-11-24T10:48:20.123-05:30",
    "2026-11-24T10:48:20",
    "2026-11-24T10:48:20.123",
    "2026-11-24 10:48:20Z",
    "2026-11-24T10:48Z",
    "2026-02-30T10:48:20Z",
    "2026-11-24T24:00:00Z",
    "2026-11-24T10:48:20+25:00",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:30:00+01:00",
    "9999-12-31T23:30:00-01:00",
    "9999-12-31T23:59:59.9999999Z",
    "2026-11-24T10:48:20.Z",
    "+2026-11-24T10:48:20Z",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(["2026-12-07T10:00:00.123Z", "2026-12-07T10:00:00+01:00", "not a time"])
    | st.sampled_from(TIMES),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
# Keys that botbuilder's models know (at any depth), so a variation hits real attributes.
KNOWN_KEYS = sorted(
    {
        desc["key"]
        for model in Activity._infer_class_models().values()
        for desc in getattr(model, "_attribute_map", {}).values()
    }
)


def _outcome(read, body: dict):
    try:
        return "read", read(copy.deepcopy(body))
    except Exception:  # noqa: BLE001 - which kind does not matter: both refuse
        return "refused", None


def _same(body: dict) -> None:
    expected = _outcome(lambda b: Activity().deserialize(b), body)
    assert _outcome(read_activity, body) == expected


@pytest.mark.parametrize("body", BODIES, ids=[path.stem for path in FIXTURES])
def test_a_recorded_teams_activity_reads_as_msrest_reads_it(body):
    read = read_activity(copy.deepcopy(body))
    assert read == Activity().deserialize(copy.deepcopy(body))
    assert read.type == body["type"] and read.from_property.id == body["from"]["id"]


def _places(body: object, path: tuple = ()) -> list[tuple]:
    """Every dict in the body, by its path (where a variation can be made)."""
    found = []
    if isinstance(body, dict):
        found.append(path)
        for key, value in body.items():
            found += _places(value, (*path, key))
    elif isinstance(body, list):
        for index, value in enumerate(body):
            found += _places(value, (*path, index))
    return found


def _at(body: object, path: tuple) -> dict:
    for step in path:
        body = body[step]
    return body


@st.composite
def variations(draw):
    body = copy.deepcopy(draw(st.sampled_from(BODIES)))
    for _ in range(draw(st.integers(1, 4))):
        place = _at(body, draw(st.sampled_from(_places(body))))
        change = draw(st.sampled_from(["drop", "replace", "add"]))
        if change == "drop" and place:
            del place[draw(st.sampled_from(sorted(place)))]
        elif change == "replace" and place:
            place[draw(st.sampled_from(sorted(place)))] = draw(json_values)
        else:
            key = draw(st.sampled_from(KNOWN_KEYS) | st.text(max_size=6))
            place[key] = draw(json_values)
    return body


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variations())
def test_any_variation_reads_or_is_refused_as_msrest_would(body):
    _same(body)


@pytest.mark.parametrize(
    "change",
    [
        {"timestamp": "yesterday"},
        {"from": "a string"},
        {"from": ["a", "list"]},
        {"entities": {"not": "a list"}},
        {"entities": [None, {"type": "mention", "mentioned": {"id": "x"}}]},
        {"membersAdded": [{"id": 1, "name": True}]},
        {"historyDisclosed": "true"},
        {"historyDisclosed": "perhaps"},
        {"value": {"deep": [{"x": [1, 2.5, None, True]}]}},
        {"conversation": {"id": "c", "isGroup": "yes", "tenantId": "t", "extra": 1}},
    ],
)
def test_odd_shapes_read_or_are_refused_as_msrest_would(change):
    _same({**BODIES[0], **change})


@pytest.mark.parametrize("time", TIMES)
def test_times_read_as_msrest_reads_them_or_are_refused_alike(time):
    body = {**BODIES[0], "timestamp": time, "localTimestamp": time}
    _same(body)
    read = _outcome(read_activity, body)[1]
    if read is not None:  # the same instant, and the same wall-clock reading
        expected = Activity().deserialize(copy.deepcopy(body))
        assert read.timestamp.utcoffset() == expected.timestamp.utcoffset()
        assert read.timestamp.isoformat() == expected.timestamp.isoformat()
