"""What a roster changes in a school's pupils: who is new, who changed, who left, who is back.

A row is the pupil with its MIS id (OneRoster's sourcedId); failing that, the pupil with its
UPN (a school that changes MIS keeps its UPNs). So a changed UPN never makes a second pupil. A
field the source does not give is left as it is, and so is a date of birth it leaves blank.
With `full`, a roster pupil the file no longer lists has left: kept with all their records.
Pupils added by hand (provisional) are never matched: they are merged by a person.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from safeguarding.roster import Rejected, Roster, RosterRow, Where
from safeguarding.school import Student

UPDATED, LEFT, RETURNED = "updated", "left", "returned"


@dataclass(frozen=True)
class Changed:
    """One pupil as they were and as they are now; `kind` is what the summary counts."""

    before: Student
    after: Student
    kind: str  # updated, left, returned

    @property
    def renamed(self) -> bool:
        """Whether the names changed (the search index is rebuilt for them)."""
        names = ("first_name", "last_name", "preferred_name")
        return any(getattr(self.before, n) != getattr(self.after, n) for n in names)


@dataclass(frozen=True)
class RosterChanges:
    """Everything one roster changes, and the rows it could not use."""

    created: tuple[Student, ...]
    changed: tuple[Changed, ...]
    unchanged: int
    rejected: tuple[Rejected, ...]

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changed if c.kind == kind)


def plan_changes(
    school_id: int, pupils: Sequence[Student], roster: Roster, *, full: bool, today: date
) -> RosterChanges:
    """Match each row to a pupil (MIS id first, then UPN), then what changes."""
    roster_pupils = [s for s in pupils if not s.provisional and s.merged_into is None]
    matches, rejected = _matches(roster.rows, roster_pupils)
    matches, clashes = _unique_keys(matches, pupils)
    created, changed, unchanged = [], [], 0
    for row, found in matches:
        if found is None:
            created.append(_new(school_id, row, roster.fields))
            continue
        after = _updated(found, row, roster.fields)
        if after == found:
            unchanged += 1
        else:
            changed.append(Changed(found, after, _kind(found, after)))
    every_rejected = tuple(sorted((*roster.rejected, *rejected, *clashes), key=lambda r: r.where))
    if full:
        changed += _leavers(roster_pupils, matches, every_rejected, today)
    return RosterChanges(tuple(created), tuple(changed), unchanged, every_rejected)


Match = tuple[RosterRow, Student | None]


def _matches(
    rows: Sequence[RosterRow], pupils: Sequence[Student]
) -> tuple[list[Match], list[Rejected]]:
    """Each row's pupil: by MIS id for every row first, then by UPN for the rest, so that a
    UPN handed on to another pupil is not taken for theirs."""
    by_mis = {s.mis_id: s for s in pupils if s.mis_id}
    by_upn = {s.upn: s for s in pupils}
    claimed: dict[int, Where] = {}
    found: dict[Where, Student | None] = {}
    for row in rows:
        pupil = by_mis.get(row.mis_id) if row.mis_id else None
        if pupil is not None:
            claimed[pupil.id], found[row.where] = row.where, pupil
    rejected = []
    for row in rows:
        if row.where in found:
            continue
        pupil = by_upn.get(row.upn) if row.upn else None
        if pupil is not None and pupil.id in claimed:
            reason = f"its UPN is the pupil's of {claimed[pupil.id]}"
            rejected.append(Rejected(row.where, reason, row.mis_id, row.upn))
            continue
        if pupil is not None:
            claimed[pupil.id] = row.where
        found[row.where] = pupil
    return [(row, found[row.where]) for row in rows if row.where in found], rejected


def _unique_keys(
    matches: Sequence[Match], pupils: Sequence[Student]
) -> tuple[list[Match], list[Rejected]]:
    """Rows whose UPN another pupil keeps (one not in this file) are rejected: UPNs are unique."""
    moving = {pupil.id for _, pupil in matches if pupil is not None}
    held = {s.upn: s.id for s in pupils if s.id not in moving}
    kept, clashes = [], []
    for row, pupil in matches:
        key = row.upn or (pupil.upn if pupil is not None else row.key)
        if key in held:
            reason = "its UPN is held by another pupil, who is not in this file"
            clashes.append(Rejected(row.where, reason, row.mis_id, row.upn))
            continue
        held[key] = pupil.id if pupil is not None else 0
        kept.append((row, pupil))
    return kept, clashes


def _new(school_id: int, row: RosterRow, fields: frozenset[str]) -> Student:
    return _updated(Student(0, school_id, row.key, "", "", 0, ""), row, fields | {"left_on"})


def _updated(pupil: Student, row: RosterRow, fields: frozenset[str]) -> Student:
    """The pupil with what the row gives (fields the source has; a blank birth date kept)."""
    given = {name: getattr(row, name) for name in fields if name not in ("upn", "mis_id")}
    if given.get("date_of_birth") is None:
        given.pop("date_of_birth", None)
    given["left_on"] = row.left_on  # listed with no leaving date: on roll (back, if they left)
    return replace(
        pupil,
        **given,
        upn=row.upn or pupil.upn,
        mis_id=row.mis_id or pupil.mis_id,
    )


def _kind(before: Student, after: Student) -> str:
    if before.left and not after.left:
        return RETURNED
    return LEFT if after.left and not before.left else UPDATED


def _leavers(
    pupils: Sequence[Student], matches: Sequence[Match], rejected: Sequence[Rejected], today: date
) -> list[Changed]:
    """Roster pupils the file no longer lists (a rejected row's pupil is still listed)."""
    listed = {pupil.id for _, pupil in matches if pupil is not None}
    mis_ids = {r.mis_id for r in rejected if r.mis_id}
    upns = {r.upn for r in rejected if r.upn}
    return [
        Changed(s, replace(s, left_on=today), LEFT)
        for s in pupils
        if s.id not in listed and not s.left and s.mis_id not in mis_ids and s.upn not in upns
    ]
