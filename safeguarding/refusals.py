"""Audit a refused request from a known member of staff (a forged or stale button)."""

from datetime import datetime
from typing import NoReturn

from safeguarding.audit import AuditAction, staff_event
from safeguarding.clock import Clock
from safeguarding.errors import NotAvailable
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
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


async def refuse(
    uow: UnitOfWork,
    who: StaffMember,
    verb: str,
    conversation_type: str,
    at: datetime,
    *,
    record_type: str,
    record_id: int,
) -> NoReturn:
    """Inside a use case: audit the refusal against the record asked for, commit, NotAvailable."""
    await uow.audit.append(
        staff_event(
            who,
            AuditAction.ACCESS_REFUSED,
            at,
            conversation_type,
            record_type=record_type,
            record_id=record_id,
            detail={"verb": verb[:40]},
        )
    )
    await uow.commit()
    raise NotAvailable()
