"""Opening an incident: the access decision, elevation where the rules need it, an audit event."""

from datetime import datetime
from typing import NoReturn

from safeguarding.access import AccessPolicy, Action, Decision, Viewer, decide
from safeguarding.audit import AuditAction
from safeguarding.errors import NeedsElevation
from safeguarding.incidents import IncidentFacts, reference
from safeguarding.outcomes import Done, NeedsCode
from safeguarding.ports import UnitOfWork
from safeguarding.services.elevation import check_code
from safeguarding.services.press import Press
from safeguarding.staff import StaffMember
from safeguarding.viewing import (
    AlertCopy,
    IncidentStatus,
    IncidentView,
    PastedOriginal,
    action_decision,
    pupil_records,
)

WRONG_CODE = "That code did not work."


async def show_incident(
    press: Press, incident_id: int, alert_id: int | None = None, code: str = ""
) -> Done[IncidentView | IncidentStatus | AlertCopy] | NeedsCode:
    """Open (incident.show): a second copy of an alert stands aside; a code typed on the
    prompt is checked first; then the incident as this member of staff may see it."""
    if alert_id is not None and await _is_copy(press, alert_id):
        return Done(AlertCopy(reference(incident_id), incident_id))
    if code and not await check_code(press, code):
        return NeedsCode(incident_id, enrolled=True, error=WRONG_CODE)
    return await open_incident(press, incident_id)


async def open_incident(
    press: Press, incident_id: int, notice: str = ""
) -> Done[IncidentView | IncidentStatus]:
    """The incident in full for someone allowed to read it; refused and audited otherwise.

    Its recorder, when they may only record, learns its status, nothing more. Every other
    use case that answers with the incident ends here, in its own press.
    """
    uow, actor, now = press.uow, press.staff, press.now
    facts = await uow.incidents.facts(actor.school_id, incident_id)
    viewer, policy = await viewer_and_policy(uow, actor, now)  # once for every decision
    decision = Decision.DENY
    if facts is not None:
        decision = decide(viewer, Action.VIEW_INCIDENT, facts.record(), policy, now)
    if facts is not None and decision == Decision.DENY:
        status = decide(viewer, Action.VIEW_INCIDENT_STATUS, facts.record(), policy, now)
        if status == Decision.ALLOW:
            await press.audit(AuditAction.INCIDENT_STATUS_VIEWED, ("incident", incident_id))
            return Done(IncidentStatus(facts.reference, facts.status), notice)
    if facts is None or decision == Decision.DENY:
        await refuse_incident(press, incident_id, "incident.show")
    if decision == Decision.NEEDS_ELEVATION:
        await press.audit(AuditAction.ELEVATION_PROMPTED, ("incident", incident_id))
        raise NeedsElevation(incident_id)
    assert facts is not None
    view = await _incident_view(press, facts, viewer, policy)
    await press.audit(AuditAction.INCIDENT_VIEWED, ("incident", incident_id))
    return Done(view, notice)


async def _incident_view(
    press: Press, facts: IncidentFacts, viewer: Viewer, policy: AccessPolicy
) -> IncidentView:
    """Everything the incident card shows this viewer (decrypted only after the decision),
    with what they may do with it."""
    uow, actor, now, incident_id = press.uow, press.staff, press.now, facts.id
    entries, content, markers, attachments, categories, names, unread = await uow.together(
        uow.actions.on_incidents([incident_id]),
        uow.incidents.content(incident_id),
        uow.incidents.markers(incident_id),
        uow.attachments.on_incident(incident_id),
        uow.categories.list(actor.school_id),
        uow.staff.names(actor.school_id),
        uow.alerts.unread_for(incident_id, actor.id),
    )
    actions = [(a, action_decision(viewer, policy, facts, a.category_ids, now)) for a in entries]
    return IncidentView(
        facts=facts,
        text=content.text,
        evidence=content.evidence,
        markers=tuple(markers),
        attachments=tuple(attachments),
        categories={c.id: c for c in categories},
        staff_names=names,
        unread_alert=unread,
        actions=tuple(a for a, d in actions if d == Decision.ALLOW),
        actions_held=sum(d == Decision.NEEDS_ELEVATION for _, d in actions),
        can_work=decide(viewer, Action.WORK_CASE, facts.record(), policy, now) == Decision.ALLOW,
        viewer_id=actor.id,
        pupil_records=pupil_records(viewer, policy, facts, now),
        can_attach=facts.recorded_by == actor.id or actor.leads_safeguarding,
        oversees=actor.leads_safeguarding,
        pasted=content.pasted,
    )


