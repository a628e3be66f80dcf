"""An incoming activity's JSON as botbuilder's `Activity`, as msrest's `Activity().deserialize`
makes it, in a fifth of the time.

msrest's deserializer is general (flattened keys, XML, polymorphic models, several key
extractors) and works that generality out again for every attribute of every model on every
request: about 0.3-0.5 ms an activity here, a sixth of a pupil search. The models of
botbuilder.schema use none of it, so each model's attributes are read once into a plan (its
JSON key, what to make of the value) and an activity is built by following the plans. Anything
the plan does not expect (a value of another JSON type than its attribute's, a type name it
does not know) is handed to msrest's own code for that value, so the outcome, errors included,
is msrest's. tests/unit/test_activity_reader.py compares the two on Teams' recorded activities
and on many variations of them.
"""

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from botbuilder.schema import Activity
from msrest.serialization import Deserializer, Model

_MODELS: dict[str, type] = Activity._infer_class_models()
_MSREST = Deserializer(_MODELS)
_JSON_SCALARS = (str, int, float, bool)

Convert = Callable[[Any], Any]


def read_activity(body: dict) -> Activity:
    """The activity `body` (a JSON object) describes; raises as msrest does for one it cannot
    read."""
    return _PLANS[Activity](body)


def _copy(value: Any) -> Any:
    """msrest's `object`: JSON values are copied as they are (deep)."""
    kind = type(value)
    if kind is dict:
        return {key: _copy(item) for key, item in value.items()}
    if kind is list:
        return [_copy(item) for item in value]
    if kind in _JSON_SCALARS or value is None:
        return value
    return _MSREST.deserialize_object(value)


def _msrest(data_type: str) -> Convert:
    return lambda value: _MSREST.deserialize_data(value, data_type)


# A time as Teams writes it (`timestamp`, `localTimestamp`): msrest reads it with isodate after
# cutting its fraction to microseconds, a tenth of the activity's reading; `fromisoformat` gives
# the same instant. Anything else (no offset, out of range, not a time) is msrest's to read.
_TEAMS_TIME = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6})\d*)?(Z|[+-]\d\d:\d\d)")


def _time(general: Convert) -> Convert:
    def read(value: Any) -> Any:
        found = _TEAMS_TIME.fullmatch(value.upper()) if type(value) is str else None
        if found is None:
            return general(value)
        seconds, fraction, offset = found.groups()
        text = seconds + (f".{fraction.ljust(6, '0')}" if fraction else "")
        try:
            read = datetime.fromisoformat(text + ("+00:00" if offset == "Z" else offset))
            if 1 <= read.utctimetuple().tm_year <= 9999:
                return read
        except (ValueError, OverflowError):
            pass
        return general(value)  # (refused as msrest refuses it)

    return read


def _converter(data_type: str) -> Convert:
    """What becomes of a non-null JSON value of `data_type` (an msrest type name)."""
    general = _msrest(data_type)
    if data_type == "iso-8601":
        return _time(general)
    if data_type == "str":
        return lambda value: value if type(value) is str else general(value)
    if data_type == "bool":
        return lambda value: value if type(value) is bool else general(value)
    if data_type == "object":
        return _copy
    if data_type.startswith("[") and data_type.endswith("]"):
        item = _converter(data_type[1:-1])

        def items(value: Any) -> Any:
            if type(value) is not list:
                return general(value)
            return [None if member is None else item(member) for member in value]

        return items
    model = _MODELS.get(data_type)
    if isinstance(model, type) and issubclass(model, Model) and _plannable(model):
        return lambda value: _PLANS[model](value) if type(value) is dict else general(value)
    return general  # iso-8601, int, float, {object}, enums...: msrest's own conversion


def _plannable(model: type) -> bool:
    """A model msrest builds plainly: no subtypes, no read-only or constant attributes, no
    flattened keys, no declared additional properties."""
    validation = getattr(model, "_validation", {}) or {}
    return not (
        getattr(model, "_subtype_map", None)
        or any(rule.get("readonly") or rule.get("constant") for rule in validation.values())
        or any("." in desc["key"] or desc["key"] == "" for desc in model._attribute_map.values())
    )


class _Plan:
    """How one model is read from a JSON object."""

    def __init__(self, model: type) -> None:
        self.model = model
        self.name = model.__name__
        self.fields: list[tuple[str, str, Convert]] = []
        self.known: set[str] = set()

    def fill(self) -> None:
        for attr, desc in self.model._attribute_map.items():
            self.fields.append((attr, desc["key"], _converter(desc["type"])))
            self.known.add(desc["key"])

    def __call__(self, data: dict) -> Any:
        if type(data) is not dict:
            return _MSREST.deserialize_data(data, self.name)
        values = {}
        for attr, key, convert in self.fields:
            value = data.get(key)
            values[attr] = None if value is None else convert(value)
        built = self.model(**values)
        extra = {key: data[key] for key in data.keys() - self.known}
        if extra:  # (msrest sets them only when there are some)
            built.additional_properties = extra
        return built


_PLANS: dict[type, _Plan] = {
    model: _Plan(model)
    for model in _MODELS.values()
    if isinstance(model, type) and issubclass(model, Model) and _plannable(model)
}
for _plan in _PLANS.values():
    _plan.fill()
