"""Where Kestrel can reach each member of staff: their 1:1 chat with the bot (for alerts).

Teams' ids are opaque here; they are kept up to date from every personal-chat turn and
forgotten when the member of staff removes Kestrel.
"""

from dataclasses import dataclass

from safeguarding.clock import Clock
from safeguarding.ports import UnitOfWorkFactory
from safeguarding.staff import StaffMember


@dataclass(frozen=True)
class ChatAddress:
    conversation_id: str
    service_url: str  # differs by region: always the one Teams last used
    tenant_id: str
    bot_id: str
    user_id: str  # the bot-scoped 29:... id


async def remember_chat(
    staff: StaffMember, address: ChatAddress, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> None:
    """Keep the latest address (written only when it changed)."""
    async with uow_factory() as uow:
        if await uow.chats.get(staff.id) == address:
            return
        await uow.chats.save(staff.id, address, clock.now())
        await uow.commit()


async def forget_chat(staff: StaffMember, *, uow_factory: UnitOfWorkFactory) -> None:
    """Kestrel was removed from this member of staff's Teams: no address any more."""
    async with uow_factory() as uow:
        await uow.chats.delete(staff.id)
        await uow.commit()
