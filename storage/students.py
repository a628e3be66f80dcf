"""Pupils in SQL: the roster, their name tokens for search, and the year groups it has."""

from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import delete, func, intersect, select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.clock import Clock
from safeguarding.school import Student
from safeguarding.search import name_tokens, sort_key
from storage.models import (
    StudentNameTokenRow,
    StudentRow,
)
from storage.repositories import student_of


class SqlStudents:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session, self.clock = session, clock

    async def ensure(self, student: Student) -> Student:
        row = await self.session.scalar(
            select(StudentRow).where(
                StudentRow.school_id == student.school_id, StudentRow.upn == student.upn
            )
        )
        if row is None:
            row = StudentRow(
                school_id=student.school_id, upn=student.upn, created_at=self.clock.now()
            )
            self.session.add(row)
        for name, value in asdict(student).items():
            if name not in ("id", "school_id", "upn"):
                setattr(row, name, value)
        await self.session.flush()
        await self._index_names(row)
        return student_of(row)

    async def _index_names(self, row: StudentRow) -> None:
        tokens = name_tokens(row.first_name, row.last_name, row.preferred_name)
        await self.session.execute(
            delete(StudentNameTokenRow).where(StudentNameTokenRow.student_id == row.id)
        )
        key = sort_key(row.first_name, row.last_name)
        self.session.add_all(
            StudentNameTokenRow(student_id=row.id, token=t, school_id=row.school_id, sort_key=key)
            for t in tokens
        )
        await self.session.flush()

    async def search(
        self,
        school_id: int,
        terms: Sequence[str],
        *,
        hidden: frozenset[int],
        limit: int,
        offset: int = 0,
    ) -> Sequence[Student]:
        """Pupils with a name token starting with each term (indexed range scans), by name."""
        # One index range per term gives (sort key, pupil) in name order from the index alone;
        # intersected, the first page is chosen there and only those pupils are read.
        tokens = StudentNameTokenRow
        ranges = [
            select(tokens.sort_key, tokens.student_id).where(
                tokens.school_id == school_id, tokens.token >= term, tokens.token < term + "\uffff"
            )
            for term in terms
        ]
        matches = (ranges[0].distinct() if len(ranges) == 1 else intersect(*ranges)).subquery()
        page = select(matches.c.student_id).order_by(matches.c.sort_key, matches.c.student_id)
        if hidden:
            page = page.where(matches.c.student_id.not_in(hidden))
        ids = list(await self.session.scalars(page.offset(offset).limit(limit)))
        if not ids:
            return []
        rows = {
            r.id: r
            for r in await self.session.scalars(select(StudentRow).where(StudentRow.id.in_(ids)))
        }
        return [student_of(rows[i]) for i in ids if i in rows]

    async def by_id(self, school_id: int, student_id: int) -> Student | None:
        row = await self.session.get(StudentRow, student_id)
        return student_of(row) if row is not None and row.school_id == school_id else None

    async def count(self, school_id: int) -> int:
        query = (
            select(func.count()).select_from(StudentRow).where(StudentRow.school_id == school_id)
        )
        return await self.session.scalar(query) or 0

    async def year_groups(self, school_id: int) -> tuple[int, ...]:
        """The year groups the school's roster has (pupils added by hand not counted)."""
        rows = await self.session.scalars(
            select(StudentRow.year_group)
            .where(StudentRow.school_id == school_id, StudentRow.provisional.is_(False))
            .distinct()
            .order_by(StudentRow.year_group)
        )
        return tuple(rows)

    async def tutor_groups(self, school_id: int) -> tuple[str, ...]:
        """The tutor groups the school's roster has (for scopes)."""
        rows = await self.session.scalars(
            select(StudentRow.tutor_group)
            .where(
                StudentRow.school_id == school_id,
                StudentRow.provisional.is_(False),
                StudentRow.tutor_group != "",
            )
            .distinct()
            .order_by(StudentRow.tutor_group)
        )
        return tuple(rows)
