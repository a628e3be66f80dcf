"""A use case run for a known member of staff outside Teams (seeding, benches, tests).

The same press as a button's: one unit of work, committed once; a Refusal keeps its audit
event; anything else rolls back. There is no caller to identify and no chat to keep.
"""

from typing import Any

from safeguarding.clock import Clock
from safeguarding.errors import Refusal
from safeguarding.identity import Identified
from safeguarding.ports import UnitOfWorkFactory
from safeguarding.services.press import Press, Rules, UseCase
from safeguarding.staff import StaffMember


async def run_as(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    staff: StaffMember,
    conversation: str,
    use_case: UseCase,
    *args: Any,
    rules: Rules | None = None,
) -> Any:
    """What `use_case(press, *args)` returns, pressed by `staff` in one unit of work."""
    async with uow_factory() as uow:
        school = await uow.schools.by_id(staff.school_id)
        assert school is not None
        press = Press(uow, Identified(staff, school), conversation, clock.now(), rules or Rules())
        try:
            result = await use_case(press, *args)
        except Refusal:
            await uow.commit()  # the refusal's audit event
            raise
        await uow.commit()
    return result
