"""A roster's changes written in bulk (a school of 20,000 pupils in seconds), and the name tokens
kept in step: rebuilt for new and renamed pupils, moved to the leavers' range for leavers."""

from collections.abc import Iterator, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.roster import FIELDS
from safeguarding.roster_changes import RosterChanges
from safeguarding.school import Student
from safeguarding.search import name_tokens, sort_key
from storage.models import StudentNameTokenRow, StudentRow

CHUNK = 1000  # ids per IN list, rows per statement
_WRITTEN = FIELDS  # what a roster gives is what is written
T = TypeVar("T")


async def apply_changes(session: AsyncSession, changes: RosterChanges, at: datetime) -> None:
    """Changed pupils first (a UPN given up may be a new pupil's), then new pupils, then the
    search index."""
    changed = [c.after for c in changes.changed]
    await _free_upns([c.after for c in changes.changed if c.before.upn != c.after.upn], session)
    for chunk in _chunks(changed):
        await session.execute(update(StudentRow), [{"id": s.id, **_values(s)} for s in chunk])
    created = await _insert(session, changes.created, at)
    await index_names(session, created + [c.after for c in changes.changed if c.renamed])
    moved = [c.after for c in changes.changed if not c.renamed and c.before.left != c.after.left]
    for leaver in (True, False):
        ids = [s.id for s in moved if s.left is leaver]
        for chunk in _chunks(ids):
            await session.execute(
                update(StudentNameTokenRow)
                .where(StudentNameTokenRow.student_id.in_(chunk))
                .values(leaver=leaver)
            )


async def index_names(session: AsyncSession, pupils: Sequence[Student]) -> None:
    """Each pupil's name tokens, rebuilt (with their school, sort key and whether they left)."""
    for chunk in _chunks(pupils):
        ids = [s.id for s in chunk]
        await session.execute(
            delete(StudentNameTokenRow).where(StudentNameTokenRow.student_id.in_(ids))
        )
        tokens = [
            {
                "student_id": s.id,
                "token": token,
                "school_id": s.school_id,
                "sort_key": sort_key(s.first_name, s.last_name),
                "leaver": s.left,
            }
            for s in chunk
            for token in name_tokens(s.first_name, s.last_name, s.preferred_name)
        ]
        if tokens:
            await session.execute(insert(StudentNameTokenRow), tokens)


async def _free_upns(pupils: Sequence[Student], session: AsyncSession) -> None:
    """UPNs that change go through a placeholder first, so two pupils may swap theirs."""
    for chunk in _chunks(pupils):
        await session.execute(update(StudentRow), [{"id": s.id, "upn": f"~{s.id}"} for s in chunk])


async def _insert(session: AsyncSession, pupils: Sequence[Student], at: datetime) -> list[Student]:
    """New pupils, with the ids the database gave them."""
    stored: list[Student] = []
    for chunk in _chunks(pupils):
        rows = [
            {"school_id": s.school_id, "provisional": False, "created_at": at, **_values(s)}
            for s in chunk
        ]
        result = await session.execute(
            insert(StudentRow).returning(StudentRow.id, sort_by_parameter_order=True), rows
        )
        ids = list(result.scalars())
        stored += [_with_id(s, i) for s, i in zip(chunk, ids, strict=True)]
    return stored


def _values(student: Student) -> dict[str, Any]:
    return {k: v for k, v in asdict(student).items() if k in _WRITTEN}


def _with_id(student: Student, student_id: int) -> Student:
    return Student(**{**asdict(student), "id": student_id})


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
