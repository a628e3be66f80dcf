"""Opening an incident's body map through a signed link: decided again, and audited."""

from safeguarding.access import Action, Decision
from safeguarding.audit import AuditAction, staff_event
from safeguarding.clock import Clock
from safeguarding.errors import NotAvailable
from safeguarding.incidents import Marker
from safeguarding.ports import UnitOfWorkFactory
from safeguarding.refusals import refuse
from safeguarding.services.viewing import decision_on


async def open_body_map(
    staff_id: int, incident_id: int, *, uow_factory: UnitOfWorkFactory, clock: Clock
) -> list[Marker]:
    """The markers to draw, if the link's member of staff may still read the incident now."""
    now = clock.now()
    async with uow_factory() as uow:
        school_id = await uow.incidents.school_of(incident_id)
        staff = await uow.staff.by_id(school_id, staff_id) if school_id is not None else None
        if staff is None or school_id is None:
            raise NotAvailable()
        facts = await uow.incidents.facts(school_id, incident_id)
        assert facts is not None
        if await decision_on(uow, staff, facts, Action.VIEW_INCIDENT, now) != Decision.ALLOW:
            await refuse(
                uow, staff, "body_map", "link", now, record_type="incident", record_id=incident_id
            )
        markers = list(await uow.incidents.markers(incident_id))
        await uow.audit.append(
            staff_event(
                staff,
                AuditAction.BODY_MAP_VIEWED,
                now,
                "link",
                record_type="incident",
                record_id=incident_id,
            )
        )
        await uow.commit()
    return markers
