"""Words typed after a chat command, held encrypted under a random token for a short while."""

import secrets
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.encryption import Keyring
from storage.models import TypedWordsRow


def words_context(token: str) -> str:
    return f"typed:{token}"


class SqlTypedWords:
    def __init__(self, session: AsyncSession, keyring: Keyring | None) -> None:
        self.session, self._keyring = session, keyring

    @property
    def keyring(self) -> Keyring:
        if self._keyring is None:  # never kept in plain text
            raise RuntimeError("no encryption keyring configured")
        return self._keyring

    async def keep(self, staff_id: int, text: str, now: datetime, expires_at: datetime) -> str:
        """Hold `text` for this member of staff until `expires_at`; the token that names it.
        Words whose time is up go on the way."""
        await self.session.execute(delete(TypedWordsRow).where(TypedWordsRow.expires_at <= now))
        token = secrets.token_urlsafe(18)
        sealed = self.keyring.encrypt(text, words_context(token))
        self.session.add(
            TypedWordsRow(token=token, staff_id=staff_id, ciphertext=sealed, expires_at=expires_at)
        )
        await self.session.flush()
        return token

    async def take(self, staff_id: int, token: str, now: datetime) -> str | None:
        """The words behind `token`, for the member of staff who typed them, while held."""
        row = await self.session.scalar(
            select(TypedWordsRow).where(
                TypedWordsRow.token == token,
                TypedWordsRow.staff_id == staff_id,
                TypedWordsRow.expires_at > now,
            )
        )
        return None if row is None else self.keyring.decrypt(row.ciphertext, words_context(token))
