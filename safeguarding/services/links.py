"""A signed link opened (a file, the body map, the chronology PDF): one press for the member of
staff the link was made for.

There is no Teams identity behind a download: Kestrel signed the link for one member of staff
(bot/links.py checks the signature and expiry), so the press starts from the staff id it names
and the school its path names (or the school of the incident it names). Everything else is a
press (run_press): one unit of work, the use case decides again and audits, one commit.
"""

from dataclasses import dataclass
from datetime import datetime

from safeguarding.chats import ChatAddress
from safeguarding.errors import NotAvailable
from safeguarding.identity import Identified
from safeguarding.ports import UnitOfWork
from safeguarding.services.press import Rules

LINK = "link"  # the conversation type audit events of a signed link name


@dataclass(frozen=True)
class LinkHolder:
    """Who a signed link was made for, and the school it names (or its incident's): a
    Presser for run_press."""

    staff_id: int
    school_id: int | None = None
    incident_id: int | None = None  # when the path names no school: the incident's
    conversation: str = LINK
    chat: ChatAddress | None = None
    message_id: str = ""

    async def identify(self, uow: UnitOfWork, rules: Rules, now: datetime) -> Identified:
        """The member of staff and school the link names; NotAvailable if either is gone."""
        school_id = self.school_id
        if school_id is None and self.incident_id is not None:
            school_id = await uow.incidents.school_of(self.incident_id)
        found = await uow.staff.by_id(school_id, self.staff_id) if school_id else None
        school = await uow.schools.by_id(school_id) if found is not None else None
        if found is None or school is None:
            raise NotAvailable()
        return Identified(found, school)
