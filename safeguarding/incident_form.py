"""The Add Incident form as data: what it offers a member of staff, and reading what comes back.

Reading is pure: every field is checked and every problem reported at once, by field, so the
form can come back with the user's values and a message by each wrong field.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from safeguarding.access import AccessPolicy
from safeguarding.errors import InvalidInput
from safeguarding.html_text import Readable, readable
from safeguarding.incidents import (
    DEFAULT_AGENCIES,
    MAX_AGENCY,
    MAX_LINKED,
    MAX_MARKERS,
    MAX_NOTE,
    MAX_PASTED,
    MAX_TEXT,
    RECORDABLE,
    REGIONS,
    SIDES,
    Evidence,
    IncidentDraft,
    Marker,
    NewStudent,
    PupilEntry,
    Status,
)
from safeguarding.school import AlertGroup, Category, years_text
from safeguarding.search import StudentMatch
from safeguarding.staff import StaffMember

_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
# The field a form's idempotency key travels in. Not "key": the Agents Playground's web UI
# cannot press a button whose Action.Execute data holds a field of that name (it throws
# "Cannot assign to read only property 'key'"), and Teams may not either.
FORM_KEY = "form_key"
_GUID = re.compile(r"[0-9A-Fa-f-]{36}")


@dataclass(frozen=True)
class FormOptions:
    """What the Add Incident form offers this member of staff."""

    categories: tuple[Category, ...]  # those they may add to
    case_workers: tuple[StaffMember, ...]
    colleagues: tuple[StaffMember, ...]
    alert_groups: tuple[AlertGroup, ...]
    agencies: tuple[str, ...]
    year_groups: tuple[int, ...] = ()  # the school's, from its roster (a new student's)


@dataclass(frozen=True)
class IncidentForm:
    """The Add Incident form as shown: options, the user's values, and what the server found."""

    options: FormOptions
    values: Mapping[str, Any]
    now: datetime
    time_zone: str
    dialog: bool = False  # Action.Submit buttons (dialogs, message action), people picker
    matches: Sequence[StudentMatch] = ()  # pupils found for the typed name
    link_matches: Sequence[StudentMatch] = ()
    pupils: Mapping[int, StudentMatch] = field(default_factory=dict)  # chosen and linked
    hide_names: bool = False
    errors: Mapping[str, str] = field(default_factory=dict)
    grants: Sequence[str] = ()  # colleagues who would gain access; shown before recording
    confirm: str = ""
    notice: str = ""
    # Restricted categories left out of this copy (the form posted in the chat, which Teams
    # keeps, never names them); the form opened in place offers them all.
    withheld: int = 0

    def posted(self) -> "IncidentForm":
        """This form as posted in the chat: restricted categories withheld."""
        kept = tuple(c for c in self.options.categories if not c.restricted)
        withheld = len(self.options.categories) - len(kept)
        return replace(self, options=replace(self.options, categories=kept), withheld=withheld)


@dataclass(frozen=True)
class OpensPrivately:
    """Outside the 1:1 chat the form opens only as a private dialog, never in the chat."""


def options_of(
    actor: StaffMember,
    policy: AccessPolicy,
    categories: Sequence[Category],
    staff: Sequence[StaffMember],
    groups: Sequence[AlertGroup],
    agencies: Sequence[str],
    year_groups: Sequence[int] = (),
) -> FormOptions:
    """What a form offers this member of staff: the categories they may record in (by the
    school's rights; never a retired one), the case workers, the other colleagues (never an
    administrator: they cannot open what an alert is about), groups, agencies, year groups."""
    return FormOptions(
        categories=tuple(
            c for c in categories if not c.retired and policy.rights(actor, c.id).add_incidents
        ),
        case_workers=tuple(s for s in staff if s.leads_safeguarding),
        colleagues=tuple(s for s in staff if s.id != actor.id and not s.administers),
        alert_groups=tuple(groups),
        agencies=tuple(agencies) or DEFAULT_AGENCIES,
        year_groups=tuple(year_groups),
    )


def read_form(
    values: Mapping[str, Any],
    *,
    now: datetime,
    time_zone: str,
    year_groups: Sequence[int] = (),
) -> IncidentDraft:
    """The form's inputs and card data as a draft; InvalidInput names every wrong field. A
    new student's year group must be one of the school's (`year_groups`, when it has any)."""
    errors: dict[str, str] = {}
    key = form_key(values)
    if not _KEY.fullmatch(key):
        errors["form"] = "This form is out of date. Please open Add incident again."
    today = now.astimezone(ZoneInfo(time_zone)).date()
    new_student = _new_student(values, errors, year_groups, today)
    main = _main_pupil(values, errors, truthy(values.get("new_student")))
    pupils = (main, *_linked_pupils(values, main, errors))
    text = text_of(values, errors, "Describe what happened, in the words used where you can.")
    happened_at = happened_at_of(values, now, time_zone, errors)
    status = str(values.get("status") or Status.OPEN)
    if status not in RECORDABLE:
        errors["status"] = "Choose Open or Active."
    assignee = str(values.get("assignee") or "")
    if assignee and not is_id(assignee):
        errors["assignee"] = "Choose a colleague from the list."
    markers = _markers(values, errors)
    if errors:
        raise InvalidInput(errors)
    return IncidentDraft(
        key=key,
        pupils=pupils,
        text=text.text,
        original=text.original,
        happened_at=happened_at,
        time_zone=time_zone,
        status=Status(status),
        assignee_id=int(assignee) if assignee else None,
        agencies=_agencies(values),
        alert_staff_ids=frozenset(ids(values.get("alert_staff"))),
        alert_aad_ids=frozenset(
            v.lower() for v in split_list(values.get("alert_people")) if _GUID.fullmatch(v)
        ),
        alert_group_ids=frozenset(ids(values.get("alert_groups"))),
        markers=markers,
        new_student=new_student,
        evidence=_evidence(values.get("evidence")),
        confirm=str(values.get("confirm", ""))[:200],
    )


