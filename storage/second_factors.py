"""Second factors, with the TOTP secret encrypted at rest and bound to its member of staff."""

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.clock import Clock
from safeguarding.second_factor import SecondFactor
from safeguarding.staff import StaffMember
from storage.encryption import Keyring
from storage.models import SecondFactorRow, StaffRow
from storage.repositories import staff_member, utc


class SqlSecondFactors:
    def __init__(self, session: AsyncSession, clock: Clock, keyring: Keyring | None) -> None:
        self.session, self.clock, self._keyring = session, clock, keyring

    @property
    def keyring(self) -> Keyring:
        # Never fall back to plain text: without keys this store cannot be used at all.
        if self._keyring is None:
            raise RuntimeError("no encryption keyring configured")
        return self._keyring

    async def get(self, staff_id: int, *, for_update: bool = False) -> SecondFactor | None:
        query = select(SecondFactorRow).where(SecondFactorRow.staff_id == staff_id)
        row = await self.session.scalar(query.with_for_update() if for_update else query)
        if row is None:
            return None
        return SecondFactor(
            staff_id=row.staff_id,
            secret=self.keyring.decrypt(row.secret_ciphertext, _context(staff_id)),
            confirmed=row.confirmed,
            last_step=row.last_step,
            failures=row.failures,
            lockouts=row.lockouts,
            locked_until=row.locked_until and utc(row.locked_until),
            elevated_until=row.elevated_until and utc(row.elevated_until),
        )

    async def save(self, factor: SecondFactor) -> None:
        row = await self.session.get(SecondFactorRow, factor.staff_id)
        if row is None:
            row = SecondFactorRow(staff_id=factor.staff_id)
            self.session.add(row)
        row.secret_ciphertext = self.keyring.encrypt(factor.secret, _context(factor.staff_id))
        row.confirmed, row.last_step, row.failures = (
            factor.confirmed,
            factor.last_step,
            factor.failures,
        )
        row.lockouts = factor.lockouts
        row.locked_until, row.elevated_until = factor.locked_until, factor.elevated_until
        row.updated_at = self.clock.now()
        await self.session.flush()

    async def delete(self, staff_id: int) -> None:
        await self.session.execute(
            delete(SecondFactorRow).where(SecondFactorRow.staff_id == staff_id)
        )

    async def enrolled(self, school_id: int) -> Sequence[StaffMember]:
        rows = await self.session.scalars(
            select(StaffRow)
            .join(SecondFactorRow, SecondFactorRow.staff_id == StaffRow.id)
            .where(StaffRow.school_id == school_id)
            .order_by(StaffRow.display_name)
        )
        return [staff_member(row) for row in rows]

    async def reencrypt_all(self) -> int:
        """Re-encrypt every secret not under the current key (`kestrel keys rotate`)."""
        changed = 0
        for row in await self.session.scalars(select(SecondFactorRow).with_for_update()):
            if self.keyring.needs_rotation(row.secret_ciphertext):
                plain = self.keyring.decrypt(row.secret_ciphertext, _context(row.staff_id))
                row.secret_ciphertext = self.keyring.encrypt(plain, _context(row.staff_id))
                changed += 1
        await self.session.flush()
        return changed


def _context(staff_id: int) -> str:
    return f"second_factor:{staff_id}"
