"""The DSL team's oversight: who looked at a pupil or an incident, and withdrawing a grant.

Only the DSL and deputies may, and never for a pupil they are excluded from; each report is
itself audited. Value types and pure rules; the use cases are in safeguarding/services/oversight.py.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from safeguarding.audit import AuditEvent
from safeguarding.incidents import IncidentFacts
from safeguarding.school import Student
from safeguarding.staff import StaffMember

REPORT_LINES = 25  # events a page


@dataclass(frozen=True)
class AuditLine:
    occurred_at: datetime
    actor: str
    action: str
    record_type: str | None
    record_id: int | None
    conversation_type: str


@dataclass(frozen=True)
class AuditReport:
    """A page of events about one incident (`reference`) or one pupil (`student`), newest
    first, from `offset`; `more` when older ones follow."""

    lines: tuple[AuditLine, ...]
    reference: str = ""
    student: Student | None = None
    offset: int = 0
    more: bool = False


def may_oversee(actor: StaffMember, excluded: Collection[int], pupils: Collection[int]) -> bool:
    """The DSL team, active, and not excluded from any of these pupils."""
    return actor.leads_safeguarding and actor.active and not set(excluded) & set(pupils)


def pupils_of(facts: IncidentFacts | None) -> set[int]:
    """The incident's pupils (none when there is no incident)."""
    return {p.student.id for p in facts.pupils} if facts else set()


def reportable(
    incident_ids: Sequence[int], facts: Mapping[int, IncidentFacts], excluded: Collection[int]
) -> list[int]:
    """The pupil's incidents that concern no pupil this member of staff is excluded from."""
    hidden = set(excluded)
    return [i for i in incident_ids if i in facts and not hidden & pupils_of(facts[i])]


def audit_lines(events: Sequence[AuditEvent], names: Mapping[int, str]) -> tuple[AuditLine, ...]:
    """Each event as the report shows it (who by name; Kestrel for its own)."""
    return tuple(
        AuditLine(
            e.occurred_at,
            names.get(e.actor_staff_id or 0, "Kestrel"),
            e.action.value,
            e.record_type,
            e.record_id,
            e.conversation_type or "",
        )
        for e in events
    )