async def show_original(
    press: Press, incident_id: int, action_id: int | None = None
) -> Done[PastedOriginal]:
    """Show the original (incident.original): the HTML email as pasted into the incident's text
    (or an action's), for someone who may read it; audited as a view of the incident."""
    facts = await allowed(press, incident_id, Action.VIEW_INCIDENT, "incident.original")
    if action_id is None:
        source = await press.uow.incidents.original(incident_id)
        detail: dict = {"original": "incident"}
    else:
        source = await _action_original(press, facts, action_id)
        detail = {"original": "action", "action": action_id}
    if source is None:
        await refuse_incident(press, incident_id, "incident.original")
    await press.audit(AuditAction.INCIDENT_VIEWED, ("incident", incident_id), detail)
    return Done(PastedOriginal(facts.reference, incident_id, action_id, source))


async def _action_original(press: Press, facts: IncidentFacts, action_id: int) -> str | None:
    """An action's pasted original, when the action is on this incident and readable now."""
    uow, now = press.uow, press.now
    action = next((a for a in await uow.actions.heads([facts.id]) if a.id == action_id), None)
    if action is None:
        return None
    viewer, policy = await viewer_and_policy(uow, press.staff, now)
    decision = action_decision(viewer, policy, facts, action.category_ids, now)
    if decision == Decision.NEEDS_ELEVATION:
        raise NeedsElevation(facts.id)
    return await uow.actions.original(action_id) if decision == Decision.ALLOW else None


async def refuse_incident(press: Press, incident_id: int, verb: str) -> NoReturn:
    """Refused (audited against the incident asked for): NotAvailable."""
    await press.refuse(verb, ("incident", incident_id))


async def allowed(press: Press, incident_id: int, action: Action, verb: str) -> IncidentFacts:
    """The incident if this member of staff may do `action` on it now; NeedsElevation when a
    code would allow it; refused (audited, NotAvailable) otherwise, or when there is none."""
    facts = await press.uow.incidents.facts(press.staff.school_id, incident_id)
    decision = Decision.DENY
    if facts is not None:
        decision = await decision_on(press.uow, press.staff, facts, action, press.now)
    if decision == Decision.NEEDS_ELEVATION:
        raise NeedsElevation(incident_id)
    if facts is None or decision != Decision.ALLOW:
        await refuse_incident(press, incident_id, verb)
    return facts


async def _is_copy(press: Press, alert_id: int) -> bool:
    """True for a second message of one alert: Teams took a send whose message id was never
    recorded (a crash, or a lease that ran out), and the alert went again. Teams has no
    idempotency key, so delivery is at least once; this is how it is shown once."""
    recorded = await press.uow.alerts.message_of(alert_id, press.staff.id)
    return bool(recorded and press.message_id and recorded != press.message_id)


async def decision_on(
    uow: UnitOfWork, actor: StaffMember, facts: IncidentFacts, action: Action, now: datetime
) -> Decision:
    """The access decision for this member of staff on this incident, as of now."""
    viewer, policy = await viewer_and_policy(uow, actor, now)
    return decide(viewer, action, facts.record(), policy, now)


async def viewer_and_policy(
    uow: UnitOfWork, actor: StaffMember, now: datetime
) -> tuple[Viewer, AccessPolicy]:
    """What decisions for this member of staff need (load once for a list)."""
    found = await uow.access.viewing(actor.id, actor.school_id)
    elevated = bool(found.elevated_until and found.elevated_until > now)
    return Viewer(actor, found.excluded, elevated), found.policy
