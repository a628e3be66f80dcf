"""Files on an incident outside a button's press: opening one through its signed link, and
(seeding, tests) the attach window and attaching, with the same use cases as the chat's
(services/attachments.py)."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from safeguarding.access import Action, Decision
from safeguarding.audit import AuditAction, staff_event
from safeguarding.clock import Clock
from safeguarding.errors import NotAvailable
from safeguarding.files import MAX_BYTES, AttachResult, IncomingFile, OpenedFile, kind_of
from safeguarding.ports import UnitOfWorkFactory
from safeguarding.refusals import refuse
from safeguarding.services.attachments import attach_files, attach_window, open_attach_window
from safeguarding.services.press import Rules
from safeguarding.services.scripted import run_as
from safeguarding.services.viewing import decision_on
from safeguarding.staff import StaffMember

__all__ = ["Attachments", "IncomingFile", "kind_of"]


@dataclass(frozen=True)
class Attachments:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    max_bytes: int = MAX_BYTES

    async def open_window(self, actor: StaffMember, incident_id: int, conversation: str) -> str:
        """Files sent in the next 15 minutes go on this incident (its recorder, or the DSL team)."""
        run = (self.uow_factory, self.clock, actor, conversation)
        return (await run_as(*run, open_attach_window, incident_id)).view

    async def window(self, actor: StaffMember) -> int | None:
        """The incident files from this member of staff would go on now, if any."""
        run = (self.uow_factory, self.clock, actor, "personal")
        found = (await run_as(*run, attach_window)).view
        return found.incident_id if found else None

    async def attach(
        self, actor: StaffMember, files: Sequence[IncomingFile], conversation: str
    ) -> AttachResult | None:
        """Check and store each file on the open window's incident; None when none is open."""
        run = (self.uow_factory, self.clock, actor, conversation)
        rules = Rules(max_attachment_bytes=self.max_bytes)
        return (await run_as(*run, attach_files, files, rules=rules)).view

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
