"""The pieces every card is built from; staff-written text only ever goes through `text_run`."""

from collections.abc import Mapping
from typing import Any

import orjson

Card = dict[str, Any]
PAYLOAD_VERSION = 1


def json_text(value: Any) -> str:
    """JSON as Kestrel sends it to Teams: UTF-8 characters, not `\\uXXXX` escapes (six bytes
    for each character of a non-Latin script), and no spaces. Card sizes are measured in it.
    orjson writes what `json.dumps(value, ensure_ascii=False, separators=(",", ":"))` writes
    (tests/unit/test_cards.py holds them together), several times faster: every answer and
    every card's size goes through here."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def sent_size(value: Any) -> int:
    """Bytes on the wire: what Teams' size limits count."""
    return len(json_text(value).encode())


def fitting(text: str, budget: int) -> str:
    """The longest start of `text` whose JSON string takes at most `budget` bytes as sent."""
    if sent_size(text) <= budget:
        return text
    low, high = 0, len(text)  # text[:low] fits, text[:high] does not
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if sent_size(text[:middle]) <= budget else (low, middle)
    return text[:low]


def text_pages(text: str, budget: int, *, at_line_ends: bool = False) -> list[str]:
    """The text cut into pages of at most `budget` bytes as sent, in order (at least one);
    `at_line_ends`: a page ends after a line where one ends in its last tenth."""
    pages = []
    while text or not pages:
        page = fitting(text, budget)
        if at_line_ends and len(page) < len(text):
            line_end = page.rfind("\n", len(page) * 9 // 10)
            page = page[: line_end + 1] if line_end >= 0 else page
        pages.append(page)
        text = text[len(page) :]
    return pages


def adaptive_card(body: list[Card], actions: list[Card] | None = None) -> Card:
    """A Teams-renderable Adaptive Card (schema 1.5)."""
    card: Card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
    }
    if actions:
        card["actions"] = actions
    return card


def heading(text: str) -> Card:
    """A card title (our own wording: TextBlock parses markdown, so never pass staff text)."""
    return {"type": "TextBlock", "text": text, "weight": "Bolder", "size": "Medium", "wrap": True}


def text_block(text: str, *, subtle: bool = False) -> Card:
    """A paragraph of Kestrel's own wording."""
    block: Card = {"type": "TextBlock", "text": text, "wrap": True}
    if subtle:
        block["isSubtle"] = True
    return block


def text_run(text: str) -> Card:
    """Text as text: RichTextBlock/TextRun do not parse markdown, so links cannot be injected."""
    return {"type": "RichTextBlock", "inlines": [{"type": "TextRun", "text": text}]}


def facts(pairs: list[tuple[str, str]]) -> Card:
    """A two-column list of our own labels and values."""
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in pairs]}


def execute(verb: str, title: str, **data: Any) -> Card:
    """An Action.Execute button; its data is a small, versioned payload of ids."""
    return {
        "type": "Action.Execute",
        "title": title,
        "verb": verb,
        "data": {"v": PAYLOAD_VERSION, **data},
    }


def with_school(card: Any, school_id: int) -> Any:
    """The card with every button naming the school it was shown for (`school` in its data):
    a trust's colleague who works in several schools then acts on a record in its own school,
    whichever school they last chose to work in."""
    if isinstance(card, list):
        return [with_school(item, school_id) for item in card]
    if not isinstance(card, dict):
        return card
    copied = {key: with_school(value, school_id) for key, value in card.items()}
    if card.get("type") in BUTTONS and isinstance(card.get("data"), dict):
        copied["data"] = {**card["data"], "school": school_id}
    if card.get("type") == "Data.Query" and card.get("dataset") == "students":
        # A typeahead's search carries only its dataset's name: the school rides in it.
        copied["dataset"] = f"students@{school_id}"
    return copied


BUTTONS = ("Action.Execute", "Action.Submit")


def open_url(title: str, url: str) -> Card:
    """A button that opens a link (Kestrel's own signed, short-lived file links)."""
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def secondary(action: Card) -> Card:
    """A button Teams shows under the card's "…" menu (less used, or for the few)."""
    return {**action, "mode": "secondary"}


def warning(text: str) -> Card:
    """A problem to fix or a change that came first, in the attention colour (our wording)."""
    return {"type": "TextBlock", "text": text, "wrap": True, "color": "Attention"}


def confirmation(text: str) -> Card:
    """What just happened, when it went as asked (our own wording): never in attention red."""
    return {"type": "TextBlock", "text": text, "wrap": True, "color": "Good"}


def text_input(
    input_id: str, label: str, *, value: str = "", placeholder: str = "", max_length: int = 0
) -> Card:
    """A labelled single-line input; `value` carries back what the user typed."""
    element: Card = {"type": "Input.Text", "id": input_id, "label": label, "value": value}
    if placeholder:
        element["placeholder"] = placeholder
    if max_length:
        element["maxLength"] = max_length
    return element


def without_actions(card: Card) -> Card:
    """The card with its buttons removed (for dialogs, where Action.Execute does not apply)."""
    return {key: value for key, value in card.items() if key != "actions"}


def action_set(*actions: Card) -> Card:
    """Buttons inside the card body (next to what they act on)."""
    return {"type": "ActionSet", "actions": list(actions)}


def choice_set(
    input_id: str,
    label: str,
    choices: list[tuple[str, str]],
    *,
    value: str = "",
    multi: bool = False,
    expanded: bool = False,
    placeholder: str = "",
) -> Card:
    """A labelled drop-down (or check boxes, `expanded`) of (title, value) pairs."""
    element: Card = {
        "type": "Input.ChoiceSet",
        "id": input_id,
        "label": label,
        "choices": [{"title": title, "value": value} for title, value in choices],
    }
    if value:
        element["value"] = value
    if multi:
        element["isMultiSelect"] = True
    if expanded:
        element["style"] = "expanded"
    if placeholder:
        element["placeholder"] = placeholder
    return element


def toggle(input_id: str, title: str, *, on: bool = False) -> Card:
    """A yes/no switch; its value comes back as "true" or "false"."""
    return {
        "type": "Input.Toggle",
        "id": input_id,
        "title": title,
        "value": "true" if on else "false",
    }


def submit(verb: str, title: str, **data: Any) -> Card:
    """An Action.Submit (dialogs, where Action.Execute does not apply): the verb rides in data."""
    return {
        "type": "Action.Submit",
        "title": title,
        "data": {"v": PAYLOAD_VERSION, "verb": verb, **data},
    }


def when_inputs(
    what: str, day: str, clock: str, time_zone: str, errors: Mapping[str, str]
) -> list[Card]:
    """ "Date of the <what>" and "Time of the <what> (<zone>)", each with its message if any."""
    cards: list[Card] = [
        {"type": "Input.Date", "id": "date", "label": f"Date of the {what}", "value": day}
    ]
    if errors.get("date"):
        cards.append(warning(errors["date"]))
    cards.append(
        {
            "type": "Input.Time",
            "id": "time",
            "label": f"Time of the {what} ({time_zone})",
            "value": clock,
        }
    )
    if errors.get("time"):
        cards.append(warning(errors["time"]))
    return cards
