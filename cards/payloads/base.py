"""Ids and the payloads most buttons carry: a record, a case at its version, an alert, a pupil."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, Self

_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,40}")
DASHBOARD = "dashboard"  # where an incident was opened from (its card then offers Back)
TRIAGE = "triage"  # opened from its post in the triage channel (Back to that post's view)
MAX_ID = 2**31 - 1  # ids are INTEGER columns (int4 on PostgreSQL)


def record_id(value: object) -> int | None:
    """An id or version from a button's data: an int the database can hold (1 to 2**31 - 1);
    anything else is None (the answer is a plain notice, never a database error)."""
    return value if type(value) is int and 0 < value <= MAX_ID else None


def chosen_id(value: object) -> int | None:
    """An id picked in a card's input, or in a signed link's path (both are text)."""
    text = str(value or "")
    return record_id(int(text)) if text.isascii() and text.isdecimal() and len(text) < 12 else None


def school_hint(data: object) -> int | None:
    """The school a button names (`school`: cards shown to a colleague of several schools carry
    it); a value that is not a school id names no school (0): the press is then refused."""
    value = data.get("school") if isinstance(data, Mapping) else None
    return None if value is None else record_id(value) or 0


def offset_of(data: Mapping[str, Any]) -> int:
    """A page's first row (0 when missing or not a small whole number)."""
    value = data.get("offset")
    return value if type(value) is int and 0 <= value <= MAX_ID else 0


def code_of(data: Mapping[str, Any]) -> str:
    """The authenticator code typed on a prompt (sent with the button's data), if any."""
    return str(data.get("code") or "")[:20]


def token_of(data: Mapping[str, Any]) -> str:
    """A token Kestrel made for words held server-side ("" when missing or not one)."""
    value = data.get("words")
    ok = (
        isinstance(value, str)
        and 0 < len(value) <= 40
        and value.replace("-", "").replace("_", "").isalnum()
    )
    return value if ok and value.isascii() else ""


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
    from_dashboard: bool = False  # opened from the dashboard: the card offers the way back
    from_triage: bool = False  # opened from its triage post: the way back to that

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        incident = record_id(data.get("incident"))
        if incident is None:
            return None
        alert = data.get("alert")
        if alert is not None and record_id(alert) is None:
            return None
        came = data.get("from")
        return cls(incident, record_id(alert), code_of(data), came == DASHBOARD, came == TRIAGE)


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
