"""What each button carries, typed: parsed strictly once (bot/verbs.py), built by the cards.

Ids are references, never permissions: the use case loads the record and decides. A payload that
does not parse is refused where it is parsed, before any use case runs.

Teams merges a card's inputs into the pressed button's data, so a form's payload keeps every
input by name (`values`) for the domain's form readers; ids and versions are taken out here.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, Self

MAX_ID = 2**31 - 1  # ids are INTEGER columns (int4 on PostgreSQL)


def record_id(value: object) -> int | None:
    """An id or version from a button's data: an int the database can hold (1 to 2**31 - 1);
    anything else is None (the answer is a plain notice, never a database error)."""
    return value if type(value) is int and 0 < value <= MAX_ID else None


def chosen_id(value: object) -> int | None:
    """An id picked in a card's input, or in a signed link's path (both are text)."""
    text = str(value or "")
    return record_id(int(text)) if text.isascii() and text.isdecimal() and len(text) < 12 else None


def offset_of(data: Mapping[str, Any]) -> int:
    """A page's first row (0 when missing or not a small whole number)."""
    value = data.get("offset")
    return value if type(value) is int and 0 <= value <= MAX_ID else 0


def code_of(data: Mapping[str, Any]) -> str:
    """The authenticator code typed on a prompt (sent with the button's data), if any."""
    return str(data.get("code") or "")[:20]


class Payload(Protocol):
    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None: ...


@dataclass(frozen=True)
class NoIds:
    """A button that names no record (help, dashboard, settings); inputs kept by name."""

    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(dict(data))


@dataclass(frozen=True)
class IncidentRef:
    """One incident; `code` when the authenticator code was typed on the card."""

    incident: int
    code: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        incident = record_id(data.get("incident"))
        return None if incident is None else cls(incident, code_of(data), dict(data))

    def data(self) -> dict[str, Any]:
        return {"incident": self.incident}


@dataclass(frozen=True)
class CaseRef:
    """One incident at the version its card showed (every casework button carries both)."""

    incident: int
    version: int
    code: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        incident, version = record_id(data.get("incident")), record_id(data.get("ver"))
        if incident is None or version is None:
            return None
        return cls(incident, version, code_of(data), dict(data))

    def data(self) -> dict[str, Any]:
        return {"incident": self.incident, "ver": self.version}


@dataclass(frozen=True)
class AlertRef:
    """An incident as opened from an alert (`alert` on its refresh and Mark as read)."""

    incident: int
    alert: int | None = None
    code: str = ""

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        incident = record_id(data.get("incident"))
        if incident is None:
            return None
        alert = data.get("alert")
        if alert is not None and record_id(alert) is None:
            return None
        return cls(incident, record_id(alert), code_of(data))


@dataclass(frozen=True)
class StudentRef:
    """One pupil's record."""

    student: int
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        student = record_id(data.get("student"))
        return None if student is None else cls(student, dict(data))


@dataclass(frozen=True)
class Page:
    """A list at a row (`offset`), with the card's inputs (filters) kept by name."""

    offset: int = 0
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(offset_of(data), dict(data))


# The names the Add Incident form's inputs and state use; anything else is not from our card.
FORM_FIELD = re.compile(
    r"(key|linked|markers|new_student|evidence|confirm|op|student|dialog|student_id|pupil_query"
    r"|new_first|new_last|new_year|text|categories|link_query|link_pick|date|time|status"
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

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        evidence = data.get("evidence")
        return cls(
            str(data.get("text") or "")[:100],
            data.get("dialog") is True,
            str(data.get("prefill") or "") if isinstance(evidence, dict) else "",
            evidence if isinstance(evidence, dict) else None,
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
    """All actions on an incident, from a row (`offset`)."""

    incident: int
    offset: int = 0

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        incident = record_id(data.get("incident"))
        offset = data.get("offset") if type(data.get("offset")) is int else 0
        return None if incident is None else cls(incident, offset)


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
        students = value.get("dataset") == "students"
        return cls(
            str(value.get("queryText", ""))[:100] if students else "",
            min(top, most) if type(top) is int and top > 0 else most,
            min(skip, 1000) if type(skip) is int and skip > 0 else 0,  # Teams pages with skip
        )
