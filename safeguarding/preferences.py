"""Personal settings of a member of staff."""

from dataclasses import replace

from safeguarding.audit import AuditAction, AuditEvent
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
            AuditEvent(
                AuditAction.SETTINGS_CHANGED,
                clock.now(),
                school_id=who.school_id,
                actor_staff_id=who.id,
                record_type="staff",
                record_id=who.id,
                conversation_type=conversation_type,
                detail={"hide_names": hide},
            )
        )
        await uow.commit()
    return replace(who, hide_names=hide)
