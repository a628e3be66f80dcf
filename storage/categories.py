"""A school's categories and alert groups in SQL: listed in their order, added, changed on the
version a card showed (a conditional update: of two administrators one wins), retired."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Row, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.categories import CategoryDraft
from safeguarding.school import AlertGroup, Category
from storage.models import (
    AlertGroupMemberRow,
    AlertGroupRow,
    CategoryAlertGroupRow,
    CategoryRow,
)
from storage.repositories import plain_rows


class SqlCategories:
    """A press reads its school's categories once (its access policy, its card and its
    decisions share the one read); any change through here forgets what was read."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._read: dict[int, Sequence[Category]] = {}

    async def ensure(self, category: Category) -> Category:
        """The category of that name, added if the school has none (an existing one is left
        as an administrator last set it)."""
        self._read.clear()
        row = await self.session.scalar(
            select(CategoryRow).where(
                CategoryRow.school_id == category.school_id, CategoryRow.name == category.name
            )
        )
        if row is None:
            row = CategoryRow(school_id=category.school_id, name=category.name)
            row.colour, row.urgent = category.colour, category.urgent
            row.restricted, row.parent_id = category.restricted, category.parent_id
            row.position, row.version = category.position, 1
            self.session.add(row)
            await self.session.flush()
        return _category_of([getattr(row, c.key) for c in CATEGORY_ROWS.selected_columns[:10]], ())

    async def add(self, school_id: int, draft: CategoryDraft) -> int:
        """A new category, with its default alert groups; its id."""
        self._read.clear()
        row = CategoryRow(school_id=school_id, version=1)
        _fill(row, draft)
        row.restricted = draft.restricted
        self.session.add(row)
        await self.session.flush()
        await self.set_default_alert_groups(row.id, draft.group_ids)
        return row.id

    async def update(self, category_id: int, seen: int, draft: CategoryDraft) -> bool:
        """Change the category if it is still at the version the card showed."""
        row = await self._claim(category_id, seen)
        if row is None:
            return False
        _fill(row, draft)
        await self.set_default_alert_groups(category_id, draft.group_ids)
        return True

    async def set_retired(self, category_id: int, seen: int, at: datetime | None) -> bool:
        """Retire it (`at`) or bring it back (None), on the version the card showed."""
        row = await self._claim(category_id, seen)
        if row is not None:
            row.retired_at = at
        return row is not None

    async def bump(self, category_id: int, seen: int, restricted: bool) -> bool:
        """A new version for a change of its rights (and whether it is restricted)."""
        row = await self._claim(category_id, seen)
        if row is not None:
            row.restricted = restricted
        return row is not None

    async def set_default_alert_groups(self, category_id: int, group_ids: Sequence[int]) -> None:
        self._read.clear()
        await self.session.execute(
            delete(CategoryAlertGroupRow).where(CategoryAlertGroupRow.category_id == category_id)
        )
        self.session.add_all(
            CategoryAlertGroupRow(category_id=category_id, group_id=g) for g in group_ids
        )
        await self.session.flush()

    async def list(self, school_id: int) -> Sequence[Category]:
        """Every category of the school, retired ones too, in the school's order."""
        known = self.known(school_id)
        if known is not None:
            return known
        rows = await plain_rows(self.session, _CATEGORIES, {"school": school_id})
        return self.remember(school_id, rows)

    def known(self, school_id: int) -> Sequence[Category] | None:
        """The school's categories if this press has read them already."""
        return self._read.get(school_id)

    def remember(self, school_id: int, rows: Iterable[Sequence]) -> Sequence[Category]:
        """The categories made of `CATEGORY_ROWS`' rows (in the school's order), kept for the
        rest of the press as if `list` had read them."""
        columns: dict[int, Sequence] = {}
        defaults: dict[int, list[int]] = {}
        for row in rows:
            columns.setdefault(row[0], row)
            if row[-1] is not None:
                defaults.setdefault(row[0], []).append(row[-1])
        self._read[school_id] = tuple(
            _category_of(row, defaults.get(category_id, ())) for category_id, row in columns.items()
        )
        return self._read[school_id]

    async def _claim(self, category_id: int, seen: int) -> CategoryRow | None:
        """The row moved on to its next version, if it was at `seen` (else None: nothing done)."""
        self._read.clear()
        moved = await self.session.execute(
            update(CategoryRow)
            .where(CategoryRow.id == category_id, CategoryRow.version == seen)
            .values(version=seen + 1)
        )
        if moved.rowcount != 1:
            return None
        row = await self.session.get(CategoryRow, category_id)
        assert row is not None
        await self.session.refresh(row)
        return row


