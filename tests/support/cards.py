"""Card checks every card builder's tests use: Adaptive Card 1.5 schema, Teams limits."""

import json
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft6Validator
from jsonschema.exceptions import best_match

from cards.elements import sent_size

MAX_CARD_BYTES = 28 * 1024  # the limit for webhook/Graph posts; we keep every card under it


@cache
def _validator() -> Draft6Validator:
    schema = json.loads(files("adaptive_cards").joinpath("schemas/schema-1.5.json").read_text())
    return Draft6Validator(schema)


# Teams' host extension the 1.5 schema does not know: typeahead on Input.ChoiceSet.
DATA_QUERY_DATASETS = {"students", "graph.microsoft.com/users"}


def _dataset(name: str) -> str:
    """Kestrel's own dataset may name a school (`students@2`: a trust colleague's form)."""
    head, at, school = name.partition("@")
    return head if at and head == "students" and school.isdecimal() else name


def _without_teams_extensions(node: Any, problems: list[str]) -> Any:
    """A copy of the card with `choices.data` checked (Data.Query, a known dataset) and removed."""
    if isinstance(node, list):
        return [_without_teams_extensions(item, problems) for item in node]
    if not isinstance(node, dict):
        return node
    copy = {k: _without_teams_extensions(v, problems) for k, v in node.items()}
    query = copy.pop("choices.data", None)
    if query is not None:
        if node.get("type") != "Input.ChoiceSet":
            problems.append(f"{node.get('id')}: choices.data outside an Input.ChoiceSet")
        elif set(query) != {"type", "dataset"} or query.get("type") != "Data.Query":
            problems.append(f"{node.get('id')}: choices.data must be {{type: Data.Query, dataset}}")
        elif _dataset(query["dataset"]) not in DATA_QUERY_DATASETS:
            problems.append(f"{node.get('id')}: unknown Data.Query dataset {query['dataset']!r}")
    return copy


def card_problems(card: dict[str, Any]) -> list[str]:
    """What is wrong with a card for Teams; empty when it is fine."""
    problems: list[str] = []
    checked = _without_teams_extensions(card, problems)
    for error in _validator().iter_errors(checked):
        deepest = best_match([error])  # the root anyOf hides the real fault one level down
        where = "/".join(str(p) for p in deepest.absolute_path)
        problems.append(f"{where or 'card'}: {deepest.message}")
    if card.get("type") != "AdaptiveCard":
        problems.append("top-level type must be AdaptiveCard")
    if card.get("version") != "1.5":
        problems.append(f"version must be 1.5 (Teams' highest), not {card.get('version')!r}")
    size = sent_size(card)  # in bytes as sent: UTF-8, as bot/routes.py answers
    if size > MAX_CARD_BYTES:
        problems.append(f"card is {size} bytes, over {MAX_CARD_BYTES}")
    return problems


def assert_valid_card(card: dict[str, Any]) -> None:
    """Fail with every problem listed."""
    problems = card_problems(card)
    assert problems == [], "\n".join(problems)


def texts(card: dict[str, Any]) -> list[str]:
    """Every TextBlock and RichTextBlock text of a card's body, in order."""
    found = []
    for element in card.get("body", []):
        if element["type"] == "TextBlock":
            found.append(element["text"])
        elif element["type"] == "RichTextBlock":
            found.append("".join(run["text"] for run in element["inlines"]))
    return found


def buttons(card: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, verb) of each of a card's actions."""
    return [(action["title"], action.get("verb", "")) for action in card.get("actions", [])]


def elements(node: Any) -> Iterator[dict[str, Any]]:
    """Every element and action of a card, depth first."""
    if isinstance(node, dict):
        yield node
        for key in ("body", "actions", "items", "columns"):
            yield from elements(node.get(key))
    elif isinstance(node, list):
        for item in node:
            yield from elements(item)


def inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in elements(card) if e.get("type", "").startswith("Input.")}


def choices(card: dict[str, Any], input_id: str) -> dict[str, str]:
    return {c["title"]: c["value"] for c in inputs(card)[input_id]["choices"]}


def button(card: dict[str, Any], title: str) -> dict[str, Any]:
    [found] = [
        e
        for e in elements(card)
        if e.get("type", "").startswith("Action.") and e.get("title") == title
    ]
    return found
