"""An incident as recorded: what the Add Incident form carries once it has been read and checked.

Reading the form is pure: every field is checked and every problem is reported at once, by field,
so the form can come back with the user's values and a message by each wrong field.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from safeguarding.access import Pupil, Record
from safeguarding.errors import InvalidInput
from safeguarding.school import Student

MAX_TEXT = 20_000
MAX_MARKERS = 12
MAX_LINKED = 10
MAX_NOTE = 500
MAX_AGENCY = 100
DEFAULT_AGENCIES = (
    "Police",
    "Children's Social Care",
    "Early Help",
    "CAMHS",
    "School Nurse",
    "GP",
    "LADO",
)
SIDES = ("Front", "Back")
REGIONS = (
    "Head",
    "Face",
    "Neck",
    "Chest",
    "Abdomen",
    "Upper back",
    "Lower back",
    "Buttocks",
    "Genital area",
    "Left arm",
    "Right arm",
    "Left hand",
    "Right hand",
    "Left leg",
    "Right leg",
    "Left foot",
    "Right foot",
)
_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
_GUID = re.compile(r"[0-9A-Fa-f-]{36}")


class Status(StrEnum):
    OPEN = "Open"
    ACTIVE = "Active"
    CLOSED = "Closed"


# A concern is recorded Open or Active; closing needs an outcome (casework).
RECORDABLE = (Status.OPEN, Status.ACTIVE)


def reference(incident_id: int) -> str:
    """The reference staff quote: K-123."""
    return f"K-{incident_id}"


@dataclass(frozen=True)
class PupilEntry:
    student_id: int
    category_ids: frozenset[int]
    linked: bool = False
    monitoring: bool = False


@dataclass(frozen=True)
class NewStudent:
    """A pupil not yet in the roster: recorded as provisional for an administrator to confirm."""

    first_name: str
    last_name: str
    year_group: int


@dataclass(frozen=True)
class Marker:
    number: int
    side: str
    region: str
    note: str


@dataclass(frozen=True)
class Evidence:
    """The Teams message a concern was recorded from (message action)."""

    message_id: str
    author: str
    sent_at: str


@dataclass(frozen=True)
class IncidentDraft:
    key: str  # idempotency key carried in the form's card
    pupils: tuple[PupilEntry, ...]  # the first is the main pupil (0 when new_student is set)
    text: str
    happened_at: datetime  # UTC
    time_zone: str
    status: Status = Status.OPEN
    assignee_id: int | None = None
    agencies: tuple[str, ...] = ()
    alert_staff_ids: frozenset[int] = frozenset()
    alert_aad_ids: frozenset[str] = frozenset()
    alert_group_ids: frozenset[int] = frozenset()
    markers: tuple[Marker, ...] = ()
    new_student: NewStudent | None = None
    evidence: Evidence | None = None
    confirm: str = ""  # the grants the user has been shown and accepted

    @property
    def category_ids(self) -> frozenset[int]:
        """Every category of the incident, over all its pupils."""
        return frozenset().union(*(p.category_ids for p in self.pupils))


@dataclass(frozen=True)
class NewIncident:
    """A checked draft, ready to store: its pupils resolved (a new student has an id now)."""

    school_id: int
    recorded_by: int
    recorded_at: datetime
    draft: IncidentDraft
    pupils: tuple[PupilEntry, ...]


@dataclass(frozen=True)
class QueuedAlert:
    """An alert in the outbox: a colleague to tell about an incident (the sender delivers it)."""

    school_id: int
    incident_id: int
    staff_id: int
    raised_by: int
    reason: str  # "tagged" (chosen on the form) or "group" (an alert group, chosen or default)
    created_at: datetime


def read_form(values: Mapping[str, Any], *, now: datetime, time_zone: str) -> IncidentDraft:
    """The form's inputs and card data as a draft; InvalidInput names every wrong field."""
    errors: dict[str, str] = {}
    key = str(values.get("key", ""))
    if not _KEY.fullmatch(key):
        errors["form"] = "This form is out of date. Please open Add incident again."
    new_student = _new_student(values, errors)
    main = _main_pupil(values, errors, truthy(values.get("new_student")))
    pupils = (main, *_linked_pupils(values, main, errors))
    text = _text(values, errors)
    happened_at = _happened_at(values, now, time_zone, errors)
    status = str(values.get("status") or Status.OPEN)
    if status not in RECORDABLE:
        errors["status"] = "Choose Open or Active."
    assignee = str(values.get("assignee") or "")
    if assignee and not _is_id(assignee):
        errors["assignee"] = "Choose a colleague from the list."
    markers = _markers(values, errors)
    if errors:
        raise InvalidInput(errors)
    return IncidentDraft(
        key=key,
        pupils=pupils,
        text=text,
        happened_at=happened_at,
        time_zone=time_zone,
        status=Status(status),
        assignee_id=int(assignee) if assignee else None,
        agencies=_agencies(values),
        alert_staff_ids=frozenset(ids(values.get("alert_staff"))),
        alert_aad_ids=frozenset(
            v.lower() for v in _split(values.get("alert_people")) if _GUID.fullmatch(v)
        ),
        alert_group_ids=frozenset(ids(values.get("alert_groups"))),
        markers=markers,
        new_student=new_student,
        evidence=_evidence(values.get("evidence")),
        confirm=str(values.get("confirm", ""))[:200],
    )


