"""The school's lists in SQL (agencies, closing outcomes): entries in the order they were added;
a school's first change starts its own list from Kestrel's defaults."""

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.lists import DEFAULTS, ListKind
from storage.models import AgencyRow, ClosingOutcomeRow

TABLES: dict[ListKind, type[AgencyRow] | type[ClosingOutcomeRow]] = {
    ListKind.AGENCIES: AgencyRow,
    ListKind.OUTCOMES: ClosingOutcomeRow,
}


class SqlLists:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def entries(self, school_id: int, kind: ListKind) -> Sequence[str]:
        """The school's own entries (none: it uses the defaults)."""
        table = TABLES[kind]
        rows = await self.session.scalars(
            select(table.name).where(table.school_id == school_id).order_by(table.id)
        )
        return list(rows)

    async def add(self, school_id: int, kind: ListKind, name: str) -> None:
        await self._own(school_id, kind)
        self.session.add(TABLES[kind](school_id=school_id, name=name))
        await self.session.flush()

    async def remove(self, school_id: int, kind: ListKind, name: str) -> None:
        await self._own(school_id, kind)
        table = TABLES[kind]
        await self.session.execute(
            delete(table).where(table.school_id == school_id, table.name == name)
        )

    async def _own(self, school_id: int, kind: ListKind) -> None:
        """The school's own copy of the list, started from the defaults if it has none."""
        if not await self.entries(school_id, kind):
            table = TABLES[kind]
            self.session.add_all(table(school_id=school_id, name=n) for n in DEFAULTS[kind])
            await self.session.flush()
