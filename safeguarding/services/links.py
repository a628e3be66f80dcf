"""A signed link opened (a file, the body map, the chronology PDF): one press for the member of
staff the link was made for.

There is no Teams identity behind a download: Kestrel signed the link for one member of staff
(bot/links.py checks the signature and expiry), so the press starts from the staff id it names
and the school its path names (or the school of the incident it names). Everything else is a
press as run_press runs one: one unit of work, the use case decides again and audits, one
commit; a Refusal keeps its audit event, anything else rolls back.
"""

from dataclasses import dataclass
from typing import Any

from safeguarding.clock import Clock
from safeguarding.errors import NotAvailable, Refusal
from safeguarding.identity import Identified
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.services.press import Press, Pressed, Rules, UseCase

LINK = "link"  # the conversation type audit events of a signed link name


@dataclass(frozen=True)
class LinkHolder:
    """Who a signed link was made for, and the school it names (or its incident's)."""

    staff_id: int
    school_id: int | None = None
    incident_id: int | None = None  # when the path names no school: the incident's


async def run_link_press(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: Rules,
    holder: LinkHolder,
    use_case: UseCase,
    *args: Any,
) -> Pressed[Any]:
    """Find the link's member of staff, run the use case and commit: one transaction."""
    now = clock.now()
    async with uow_factory() as uow:
        who = await link_holder(uow, holder)
        press = Press(uow, who, LINK, now, rules)
        try:
            outcome = await use_case(press, *args)
        except Refusal:
            await uow.commit()  # the refusal's audit event
            raise
        await uow.commit()
        return Pressed(who, outcome)


async def link_holder(uow: UnitOfWork, holder: LinkHolder) -> Identified:
    """The member of staff and school the link names; NotAvailable if either is not there."""
    school_id = holder.school_id
    if school_id is None and holder.incident_id is not None:
        school_id = await uow.incidents.school_of(holder.incident_id)
    staff = await uow.staff.by_id(school_id, holder.staff_id) if school_id is not None else None
    school = await uow.schools.by_id(school_id) if staff is not None else None
    if staff is None or school is None:
        raise NotAvailable()
    return Identified(staff, school)
