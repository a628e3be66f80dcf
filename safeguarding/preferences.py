"""Personal settings of a member of staff."""

from dataclasses import replace

from safeguarding.audit import AuditAction, staff_event
from safeguarding.clock import Clock
from safeguarding.ports import UnitOfWorkFactory
from safeguarding.staff import StaffMember


async def set_hide_names(
    who: StaffMember,
    hide: bool,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    conversation_type: str,
) -> StaffMember:
    """Show pupils as initials everywhere (or not: outside the 1:1 chat they always are)."""
    async with uow_factory() as uow:
        await uow.staff.set_hide_names(who.id, hide)
        await uow.audit.append(
            staff_event(
                who,
                AuditAction.SETTINGS_CHANGED,
                clock.now(),
                conversation_type,
                record_type="staff",
                record_id=who.id,
                detail={"hide_names": hide},
            )
        )
        await uow.commit()
    return replace(who, hide_names=hide)
