"""A colleague's own alerts inside a press: Mark as read, and reading by acting on the case."""

from datetime import datetime

from safeguarding.alerts import ReadAlert
from safeguarding.audit import AuditAction, staff_event
from safeguarding.errors import NotAvailable
from safeguarding.outcomes import Done
from safeguarding.ports import UnitOfWork
from safeguarding.services.press import Press
from safeguarding.staff import StaffMember


async def acknowledge_alert(press: Press, alert_id: int) -> Done[ReadAlert]:
    """Mark as read (alert.read): only the alert's own colleague may; recorded once, audited,
    and its escalation stops (somebody has it now)."""
    found = await press.uow.alerts.mark_read(alert_id, press.staff.id, press.now)
    if found is None:
        await press.audit(AuditAction.ACCESS_REFUSED, ("alert", alert_id), {"verb": "alert.read"})
        raise NotAvailable()
    incident_id, message_id = found
    await press.uow.incidents.stop_escalation(incident_id)
    await press.audit(AuditAction.ALERT_READ, ("incident", incident_id), {"alert": alert_id})
    return Done(ReadAlert(incident_id, message_id))


async def read_by_acting(
    uow: UnitOfWork, actor: StaffMember, incident_id: int, now: datetime, conversation: str
) -> None:
    """Acting on a case (assigning, a status, an action, an edit) acknowledges one's own alerts
    about it: they leave the dashboard, stop its escalation, and are audited as read."""
    read = await uow.alerts.read_all_for(incident_id, actor.id, now)
    if not read:
        return
    await uow.incidents.stop_escalation(incident_id)
    await uow.audit.append(
        staff_event(
            actor,
            AuditAction.ALERT_READ,
            now,
            conversation,
            record_type="incident",
            record_id=incident_id,
            detail={"alerts": read, "by_acting": True},
        )
    )
