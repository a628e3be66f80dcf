"""The scheduled directory sync's turns (inside `kestrel serve`): one process at a time takes a
tenant's sync when it is due (a lease), gives it back with the next time, and the school's
administrators are told of a failure once, not again until a sync succeeds. Each step is a
short transaction of its own (nobody is pressing)."""

from datetime import datetime

from safeguarding.chats import ChatAddress
from safeguarding.ports import UnitOfWorkFactory
from safeguarding.staff import Role


async def claim_sync(
    uow_factory: UnitOfWorkFactory, tenant_id: str, holder: str, now: datetime, until: datetime
) -> bool:
    """Whether this process runs the tenant's sync now (due, and nobody else holds it)."""
    async with uow_factory() as uow:
        taken = await uow.directory_syncs.claim(tenant_id, holder, now, until)
        await uow.commit()
    return taken


async def finish_sync(
    uow_factory: UnitOfWorkFactory,
    tenant_id: str,
    holder: str,
    next_due: datetime,
    failed_at: datetime | None,
) -> list[ChatAddress]:
    """Give the sync back; the chats of the administrators to tell when this is a failure
    nobody has been told of yet (every school of the tenant; active administrators only)."""
    async with uow_factory() as uow:
        notice_due = await uow.directory_syncs.finish(tenant_id, holder, next_due, failed_at)
        addresses = []
        if notice_due:
            for school in [s for s in await uow.schools.list() if s.tenant_id == tenant_id]:
                for member in await uow.staff.list(school.id):
                    if member.active and member.role == Role.ADMINISTRATOR:
                        address = await uow.chats.get(member.id)
                        addresses += [address] if address is not None else []
        await uow.commit()
    return addresses


async def failure_told(uow_factory: UnitOfWorkFactory, tenant_id: str, at: datetime) -> None:
    """The administrators were told: not again until a sync succeeds."""
    async with uow_factory() as uow:
        await uow.directory_syncs.notified(tenant_id, at)
        await uow.commit()
