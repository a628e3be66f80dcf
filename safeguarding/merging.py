"""Merging a pupil added by hand ("New student", provisional) into the roster's pupil they turn
out to be: who may, which pupils are suggested, and what the cards show.

The DSL team and administrators may merge (an administrator without seeing any record). Every
incident the provisional pupil is on moves, as a new version of it (History shows the move); the
exclusions move; their row stays, saying whose it became, so old references still resolve.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from safeguarding.school import Student
from safeguarding.search import normalise
from safeguarding.staff import Role, StaffMember

CHOOSE = "Choose the roster's pupil to merge into."
NOT_ON_ROSTER = "That pupil is not on the roster: choose another."
NO_MATCH = "No pupil on the roster matches that name."


def may_merge(actor: StaffMember) -> bool:
    """The DSL team and administrators keep the roster in step."""
    return actor.active and (actor.leads_safeguarding or actor.role == Role.ADMINISTRATOR)


def awaiting_merge(student: Student | None) -> bool:
    """A provisional pupil not yet merged into anyone."""
    return student is not None and student.provisional and student.merged_into is None


def on_roster(student: Student | None) -> bool:
    """A pupil from the roster (leavers too), never one added by hand."""
    return student is not None and not student.provisional and student.merged_into is None


def same_name(a: Student, b: Student) -> bool:
    """The same last name and first (or preferred) name, case- and accent-blind."""
    firsts = {normalise(n) for n in (b.first_name, b.preferred_name) if n}
    theirs = {normalise(n) for n in (a.first_name, a.preferred_name) if n}
    return normalise(a.last_name) == normalise(b.last_name) and bool(firsts & theirs)


def suggestions(provisional: Student, candidates: Sequence[Student]) -> tuple[Student, ...]:
    """Roster pupils with the same name and, when the provisional pupil's is known, the same
    date of birth; those in the same year group first."""
    found = [
        c
        for c in candidates
        if on_roster(c)
        and same_name(provisional, c)
        and (provisional.date_of_birth is None or c.date_of_birth == provisional.date_of_birth)
    ]
    found.sort(key=lambda c: (c.year_group != provisional.year_group, c.left, c.id))
    return tuple(found)


@dataclass(frozen=True)
class ProvisionalPupils:
    """The pupils added by hand that wait to be merged (none the viewer is excluded from)."""

    pupils: tuple[Student, ...]


@dataclass(frozen=True)
class MergeView:
    """The merge card: the provisional pupil, how many incidents would move, the suggested
    pupils, those found by name, and the one chosen (to confirm)."""

    provisional: Student
    incidents: int
    suggested: tuple[Student, ...]
    query: str = ""
    found: tuple[Student, ...] = ()
    chosen: Student | None = None
    error: str = ""


@dataclass(frozen=True)
class Merged:
    """Done: whose record the provisional pupil's became, and what moved."""

    provisional: Student
    into: Student
    incidents: int
    opens_records: bool  # the merger may open the pupil's record (the DSL team)
