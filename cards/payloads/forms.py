"""Payloads of the Add incident and Add action forms: their inputs, kept by name."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Self

from cards.payloads.base import chosen_id, record_id, token_of

# The names the Add Incident form's inputs and state use; anything else is not from our card.
FORM_FIELD = re.compile(
    r"(form_key|key|linked|markers|new_student|evidence|confirm|op|student|dialog|student_id|pupil_query"
    r"|new_first|new_last|new_year|new_dob|text|categories|link_query|link_pick|date|time|status"
    r"|assignee|agencies|agency_other|alert_staff|alert_people|alert_groups"
    r"|linked_\d{1,18}_(same|categories|monitoring)|marker_\d{1,2}_(side|region|note))"
)


def form_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The Add Incident form's inputs and state, by name; keys our form does not have go."""
    return {k: v for k, v in data.items() if isinstance(k, str) and FORM_FIELD.fullmatch(k)}


@dataclass(frozen=True)
class NewForm:
    """`add incident [name]`, its button, or a dialog (with a message's text as evidence)."""

    query: str = ""  # the user's own typed words
    dialog: bool = False
    prefill: str = ""
    evidence: Mapping[str, Any] | None = None
    words: str = ""  # a token for words typed after the command (held by Kestrel)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        evidence = data.get("evidence")
        return cls(
            str(data.get("text") or "")[:100],
            data.get("dialog") is True,
            str(data.get("prefill") or "") if isinstance(evidence, dict) else "",
            evidence if isinstance(evidence, dict) else None,
            token_of(data),
        )


@dataclass(frozen=True)
class FormData:
    """The Add Incident form as sent back: its fields, and which helper button was pressed."""

    values: Mapping[str, Any]
    op: str = ""  # find, find_link, new, existing, link, unlink, add_marker
    student: Any = None  # the linked pupil an unlink button names
    dialog: bool = False

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        op = data.get("op")
        dialog = data.get("dialog") is True
        return cls(
            form_values(data), op if isinstance(op, str) else "", data.get("student"), dialog
        )


@dataclass(frozen=True)
class ActionsPage:
    """All actions on an incident, from a row (`offset`); `part`: the part of that action's
    text to show, when it is too long for one card."""

    incident: int
    offset: int = 0
    part: int = 0

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        incident = record_id(data.get("incident"))
        offset = data.get("offset") if type(data.get("offset")) is int else 0
        part = data.get("part") if type(data.get("part")) is int else 0
        return None if incident is None else cls(incident, offset, max(0, min(part, 1000)))


@dataclass(frozen=True)
class OriginalPart:
    """Show the original: the HTML email pasted into an incident's text (or, with `action`, an
    action's), from one of its parts (a long email is shown a part at a time)."""

    incident: int
    action: int | None = None
    part: int = 0

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        incident, action = record_id(data.get("incident")), data.get("action")
        if incident is None or (action is not None and record_id(action) is None):
            return None
        part = data.get("part") if type(data.get("part")) is int else 0
        return cls(incident, record_id(action), max(0, min(part, 1000)))


@dataclass(frozen=True)
class TextPage:
    """An incident's text in full, from a page (`page`, from 0)."""

    incident: int
    page: int = 0

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        incident = record_id(data.get("incident"))
        page = data.get("page") if type(data.get("page")) is int else 0
        return None if incident is None or page < 0 else cls(incident, page)


def search_school(value: Mapping[str, Any]) -> int | None:
    """The school a typeahead's dataset names (`students@2`, on a trust colleague's form);
    one that is not a school id names no school (0)."""
    _, at, school = str(value.get("dataset", "")).partition("@")
    return (chosen_id(school) or 0) if at else None


@dataclass(frozen=True)
class SearchQuery:
    """A typeahead's search (Data.Query): what was typed, and the page Teams asks for. Only the
    "students" dataset is Kestrel's: for any other nothing was typed (nothing is found)."""

    text: str
    limit: int
    offset: int

    @classmethod
    def parse(cls, value: Mapping[str, Any], most: int) -> Self:
        options = value.get("queryOptions") if isinstance(value.get("queryOptions"), dict) else {}
        top, skip = options.get("top"), options.get("skip")
        students = str(value.get("dataset", "")).partition("@")[0] == "students"
        return cls(
            str(value.get("queryText", ""))[:100] if students else "",
            min(top, most) if type(top) is int and top > 0 else most,
            min(skip, 1000) if type(skip) is int and skip > 0 else 0,  # Teams pages with skip
        )
