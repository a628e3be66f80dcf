"""Opening an incident's body map through a signed link: checked again, and audited."""

from safeguarding.audit import AuditAction, staff_event
from safeguarding.clock import Clock
from safeguarding.errors import NotAvailable
from safeguarding.incidents import Marker
from safeguarding.ports import UnitOfWorkFactory


async def open_body_map(
    staff_id: int, incident_id: int, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> list[Marker]:
    """The markers to draw, for the member of staff the link was made for (still active)."""
    async with uow_factory() as uow:
        school_id = await uow.incidents.school_of(incident_id)
        staff = await uow.staff.by_id(school_id, staff_id) if school_id is not None else None
        if staff is None or not staff.active:
            raise NotAvailable()
        markers = list(await uow.incidents.markers(incident_id))
        await uow.audit.append(
            staff_event(
                staff,
                AuditAction.BODY_MAP_VIEWED,
                clock.now(),
                "link",
                record_type="incident",
                record_id=incident_id,
            )
        )
        await uow.commit()
    return markers