def ids(value: Any) -> list[int]:
    """Ids from a multi-select (comma-joined text) or a card's list of ids; others are dropped."""
    items = value if isinstance(value, list) else _split(value)
    found = [int(v) for v in (str(i).strip() for i in items) if _is_id(v)]
    return list(dict.fromkeys(found))


def linked_ids(values: Mapping[str, Any]) -> list[int]:
    """The linked pupils the form currently lists (kept in the card's button data)."""
    return ids(values.get("linked"))[:MAX_LINKED]


def marker_count(values: Mapping[str, Any]) -> int:
    """How many body-map markers the form currently shows."""
    count = values.get("markers")
    return min(count, MAX_MARKERS) if type(count) is int and count > 0 else 0


def truthy(value: Any) -> bool:
    """An Input.Toggle's value ("true"/"false"), or a flag in card data."""
    return value is True or str(value).lower() in ("true", "1", "yes")


def _main_pupil(values: Mapping[str, Any], errors: dict[str, str], new: bool) -> PupilEntry:
    categories = frozenset(ids(values.get("categories")))
    if not categories:
        errors["categories"] = "Choose at least one category."
    student = str(values.get("student_id") or "")
    if new:
        return PupilEntry(0, categories)
    if not _is_id(student):
        errors["student_id"] = "Choose the pupil this concern is about (type a name, then Find)."
        return PupilEntry(0, categories)
    return PupilEntry(int(student), categories)


def _linked_pupils(
    values: Mapping[str, Any], main: PupilEntry, errors: dict[str, str]
) -> list[PupilEntry]:
    linked = []
    for student_id in linked_ids(values):
        if student_id == main.student_id:
            errors["linked"] = "The main pupil cannot also be a linked pupil."
            continue
        prefix = f"linked_{student_id}_"
        same = truthy(values.get(prefix + "same"))
        categories = (
            main.category_ids if same else frozenset(ids(values.get(prefix + "categories")))
        )
        monitoring = truthy(values.get(prefix + "monitoring"))
        if monitoring and not categories:
            errors[prefix + "categories"] = "Choose the categories to monitor this pupil for."
        linked.append(PupilEntry(student_id, categories, linked=True, monitoring=monitoring))
    return linked


def _new_student(values: Mapping[str, Any], errors: dict[str, str]) -> NewStudent | None:
    if not truthy(values.get("new_student")):
        return None
    first, last = (str(values.get(k) or "").strip()[:100] for k in ("new_first", "new_last"))
    year = str(values.get("new_year") or "").strip()
    if not first:
        errors["new_first"] = "Enter the pupil's first name."
    if not last:
        errors["new_last"] = "Enter the pupil's last name."
    if not (_is_id(year) and 0 <= int(year) <= 14):
        errors["new_year"] = "Enter the year group as a number (0 for Reception)."
        return None
    return NewStudent(first, last, int(year))


