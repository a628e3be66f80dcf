"""Audit a refused request from a known member of staff (a forged or stale button)."""

from safeguarding.audit import AuditAction, staff_event
from safeguarding.clock import Clock
from safeguarding.ports import UnitOfWorkFactory
from safeguarding.staff import StaffMember


async def record_refusal(
    who: StaffMember,
    verb: str,
    conversation_type: str,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
) -> None:
    """Write an access.refused event naming the verb (ids only, never the payload)."""
    async with uow_factory() as uow:
        await uow.audit.append(
            staff_event(
                who,
                AuditAction.ACCESS_REFUSED,
                clock.now(),
                conversation_type,
                detail={"verb": verb[:40]},
            )
        )
        await uow.commit()
