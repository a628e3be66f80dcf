"""Files on an incident: sent to Kestrel in the 1:1 chat while an attach window is open.

A file is accepted by what it is (its content), not by its name: documents, images, PDF and
email files. Accepted files are hashed (SHA-256) and stored encrypted outside the database.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import filetype

from safeguarding.access import Action, Decision
from safeguarding.audit import AuditAction, staff_event
from safeguarding.clock import Clock
from safeguarding.errors import NotAvailable
from safeguarding.incidents import reference
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.refusals import refuse
from safeguarding.services.viewing import decision_on
from safeguarding.staff import StaffMember

ATTACH_WINDOW = timedelta(minutes=15)
MAX_BYTES = 25 * 1024 * 1024
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Outlook .msg and older Office files
_EMAIL_HEADERS = (b"from:", b"to:", b"subject:", b"date:", b"received:", b"mime-version:")
_KINDS = {
    "application/pdf": "PDF",
    "image/jpeg": "image",
    "image/png": "image",
    "image/gif": "image",
    "image/webp": "image",
    "image/heic": "image",
    "image/tiff": "image",
    "image/bmp": "image",
    "application/msword": "document",
    "application/vnd.ms-excel": "document",
    "application/vnd.ms-powerpoint": "document",
    "application/vnd.oasis.opendocument.text": "document",
    "application/vnd.oasis.opendocument.spreadsheet": "document",
    "application/vnd.oasis.opendocument.presentation": "document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "document",
}


def kind_of(content: bytes) -> str | None:
    """'PDF', 'image', 'document', 'email' or 'text' by content; None for anything else."""
    guessed = filetype.guess(content[:8192])
    if guessed is not None:
        return _KINDS.get(guessed.mime)
    if content.startswith(_OLE2):
        return "email"  # an OLE file filetype does not know as Office: an Outlook message
    return _text_kind(content[:8192])


def _text_kind(head: bytes) -> str | None:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text or text.lstrip().lower().startswith(("<!doctype", "<html", "<script")):
        return None
    lines = [line.lower() for line in head.splitlines()[:30]]
    headers = sum(1 for line in lines if line.startswith(_EMAIL_HEADERS))
    return "email" if headers >= 2 else "text"


@dataclass(frozen=True)
class IncomingFile:
    name: str
    content: bytes | None  # None: it could not be downloaded, or it was too large
    problem: str = ""  # why there is no content


@dataclass(frozen=True)
class StoredFile:
    incident_id: int
    added_by: int
    name: str
    kind: str
    size: int
    sha256: str
    content: bytes
    action_id: int | None = None


@dataclass(frozen=True)
class FileOutcome:
    kind: str  # what it was taken for; empty when refused
    size: int = 0
    refused: str = ""  # the reason, in the user's words


@dataclass(frozen=True)
class OpenedFile:
    name: str
    kind: str
    content: bytes


@dataclass(frozen=True)
class AttachResult:
    reference: str
    outcomes: tuple[FileOutcome, ...]


@dataclass(frozen=True)
class Attachments:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    max_bytes: int = MAX_BYTES

    async def open_window(self, actor: StaffMember, incident_id: int, conversation: str) -> str:
        """Files sent in the next 15 minutes go on this incident (its recorder, or the DSL team)."""
        async with self.uow_factory() as uow:
            if not await self._may_attach(uow, actor, incident_id):
                now = self.clock.now()
                await refuse(
                    uow,
                    actor,
                    "incident.attach",
                    conversation,
                    now,
                    record_type="incident",
                    record_id=incident_id,
                )
            until = self.clock.now() + ATTACH_WINDOW
            await uow.attachments.open_window(actor.id, incident_id, until)
            await uow.commit()
        return reference(incident_id)

    async def _may_attach(
        self, uow: UnitOfWork, actor: StaffMember, incident_id: int, action_id: int | None = None
    ) -> bool:
        """Its recorder, the DSL team, or the author of the action the files go with; never
        anyone excluded from one of its pupils."""
        facts = await uow.incidents.facts(actor.school_id, incident_id)
        author = await uow.actions.author(action_id) if action_id is not None else None
        allowed = facts is not None and (
            facts.recorded_by == actor.id or actor.leads_safeguarding or author == actor.id
        )
        if facts is None or not allowed:
            return False
        status = Action.VIEW_INCIDENT_STATUS
        return await decision_on(uow, actor, facts, status, self.clock.now()) == Decision.ALLOW

    async def window(self, actor: StaffMember) -> int | None:
        """The incident files from this member of staff would go on now, if any."""
        async with self.uow_factory() as uow:
            return await uow.attachments.window(actor.id, self.clock.now())

    async def attach(
        self, actor: StaffMember, files: Sequence[IncomingFile], conversation: str
    ) -> AttachResult | None:
        """Check and store each file on the open window's incident; None when none is open."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            window = await uow.attachments.window_of(actor.id, now)
            incident_id, action_id = window or (0, None)
            if window is None or not await self._may_attach(uow, actor, incident_id, action_id):
                return None  # no window, or access has changed since it opened
            outcomes = []
            for incoming in files:
                outcome = self._check(incoming)
                outcomes.append(outcome)
                if outcome.refused or incoming.content is None:
                    continue
                stored = StoredFile(
                    incident_id,
                    actor.id,
                    incoming.name[:255],
                    outcome.kind,
                    outcome.size,
                    hashlib.sha256(incoming.content).hexdigest(),
                    incoming.content,
                    action_id,
                )
                attachment_id = await uow.attachments.add(stored, now)
                await uow.audit.append(
                    staff_event(
                        actor,
                        AuditAction.ATTACHMENT_ADDED,
                        now,
                        conversation,
                        record_type="incident",
                        record_id=incident_id,
                        detail={
                            "attachment": attachment_id,
                            "sha256": stored.sha256,
                            "action": action_id,
                        },
                    )
                )
            await uow.commit()
        return AttachResult(reference(incident_id), tuple(outcomes))

    async def open_file(self, staff_id: int, school_id: int, attachment_id: int) -> OpenedFile:
        """A file through its signed link: the link's member of staff must still be allowed to
        read its incident now; its SHA-256 is checked; the download is audited."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            staff = await uow.staff.by_id(school_id, staff_id)
            found = await uow.attachments.info(attachment_id) if staff else None
            facts = await uow.incidents.facts(school_id, found[0]) if found else None
            if staff is None or found is None or facts is None:
                raise NotAvailable()
            if await decision_on(uow, staff, facts, Action.VIEW_INCIDENT, now) != Decision.ALLOW:
                await refuse(
                    uow,
                    staff,
                    "attachment.open",
                    "link",
                    now,
                    record_type="incident",
                    record_id=facts.id,
                )
            incident_id, info = found
            content = await uow.attachments.content(attachment_id)  # decided first, then read
            if content is None or hashlib.sha256(content).hexdigest() != info.sha256:
                raise NotAvailable()  # missing or altered at rest: never served
            await uow.audit.append(
                staff_event(
                    staff,
                    AuditAction.ATTACHMENT_OPENED,
                    now,
                    "link",
                    record_type="incident",
                    record_id=incident_id,
                    detail={"attachment": attachment_id},
                )
            )
            await uow.commit()
        return OpenedFile(info.name, info.kind, content)

    def _check(self, incoming: IncomingFile) -> FileOutcome:
        if incoming.content is None:
            return FileOutcome("", refused=incoming.problem or "it could not be downloaded")
        size = len(incoming.content)
        if size == 0:
            return FileOutcome("", refused="it is empty")
        if size > self.max_bytes:
            return FileOutcome("", size, refused=f"it is over {self.max_bytes // 2**20} MB")
        kind = kind_of(incoming.content)
        if kind is None:
            return FileOutcome("", size, refused="it is not a document, image, PDF or email file")
        return FileOutcome(kind, size)
