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

from safeguarding.incident_form import ids

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


@dataclass(frozen=True)
class AlertId:
    """One alert (Mark as read)."""

    alert: int

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        alert = record_id(data.get("alert"))
        return None if alert is None else cls(alert)


@dataclass(frozen=True)
class Pages:
    """The dashboard's three sections at their first rows (More); the first page otherwise."""

    pages: tuple[int, int, int] = (0, 0, 0)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        pages = data.get("pages")
        if isinstance(pages, list) and len(pages) == 3 and all(type(p) is int for p in pages):
            return cls((pages[0], pages[1], pages[2]))
        return cls()


@dataclass(frozen=True)
class SettingsForm:
    """The Settings card's toggles (an Input.Toggle sends "true" or "false")."""

    hide_names: bool

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(str(data.get("hide_names", "false")).lower() == "true")


@dataclass(frozen=True)
class CodeEntry:
    """An authenticator code typed on Settings or the enrolment card."""

    code: str

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(code_of(data))


@dataclass(frozen=True)
class ColleagueRef:
    """A colleague chosen on a card (None: none chosen, or not an id)."""

    staff: int | None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(chosen_id(data.get("staff_id")))


@dataclass(frozen=True)
class ExclusionForm:
    """The exclusion form: the pupil search typed, and the pupil, colleague and reason chosen
    (None or "" where nothing usable was chosen: the form comes back)."""

    query: str = ""
    student: int | None = None
    staff: int | None = None
    reason: str = ""

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(
            str(data.get("pupil_query") or "")[:100],
            chosen_id(data.get("student_id")),
            chosen_id(data.get("staff_id")),
            str(data.get("reason") or "")[:40],
        )


@dataclass(frozen=True)
class ExclusionRef:
    """One exclusion (Lift); None when the button's id could not be read."""

    exclusion: int | None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(record_id(data.get("exclusion")))


@dataclass(frozen=True)
class Assignee:
    """Assign to me (no `staff` sent) or Assign… (`staff`: the colleague chosen, None when the
    choice is not an id), on the case at the version its card showed."""

    incident: int
    version: int
    to_me: bool
    staff: int | None = None
    code: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        case = CaseRef.parse(data)
        if case is None:
            return None
        chosen = data.get("staff")
        return cls(
            case.incident, case.version, chosen is None, chosen_id(chosen), case.code, case.values
        )


@dataclass(frozen=True)
class PupilChoice:
    """Move to another pupil or Add linked student: the name searched for, the pupil chosen
    (None when not an id) and, to link, their categories; on the case at its card's version."""

    incident: int
    version: int
    query: str = ""
    student: int | None = None
    categories: frozenset[int] = frozenset()
    code: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        case = CaseRef.parse(data)
        if case is None:
            return None
        query = str(data.get("pupil_query") or "").strip()[:100]
        chosen = frozenset(ids(data.get("categories")))
        student = chosen_id(data.get("student"))
        return cls(case.incident, case.version, query, student, chosen, case.code, case.values)


@dataclass(frozen=True)
class Words:
    """What was typed to find a pupil (`student <name>`, Find); any text, as the input holds it."""

    text: str = ""

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        return cls(str(data.get("text") or ""))


@dataclass(frozen=True)
class RecordPage:
    """A pupil's record from an entry (`offset`, any whole number: the use case keeps it in
    range), with the filter typed (`values`) and a code if one was."""

    student: int
    offset: int = 0
    code: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        student, offset = record_id(data.get("student")), data.get("offset")
        if student is None:
            return None
        return cls(student, offset if type(offset) is int else 0, code_of(data), dict(data))


@dataclass(frozen=True)
class GrantRef:
    """The access an alert gave one colleague (`staff`) to one incident."""

    incident: int
    staff: int

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        incident, staff = record_id(data.get("incident")), record_id(data.get("staff"))
        return None if incident is None or staff is None else cls(incident, staff)

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
