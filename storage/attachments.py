"""Attachments: the file encrypted in a folder outside the database, its details in a row."""

import os
import secrets
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.files import StoredFile
from safeguarding.incidents import AttachmentInfo
from storage.encryption import Keyring
from storage.models import AttachmentRow, AttachWindowRow
from storage.repositories import INSERTS, plain_execute, plain_rows, utc


def file_context(stored_as: str) -> str:
    return f"attachment:{stored_as}"


def name_context(stored_as: str) -> str:
    return f"attachment:{stored_as}:name"


class SqlAttachments:
    def __init__(self, session: AsyncSession, keyring: Keyring | None, folder: Path | None) -> None:
        self.session, self._keyring, self._folder = session, keyring, folder

    async def open_window(
        self, staff_id: int, incident_id: int, until: datetime, action_id: int | None = None
    ) -> None:
        """Files from this member of staff go on this incident (and action) until `until`:
        their one window, opened or moved here (one statement)."""
        window = {"staff": staff_id, "incident": incident_id, "until": until, "action": action_id}
        dialect = self.session.get_bind().dialect.name
        await plain_execute(self.session, _OPEN_WINDOW[dialect], window)

    async def window(self, staff_id: int, now: datetime) -> int | None:
        found = await self.window_of(staff_id, now)
        return found[0] if found else None

    async def window_of(self, staff_id: int, now: datetime) -> tuple[int, int | None] | None:
        """(incident, action or None) that files from this member of staff go on now."""
        rows = await plain_rows(self.session, _WINDOW, {"staff": staff_id})
        if not rows or utc(rows[0].open_until) <= now:
            return None
        return rows[0].incident_id, rows[0].action_id

    async def add(self, stored: StoredFile, at: datetime) -> int:
        """Write the encrypted file (atomically), then its row."""
        if self._keyring is None or self._folder is None:
            raise RuntimeError("attachments need an encryption keyring and a files folder")
        stored_as = secrets.token_hex(16)
        self._folder.mkdir(parents=True, exist_ok=True)
        target = self._folder / stored_as
        partial = target.with_suffix(".partial")
        partial.write_bytes(self._keyring.seal(stored.content, file_context(stored_as)))
        os.replace(partial, target)
        row = AttachmentRow(
            incident_id=stored.incident_id,
            action_id=stored.action_id,
            added_by=stored.added_by,
            added_at=at,
            name_ciphertext=self._keyring.encrypt(stored.name, name_context(stored_as)),
            kind=stored.kind,
            size=stored.size,
            sha256=stored.sha256,
            stored_as=stored_as,
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def on_incident(self, incident_id: int) -> list[AttachmentInfo]:
        """The incident's files, oldest first, names decrypted (the files stay where they are)."""
        return [info for _, info in await self.on_incidents([incident_id])]

    async def on_incidents(self, incident_ids: Sequence[int]) -> list[tuple[int, AttachmentInfo]]:
        """(incident id, file) for these incidents' files, oldest first, in one query."""
        if self._keyring is None:
            raise RuntimeError("no encryption keyring configured")
        if not incident_ids:
            return []
        rows = await plain_rows(self.session, _ON_INCIDENTS, {"ids": list(incident_ids)})
        return [
            (
                r.incident_id,
                AttachmentInfo(
                    r.id,
                    self._keyring.decrypt(r.name_ciphertext, name_context(r.stored_as)),
                    r.kind,
                    r.size,
                    r.sha256,
                    utc(r.added_at),
                    r.action_id,
                ),
            )
            for r in rows
        ]

    async def info(self, attachment_id: int) -> tuple[int, AttachmentInfo] | None:
        """(incident id, the file's facts, its name decrypted), or None."""
        row = await self.session.get(AttachmentRow, attachment_id)
        if row is None or self._keyring is None:
            return None
        info = AttachmentInfo(
            row.id,
            self._keyring.decrypt(row.name_ciphertext, name_context(row.stored_as)),
            row.kind,
            row.size,
            row.sha256,
            utc(row.added_at),
            row.action_id,
        )
        return row.incident_id, info

    async def content(self, attachment_id: int) -> bytes | None:
        """The stored file decrypted; None when it is missing or does not decrypt (altered)."""
        row = await self.session.get(AttachmentRow, attachment_id)
        if row is None:
            return None
        try:
            return self.read(row)
        except (OSError, ValueError):  # KeyringError (altered, or its key gone) is a ValueError
            return None

    def read(self, row: AttachmentRow) -> bytes:
        """A stored file's bytes, decrypted (checked against its SHA-256 by the caller)."""
        if self._keyring is None or self._folder is None:
            raise RuntimeError("attachments need an encryption keyring and a files folder")
        blob = (self._folder / row.stored_as).read_bytes()
        return self._keyring.open(blob, file_context(row.stored_as))

    async def reencrypt_all(self) -> int:
        """Re-encrypt names and files an older key made (key rotation); returns how many."""
        keyring, changed = self._keyring, 0
        if keyring is None:
            raise RuntimeError("no encryption keyring configured")
        for row in await self.session.scalars(select(AttachmentRow)):
            context = name_context(row.stored_as)
            if keyring.needs_rotation(row.name_ciphertext):
                name = keyring.decrypt(row.name_ciphertext, context)
                row.name_ciphertext = keyring.encrypt(name, context)
                changed += 1
            path = (self._folder or Path()) / row.stored_as
            blob = path.read_bytes() if self._folder and path.exists() else b""
            if blob and not blob.startswith(f"KF1 {keyring.current}\n".encode()):
                content = keyring.open(blob, file_context(row.stored_as))
                partial = path.with_suffix(".partial")
                partial.write_bytes(keyring.seal(content, file_context(row.stored_as)))
                os.replace(partial, path)
                changed += 1
        await self.session.flush()
        return changed


# An incident's files as every view of it lists them: the columns shown, built once.
_ON_INCIDENTS = (
    select(
        AttachmentRow.incident_id,
        AttachmentRow.id,
        AttachmentRow.name_ciphertext,
        AttachmentRow.stored_as,
        AttachmentRow.kind,
        AttachmentRow.size,
        AttachmentRow.sha256,
        AttachmentRow.added_at,
        AttachmentRow.action_id,
    )
    .where(AttachmentRow.incident_id.in_(bindparam("ids", expanding=True)))
    .order_by(AttachmentRow.id)
)


def _open_window(insert) -> object:
    """The member of staff's attach window set, made if they have none (`insert`: the
    dialect's, which says what to do on a conflict)."""
    opened = insert(AttachWindowRow).values(
        staff_id=bindparam("staff"),
        incident_id=bindparam("incident"),
        open_until=bindparam("until"),
        action_id=bindparam("action"),
    )
    moved = {name: opened.excluded[name] for name in ("incident_id", "open_until", "action_id")}
    return opened.on_conflict_do_update(index_elements=["staff_id"], set_=moved)


_OPEN_WINDOW = {dialect: _open_window(insert) for dialect, insert in INSERTS.items()}
_WINDOW = select(
    AttachWindowRow.incident_id, AttachWindowRow.open_until, AttachWindowRow.action_id
).where(AttachWindowRow.staff_id == bindparam("staff"))
