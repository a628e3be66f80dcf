"""Proposals to widen access to a restricted category in SQL: kept until the DSL team decide."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.rights import CategoryRights, Proposal, rights_of
from storage.models import AccessProposalRow
from storage.repositories import utc


class SqlProposals:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(
        self,
        school_id: int,
        category_id: int,
        version: int,
        rights: CategoryRights,
        by: int,
        at: datetime,
    ) -> int:
        """A new proposal; an older one for the same category is superseded by it."""
        await self.session.execute(
            update(AccessProposalRow)
            .where(
                AccessProposalRow.category_id == category_id,
                AccessProposalRow.decided_at.is_(None),
            )
            .values(decided_at=at, decided_by=by, decision="superseded")
        )
        row = AccessProposalRow(
            school_id=school_id,
            category_id=category_id,
            category_version=version,
            rights=rights.detail(),
            proposed_by=by,
            proposed_at=at,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def pending(self, school_id: int) -> Sequence[Proposal]:
        """The school's proposals nobody has decided yet, oldest first."""
        rows = await self.session.scalars(
            select(AccessProposalRow)
            .where(AccessProposalRow.school_id == school_id, AccessProposalRow.decided_at.is_(None))
            .order_by(AccessProposalRow.id)
        )
        return [_proposal(row) for row in rows]

    async def decide(
        self, school_id: int, proposal_id: int, by: int, at: datetime, decision: str
    ) -> bool:
        """Record the decision on a proposal still pending; False when it was not (decided
        meanwhile, or not this school's)."""
        moved = await self.session.execute(
            update(AccessProposalRow)
            .where(
                AccessProposalRow.id == proposal_id,
                AccessProposalRow.school_id == school_id,
                AccessProposalRow.decided_at.is_(None),
            )
            .values(decided_at=at, decided_by=by, decision=decision)
        )
        return moved.rowcount == 1


def _proposal(row: AccessProposalRow) -> Proposal:
    return Proposal(
        row.id,
        row.category_id,
        row.category_version,
        rights_of(row.rights),
        row.proposed_by,
        utc(row.proposed_at),
    )
