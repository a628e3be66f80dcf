"""The tail that recording an incident and adding an action share: who is alerted, who gains
access, the grants, the outbox rows and their audit events, in the press's unit of work."""

from collections.abc import Sequence, Set

from safeguarding.audit import AuditAction
from safeguarding.incidents import QueuedAlert
from safeguarding.recipients import AlertChoice, Recipients, candidates, kept
from safeguarding.services.press import Press
from safeguarding.staff import StaffMember


async def alert_recipients(press: Press, choice: AlertChoice, pupil_ids: Set[int]) -> Recipients:
    """Who the alerts go to (safeguarding/recipients.py decides; this loads what it needs)."""
    uow, school_id = press.uow, press.staff.school_id
    reached = (
        uow.staff.alertable(
            school_id,
            choice.staff_ids,
            choice.aad_ids,
            choice.group_ids | choice.default_group_ids,
        ),
        uow.alert_groups.list(school_id),
    )
    staff, groups = await uow.together(*reached)
    found = candidates(choice, staff, groups)
    return kept(found, press.staff, pupil_ids, await uow.access.excluded_of(list(found)))


async def grant_and_alert(
    press: Press,
    incident_id: int,
    recipients: Recipients,
    granted: Sequence[StaffMember],
    action_id: int | None = None,
) -> None:
    """Grant access to `granted`, queue an alert for each recipient, audit each grant."""
    uow, actor, now = press.uow, press.staff, press.now
    for staff in granted:
        await uow.incidents.grant(incident_id, staff.id, actor.id, now)
    for staff, why in recipients.values():
        await uow.incidents.queue_alert(
            QueuedAlert(
                actor.school_id, incident_id, staff.id, actor.id, why, now, action_id=action_id
            )
        )
    for staff in granted:
        await press.audit(
            AuditAction.ACCESS_GRANTED, ("incident", incident_id), {"staff": staff.id}
        )
