"""Pupils in SQL: the roster, their name tokens for search, the year groups it has, leavers, and
provisional pupils merged into the roster's."""

import functools
from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy import (
    Select,
    bindparam,
    delete,
    exists,
    false,
    func,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from safeguarding.clock import Clock
from safeguarding.roster_changes import RosterChanges
from safeguarding.school import Student
from storage.access import EXCLUDED
from storage.models import (
    ExclusionRow,
    StudentNameTokenRow,
    StudentRow,
)
from storage.repositories import plain_rows, student_of
from storage.roster import apply_changes, index_names

# What a seed or a new student may set; leaving and merging have their own paths.
_SEEDED = frozenset(Student.__dataclass_fields__) - {
    "id",
    "school_id",
    "upn",
    "left_on",
    "merged_into",
}


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
            if name in _SEEDED:
                setattr(row, name, value)
        await self.session.flush()
        await index_names(self.session, [student_of(row)])
        return student_of(row)

    async def search(
        self,
        school_id: int,
        terms: Sequence[str],
        *,
        hidden_for: int,
        limit: int,
        offset: int = 0,
        leavers: bool = False,
    ) -> Sequence[Student]:
        """Pupils with a name token starting with each term (indexed range scans), by name,
        never one `hidden_for` (a member of staff) is excluded from; leavers only when asked
        (the DSL team's search)."""
        # The first term's index range gives (sort key, pupil), each kept if the other terms
        # match a token of theirs; the first page is chosen there, then only those pupils are
        # read: one statement, exclusions and pupils' rows included.
        chosen = {"school": school_id, "staff": hidden_for, "offset": offset, "limit": limit}
        for number, term in enumerate(terms):
            chosen[f"from_{number}"], chosen[f"to_{number}"] = term, term + "\uffff"
        rows = await plain_rows(self.session, _search_page(len(terms), leavers), chosen)
        return [student_of(row) for row in rows]

    async def by_id(self, school_id: int, student_id: int) -> Student | None:
        rows = await plain_rows(self.session, _BY_ID, {"id": student_id})
        return student_of(rows[0]) if rows and rows[0].school_id == school_id else None

    async def count(self, school_id: int) -> int:
        query = (
            select(func.count()).select_from(StudentRow).where(StudentRow.school_id == school_id)
        )
        return await self.session.scalar(query) or 0

    async def year_groups(self, school_id: int) -> tuple[int, ...]:
        """The year groups the school's roster has had (pupils added by hand not counted;
        leavers are, or a roster that lost a year group for a day could not bring it back)."""
        rows = await self.session.scalars(
            select(StudentRow.year_group)
            .where(StudentRow.school_id == school_id, StudentRow.provisional.is_(False))
            .distinct()
            .order_by(StudentRow.year_group)
        )
        return tuple(rows)

    async def roster(self, school_id: int) -> Sequence[Student]:
        """Every pupil of the school (leavers, provisional and merged pupils too: their UPNs
        are taken), read in one query."""
        rows = await self.session.execute(
            select(StudentRow.__table__).where(StudentRow.school_id == school_id)
        )
        return [student_of(row) for row in rows]

    async def apply_roster(self, changes: RosterChanges) -> None:
        """Write what a roster changes: new pupils, changed ones, leavers (in bulk)."""
        await apply_changes(self.session, changes, self.clock.now())

    async def provisional(self, school_id: int) -> Sequence[Student]:
        """Pupils added by hand that wait to be merged into the roster's, by name."""
        rows = await self.session.scalars(
            select(StudentRow)
            .where(
                StudentRow.school_id == school_id,
                StudentRow.provisional == true(),  # (`IS true` uses no index on PostgreSQL)
                StudentRow.merged_into.is_(None),
            )
            .order_by(StudentRow.last_name, StudentRow.first_name, StudentRow.id)
        )
        return [student_of(row) for row in rows]

    async def merge(self, provisional_id: int, into_id: int) -> None:
        """The provisional pupil becomes the roster's: exclusions move, their name leaves the
        search, and their row is kept, saying whose it became."""
        await self.session.execute(
            update(ExclusionRow)
            .where(ExclusionRow.student_id == provisional_id)
            .values(student_id=into_id)
        )
        await self.session.execute(
            delete(StudentNameTokenRow).where(StudentNameTokenRow.student_id == provisional_id)
        )
        await self.session.execute(
            update(StudentRow).where(StudentRow.id == provisional_id).values(merged_into=into_id)
        )

    async def merged_from(self, student_id: int) -> Sequence[int]:
        """The provisional pupils merged into this one."""
        rows = await self.session.scalars(
            select(StudentRow.id).where(StudentRow.merged_into == student_id)
        )
        return list(rows)

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


@functools.lru_cache(maxsize=64)  # shapes: terms typed (few), leavers
def _search_page(terms: int, leavers: bool) -> Select:
    """The search's page of pupils for this many terms, built once per shape with bound
    parameters (`school`, `staff`, `from_N`/`to_N` per term, `offset`, `limit`): typeahead runs
    it on every key, and building and keying it cost more than running it."""

    def matching(tokens, number: int) -> tuple:
        which = tokens.leaver.in_((False, True)) if leavers else tokens.leaver == false()
        return (
            tokens.school_id == bindparam("school"),
            which,
            tokens.token >= bindparam(f"from_{number}"),
            tokens.token < bindparam(f"to_{number}"),
        )

    # The first term's index range (the longest word: `query_terms` orders them), each pupil
    # in it kept if a token of theirs starts with every other term (probed by the pupil's own
    # tokens, the primary key): not every term's range read and intersected, which grew with
    # the school as common prefixes ("oka") matched more pupils.
    first = StudentNameTokenRow
    others = [aliased(StudentNameTokenRow) for _ in range(1, terms)]
    also = [
        exists().where(other.student_id == first.student_id, *matching(other, number))
        for number, other in enumerate(others, start=1)
    ]
    matches = select(first.sort_key, first.student_id).where(*matching(first, 0), *also)
    matches = matches.distinct().subquery()
    order = (matches.c.sort_key, matches.c.student_id)
    # (exclusions.student_id is never NULL, so NOT IN is exact)
    page = select(*order).where(matches.c.student_id.not_in(EXCLUDED)).order_by(*order)
    page = page.offset(bindparam("offset")).limit(bindparam("limit")).subquery()
    pupils = StudentRow.__table__
    found = select(pupils).join(page, page.c.student_id == pupils.c.id)
    return found.order_by(page.c.sort_key, page.c.student_id)


_BY_ID = select(StudentRow.__table__).where(StudentRow.id == bindparam("id"))
