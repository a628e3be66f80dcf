"""Exclusions: the DSL bars a member of staff from a pupil's record (own child, relative,
named in an allegation). Whatever their role, they then see nothing of it and get no alerts."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from safeguarding.school import Student
from safeguarding.staff import Role, StaffMember


class ExclusionReason(StrEnum):
    OWN_CHILD = "own_child"
    RELATIVE = "relative"
    ALLEGATION = "allegation"  # named in an allegation (LADO)
    OTHER = "other"


REASONS = frozenset(reason.value for reason in ExclusionReason)
REASON_WORDS = {
    ExclusionReason.OWN_CHILD: "Own child",
    ExclusionReason.RELATIVE: "Relative",
    ExclusionReason.ALLEGATION: "Named in an allegation",
    ExclusionReason.OTHER: "Other conflict of interest",
}


@dataclass(frozen=True)
class ActiveExclusion:
    """One exclusion in force, as the DSL's list shows it."""

    exclusion_id: int
    staff_name: str
    student: Student
    reason: str
    set_by_name: str
    set_at: datetime


def sets_exclusions(actor: StaffMember) -> bool:
    """Only the Designated Safeguarding Lead sees, sets and lifts exclusions."""
    return actor.role == Role.DSL


def may_exclude(
    actor: StaffMember, target: StaffMember | None, pupil: Student | None, reason: str
) -> bool:
    """The DSL may bar a colleague of their school (never themselves) from one of its pupils,
    for one of the known reasons."""
    return (
        sets_exclusions(actor)
        and target is not None
        and pupil is not None
        and target.id != actor.id
        and reason in REASONS
    )


def excludable(actor: StaffMember, staff: Sequence[StaffMember]) -> tuple[StaffMember, ...]:
    """Who the DSL may exclude: every other active member of staff (nobody, for anyone else)."""
    if not sets_exclusions(actor):
        return ()
    return tuple(s for s in staff if s.id != actor.id and s.active)
