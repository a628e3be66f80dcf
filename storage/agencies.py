"""The school's list of agencies (offered on the forms; free text adds to it)."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AgencyRow


class SqlAgencies:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self, school_id: int) -> Sequence[str]:
        rows = await self.session.scalars(
            select(AgencyRow.name).where(AgencyRow.school_id == school_id).order_by(AgencyRow.id)
        )
        return list(rows)

    async def ensure(self, school_id: int, names: Sequence[str]) -> None:
        known = set(await self.list(school_id))
        # Commas separate a multi-select's values, so they cannot be part of a name.
        new = [n.replace(",", " ").strip() for n in names if n not in known]
        self.session.add_all(AgencyRow(school_id=school_id, name=n) for n in new if n)
        await self.session.flush()
