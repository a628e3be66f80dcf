"""A colleague's own alerts inside a press: Mark as read, and reading by acting on the case."""

from safeguarding.alerts import ReadAlert
from safeguarding.audit import AuditAction
from safeguarding.errors import NotAvailable
from safeguarding.outcomes import Done
from safeguarding.services.press import Press


async def acknowledge_alert(press: Press, alert_id: int) -> Done[ReadAlert]:
    """Mark as read (alert.read): only the alert's own colleague may; recorded once, audited,
    and its escalation stops (somebody has it now). The dashboard lists an incident once, so
    this colleague's other unread alerts about it are read too (their messages refreshed)."""
    uow = press.uow
    found = await uow.alerts.own(alert_id, press.staff.id)
    if found is None:
        await press.audit(AuditAction.ACCESS_REFUSED, ("alert", alert_id), {"verb": "alert.read"})
        raise NotAvailable()
    incident_id, message_id = found
    await uow.incidents.lock(incident_id)  # before its alerts, as a change of the case takes them
    await uow.alerts.mark_read(alert_id, press.now)
    others = await uow.alerts.read_all_for(incident_id, press.staff.id, press.now)
    for other in others:
        await uow.alerts.mark_stale(other)  # its own message says "read" too
    await uow.incidents.stop_escalation(incident_id)
    detail = {"alert": alert_id, **({"also": others} if others else {})}
    await press.audit(AuditAction.ALERT_READ, ("incident", incident_id), detail)
    return Done(ReadAlert(incident_id, message_id))


async def read_by_acting(press: Press, incident_id: int) -> None:
    """Acting on a case (assigning, a status, an action, an edit) acknowledges one's own alerts
    about it: they leave the dashboard, stop its escalation, and are audited as read."""
    read = await press.uow.alerts.read_all_for(incident_id, press.staff.id, press.now)
    if not read:
        return
    await press.uow.incidents.stop_escalation(incident_id)
    detail = {"alerts": read, "by_acting": True}
    await press.audit(AuditAction.ALERT_READ, ("incident", incident_id), detail)