def ids(value: Any) -> list[int]:
    """Ids from a multi-select (comma-joined text) or a card's list of ids; others are dropped."""
    items = value if isinstance(value, list) else split_list(value)
    found = [int(v) for v in (str(i).strip() for i in items) if is_id(v)]
    return list(dict.fromkeys(found))


def linked_ids(values: Mapping[str, Any]) -> list[int]:
    """The linked pupils the form currently lists (kept in the card's button data)."""
    return ids(values.get("linked"))[:MAX_LINKED]


def marker_count(values: Mapping[str, Any]) -> int:
    """How many body-map markers the form currently shows."""
    count = values.get("markers")
    return min(count, MAX_MARKERS) if type(count) is int and count > 0 else 0


def form_key(values: Mapping[str, Any]) -> str:
    """A form's idempotency key (a card sent before the field was renamed carries "key")."""
    return str(values.get(FORM_KEY) or values.get("key") or "")


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
    if not is_id(student):
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


def _new_student(
    values: Mapping[str, Any], errors: dict[str, str], year_groups: Sequence[int], today: date
) -> NewStudent | None:
    if not truthy(values.get("new_student")):
        return None
    first, last = (str(values.get(k) or "").strip()[:100] for k in ("new_first", "new_last"))
    year = str(values.get("new_year") or "").strip()
    born = _new_birth_date(values, errors, today)
    if not first:
        errors["new_first"] = "Enter the pupil's first name."
    if not last:
        errors["new_last"] = "Enter the pupil's last name."
    if not (is_id(year) and 0 <= int(year) <= 14):
        errors["new_year"] = "Enter the year group as a number (0 for Reception)."
        return None
    if year_groups and int(year) not in year_groups:
        errors["new_year"] = f"Choose one of the school's year groups ({years_text(year_groups)})."
        return None
    return NewStudent(first, last, int(year), born)


def _new_birth_date(values: Mapping[str, Any], errors: dict[str, str], today: date) -> date | None:
    """The new student's date of birth, if known (it is how they are matched to the roster)."""
    text = str(values.get("new_dob") or "").strip()
    if not text:
        return None
    try:
        born = date.fromisoformat(text)
    except ValueError:
        errors["new_dob"] = "Enter the date of birth as a date, or leave it empty."
        return None
    if born > today:
        errors["new_dob"] = "The date of birth cannot be in the future."
        return None
    return born


def text_of(values: Mapping[str, Any], errors: dict[str, str], missing: str) -> Readable:
    """The text box as kept: an HTML email pasted as its source becomes its readable text, and
    the source is kept beside it as evidence; `missing` is the message when it is empty."""
    typed = str(values.get("text") or "").replace("\r\n", "\n").replace("\r", "\n")
    if len(typed) > MAX_PASTED:
        errors["text"] = f"The text is {len(typed):,} characters; the most is {MAX_TEXT:,}."
        return Readable(typed)
    found = readable(typed)
    if found.original and not found.text.strip():
        errors["text"] = (
            "The pasted email has no text to keep: paste its text, or say what it said."
        )
    elif not found.text.strip():
        errors["text"] = missing
    elif len(found.text) > MAX_TEXT:
        errors["text"] = f"The text is {len(found.text):,} characters; the most is {MAX_TEXT:,}."
    return found


def happened_at_of(
    values: Mapping[str, Any],
    now: datetime,
    time_zone: str,
    errors: dict[str, str],
    what: str = "incident",
) -> datetime:
    """The form's date and time (default now) in UTC; never later than now."""
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
            f"The {what} cannot be later than now "
            f"({local_now.strftime('%d/%m/%Y %H:%M')}). Check the date and time."
        )
    return happened.astimezone(now.tzinfo)


def _agencies(values: Mapping[str, Any]) -> tuple[str, ...]:
    chosen = [a.strip()[:MAX_AGENCY] for a in split_list(values.get("agencies"))]
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


def split_list(value: Any) -> list[str]:
    if not isinstance(value, str):
        return []
    return [part.strip() for part in value.split(",") if part.strip()]


def is_id(value: str) -> bool:
    """A record id as text: digits an INTEGER column can hold (1 to 2**31 - 1)."""
    return value.isascii() and value.isdecimal() and len(value) < 11 and 0 < int(value) < 2**31
