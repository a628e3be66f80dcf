"""An incident: the limits and fixed lists, the draft a form becomes, and what is stored.

Reading the form into a draft is safeguarding/incident_form.py.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from safeguarding.access import Pupil, Record
from safeguarding.school import Student

MAX_TEXT = 20_000
MAX_PASTED = 200_000  # an email pasted as its HTML source (its readable text: MAX_TEXT)
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
    date_of_birth: date | None = None  # if known: it is how they are matched to the roster


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
class Content:
    """What the incident card decrypts: its text, the message it came from, and whether the
    text was pasted as an HTML email (the original itself stays sealed until asked for)."""

    text: str
    evidence: Evidence | None
    pasted: bool


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
    original: str = ""  # an HTML email as pasted, when `text` is its readable text

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
    escalate_at: datetime | None = None  # urgent: re-sent to the DSL team if unread by then


@dataclass(frozen=True)
class QueuedAlert:
    """An alert in the outbox: a colleague to tell about an incident (the sender delivers it)."""

    school_id: int
    incident_id: int
    staff_id: int
    raised_by: int
    # tagged (on the form), group, escalation, not_reached (a notice), assigned, reminder
    reason: str
    created_at: datetime
    concerning_staff_id: int | None = None  # not_reached: the colleague it could not reach
    action_id: int | None = None  # about an action on the incident (or its planner reminder)


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
    version: int = 1  # +1 on every case change; buttons carry the version their card showed
    outcome: str | None = None  # once closed

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

    def categories_for(self, student_id: int) -> frozenset[int]:
        """This pupil's categories on the incident (a linked pupil may have their own)."""
        return next(
            (p.category_ids for p in self.pupils if p.student.id == student_id), frozenset()
        )

    def monitors(self, student_id: int) -> bool:
        """Whether this pupil is monitored on the incident."""
        return any(p.monitoring for p in self.pupils if p.student.id == student_id)


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    name: str
    kind: str
    size: int
    sha256: str
    added_at: datetime
    action_id: int | None = None  # sent with an action (else with the incident itself)