def _text(values: Mapping[str, Any], errors: dict[str, str]) -> str:
    text = str(values.get("text") or "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        errors["text"] = "Describe what happened, in the words used where you can."
    elif len(text) > MAX_TEXT:
        errors["text"] = f"The text is {len(text):,} characters; the most is {MAX_TEXT:,}."
    return text


def _happened_at(
    values: Mapping[str, Any], now: datetime, time_zone: str, errors: dict[str, str]
) -> datetime:
    zone = ZoneInfo(time_zone)
    local_now = now.astimezone(zone)
    day_text, time_text = (str(values.get(k) or "").strip() for k in ("date", "time"))
    try:
        day = date.fromisoformat(day_text) if day_text else local_now.date()
    except ValueError:
        errors["date"] = "Enter the date as a date (for example 2026-11-24)."
        return now
    try:
        clock = time.fromisoformat(time_text) if time_text else local_now.time()
    except ValueError:
        errors["time"] = "Enter the time as hours and minutes (for example 14:30)."
        return now
    happened = datetime.combine(day, clock.replace(second=0, microsecond=0), zone)
    if happened > local_now:
        errors["date"] = (
            "The incident cannot be later than now "
            f"({local_now.strftime('%d/%m/%Y %H:%M')}). Check the date and time."
        )
    return happened.astimezone(now.tzinfo)


def _agencies(values: Mapping[str, Any]) -> tuple[str, ...]:
    chosen = [a.strip()[:MAX_AGENCY] for a in _split(values.get("agencies"))]
    other = str(values.get("agency_other") or "").strip()[:MAX_AGENCY]
    return tuple(dict.fromkeys(a for a in (*chosen, other) if a))


def _markers(values: Mapping[str, Any], errors: dict[str, str]) -> tuple[Marker, ...]:
    markers = []
    for number in range(1, marker_count(values) + 1):
        side, region, note = (
            str(values.get(f"marker_{number}_{k}") or "").strip()
            for k in ("side", "region", "note")
        )
        if not (region or note):
            continue  # an empty marker row is not a marker
        if side not in SIDES or region not in REGIONS:
            errors[f"marker_{number}_region"] = "Choose the side and the body region."
        if len(note) > MAX_NOTE:
            errors[f"marker_{number}_note"] = f"Keep the note under {MAX_NOTE} characters."
        markers.append(Marker(len(markers) + 1, side, region, note))
    return tuple(markers)


def _evidence(value: Any) -> Evidence | None:
    if not isinstance(value, Mapping):
        return None
    message_id, author, sent_at = (
        str(value.get(k) or "")[:200] for k in ("message_id", "author", "sent_at")
    )
    return Evidence(message_id, author, sent_at) if message_id else None


def _split(value: Any) -> list[str]:
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


def _is_id(value: str) -> bool:
    return value.isascii() and value.isdecimal() and len(value) < 19


@dataclass(frozen=True)
class IncidentPupil:
    student: Student
    category_ids: frozenset[int]
    linked: bool = False
    monitoring: bool = False


@dataclass(frozen=True)
class IncidentFacts:
    """What access depends on, and what a view shows besides the encrypted content."""

    id: int
    school_id: int
    recorded_by: int
    recorded_at: datetime
    happened_at: datetime
    time_zone: str
    status: Status
    assignee_id: int | None
    agencies: tuple[str, ...]
    pupils: tuple[IncidentPupil, ...]
    granted_to: frozenset[int] = frozenset()

    @property
    def reference(self) -> str:
        return reference(self.id)

    def record(self) -> Record:
        """The incident as the access decision sees it."""
        return Record(
            pupils=tuple(
                Pupil(p.student.id, p.student.year_group, p.student.tutor_group)
                for p in self.pupils
            ),
            categories=frozenset().union(*(p.category_ids for p in self.pupils)),
            incident_id=self.id,
            recorded_by=self.recorded_by,
            happened_at=self.happened_at,
            granted_to=self.granted_to,
        )


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    name: str
    kind: str
    size: int
    sha256: str
    added_at: datetime
