"""The 1:1 chat addresses of staff, for proactive alerts."""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.chats import ChatAddress
from storage.models import ChatAddressRow
from storage.repositories import chat_address, insert_or


class SqlChats:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, staff_id: int) -> ChatAddress | None:
        return chat_address(await self.session.get(ChatAddressRow, staff_id))

    async def save(self, staff_id: int, address: ChatAddress, at: datetime) -> None:
        """Keep (or refresh) a colleague's address in one statement: several first presses at
        once from one person must not race to insert it (an upsert, not read-then-add)."""
        values = {
            "conversation_id": address.conversation_id,
            "service_url": address.service_url,
            "tenant_id": address.tenant_id,
            "bot_id": address.bot_id,
            "user_id": address.user_id,
            "updated_at": at,
        }
        upsert = insert_or(self.session, ChatAddressRow).values(staff_id=staff_id, **values)
        await self.session.execute(
            upsert.on_conflict_do_update(index_elements=["staff_id"], set_=values)
        )

    async def delete(self, staff_id: int) -> None:
        await self.session.execute(
            delete(ChatAddressRow).where(ChatAddressRow.staff_id == staff_id)
        )
