"""The 1:1 chat addresses of staff, for proactive alerts."""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.chats import ChatAddress
from storage.models import ChatAddressRow


class SqlChats:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, staff_id: int) -> ChatAddress | None:
        row = await self.session.get(ChatAddressRow, staff_id)
        if row is None:
            return None
        return ChatAddress(
            row.conversation_id, row.service_url, row.tenant_id, row.bot_id, row.user_id
        )

    async def save(self, staff_id: int, address: ChatAddress, at: datetime) -> None:
        row = await self.session.get(ChatAddressRow, staff_id)
        if row is None:
            row = ChatAddressRow(staff_id=staff_id)
            self.session.add(row)
        row.conversation_id, row.service_url = address.conversation_id, address.service_url
        row.tenant_id, row.bot_id, row.user_id = address.tenant_id, address.bot_id, address.user_id
        row.updated_at = at
        await self.session.flush()

    async def delete(self, staff_id: int) -> None:
        await self.session.execute(
            delete(ChatAddressRow).where(ChatAddressRow.staff_id == staff_id)
        )