class SqlAlertGroups:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ensure(self, school_id: int, name: str, member_ids: Sequence[int]) -> AlertGroup:
        """The group of that name, added with these members if the school has none."""
        found = [g for g in await self.all(school_id) if g.name == name]
        if found:
            return found[0]
        group_id = await self.add(school_id, name, member_ids)
        return AlertGroup(group_id, school_id, name, tuple(sorted(member_ids)))

    async def add(self, school_id: int, name: str, member_ids: Sequence[int]) -> int:
        row = AlertGroupRow(school_id=school_id, name=name, version=1)
        self.session.add(row)
        await self.session.flush()
        self.session.add_all(AlertGroupMemberRow(group_id=row.id, staff_id=s) for s in member_ids)
        await self.session.flush()
        return row.id

    async def update(self, group_id: int, seen: int, name: str, member_ids: Sequence[int]) -> bool:
        """Rename it and set its members, if it is still at the version the card showed."""
        if not await self._claim(group_id, seen, name=name):
            return False
        await self.session.execute(
            delete(AlertGroupMemberRow).where(AlertGroupMemberRow.group_id == group_id)
        )
        self.session.add_all(AlertGroupMemberRow(group_id=group_id, staff_id=s) for s in member_ids)
        await self.session.flush()
        return True

    async def set_retired(self, group_id: int, seen: int, at: datetime | None) -> bool:
        return await self._claim(group_id, seen, retired_at=at)

    async def list(self, school_id: int) -> Sequence[AlertGroup]:
        """The groups in use (a retired group alerts nobody and is offered nowhere)."""
        return [g for g in await self.all(school_id) if not g.retired]

    async def all(self, school_id: int) -> Sequence[AlertGroup]:
        """Every group of the school, retired ones too, by name."""
        rows = await plain_rows(self.session, _GROUPS, {"school": school_id})
        groups: dict[int, tuple[Row, list[int]]] = {}
        for row in rows:
            members = groups.setdefault(row.id, (row, []))[1]
            if row.staff_id is not None:
                members.append(row.staff_id)
        return [
            AlertGroup(
                r.id, school_id, r.name, tuple(sorted(m)), r.retired_at is not None, r.version
            )
            for r, m in groups.values()
        ]

    async def _claim(self, group_id: int, seen: int, **values: object) -> bool:
        moved = await self.session.execute(
            update(AlertGroupRow)
            .where(AlertGroupRow.id == group_id, AlertGroupRow.version == seen)
            .values(version=seen + 1, **values)
        )
        return moved.rowcount == 1


def _fill(row: CategoryRow, draft: CategoryDraft) -> None:
    row.name, row.colour, row.parent_id = draft.name, draft.colour, draft.parent_id
    row.urgent, row.position = draft.urgent, draft.position


def _category_of(columns: Sequence, defaults: Sequence[int]) -> Category:
    """A category from `CATEGORY_ROWS`' columns, by position."""
    category_id, school_id, name, colour, urgent, restricted, parent_id, position = columns[:8]
    retired_at, version = columns[8:10]
    return Category(
        category_id,
        school_id,
        name,
        colour,
        urgent,
        restricted,
        parent_id,
        tuple(sorted(defaults)),
        position,
        retired_at is not None,
        version,
    )


# Every press that decides access reads the school's categories with their default alert
# groups (`school`), with its access rules (storage/access.py) or alone: one row per category
# and default group (one for a category with none). Built once.
CATEGORY_ROWS = (
    select(
        CategoryRow.id,
        CategoryRow.school_id,
        CategoryRow.name,
        CategoryRow.colour,
        CategoryRow.urgent,
        CategoryRow.restricted,
        CategoryRow.parent_id,
        CategoryRow.position,
        CategoryRow.retired_at,
        CategoryRow.version,
        CategoryAlertGroupRow.group_id,
    )
    .outerjoin(CategoryAlertGroupRow, CategoryAlertGroupRow.category_id == CategoryRow.id)
    .where(CategoryRow.school_id == bindparam("school"))
)
CATEGORY_ORDER = (CategoryRow.position, CategoryRow.name, CategoryRow.id)  # the school's order
_CATEGORIES = CATEGORY_ROWS.order_by(*CATEGORY_ORDER)


_GROUPS = (
    select(
        AlertGroupRow.id,
        AlertGroupRow.name,
        AlertGroupRow.retired_at,
        AlertGroupRow.version,
        AlertGroupMemberRow.staff_id,
    )
    .outerjoin(AlertGroupMemberRow, AlertGroupMemberRow.group_id == AlertGroupRow.id)
    .where(AlertGroupRow.school_id == bindparam("school"))
    .order_by(AlertGroupRow.name)
)
