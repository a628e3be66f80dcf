"""Viewing an incident: the access decision, elevation where the rules need it, an audit event."""

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from safeguarding.access import AccessPolicy, Action, Decision, Pupil, Record, Viewer, decide
from safeguarding.audit import AuditAction, staff_event
from safeguarding.clock import Clock
from safeguarding.errors import DomainError, NeedsElevation
from safeguarding.incidents import AttachmentInfo, Evidence, IncidentFacts, Marker, Status
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.refusals import refuse
from safeguarding.school import Category
from safeguarding.staff import StaffMember

if TYPE_CHECKING:
    from safeguarding.actions import ActionEntry




class StatusOnly(DomainError):
    """The recorder of an incident they may not read: its reference and status only."""

    def __init__(self, reference: str, status: Status) -> None:
        super().__init__("status only")
        self.reference, self.status = reference, status


@dataclass(frozen=True)
class IncidentView:
    facts: IncidentFacts
    text: str
    evidence: Evidence | None
    markers: tuple[Marker, ...]
    attachments: tuple[AttachmentInfo, ...]
    categories: dict[int, Category]
    staff_names: dict[int, str]
    unread_alert: int | None = None  # the viewer's own unread alert about it (Mark as read)
    actions: tuple["ActionEntry", ...] = ()  # follow-ups, in the order they happened
    actions_held: int = 0  # actions in a restricted category: shown once the code is entered
    can_work: bool = False  # may assign it and change its status (the DSL team)
    viewer_id: int = 0
    pupil_records: tuple[int, ...] = ()  # the incident's pupils whose records they may open


async def view_incident(
    actor: StaffMember,
    incident_id: int,
    conversation_type: str,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
) -> IncidentView:
    """The incident in full for someone allowed to read it; refused and audited otherwise.

    Its recorder, when they may only record, learns its status (StatusOnly), nothing more.
    """
    now = clock.now()
    async with uow_factory() as uow:
        facts = await uow.incidents.facts(actor.school_id, incident_id)
        viewer, policy = await viewer_and_policy(uow, actor, now)  # once for every decision
        decision = Decision.DENY
        if facts is not None:
            decision = decide(viewer, Action.VIEW_INCIDENT, facts.record(), policy, now)
        if facts is not None and decision == Decision.DENY:
            await _status_only(uow, actor, facts, conversation_type, clock)
        if facts is None or decision == Decision.DENY:
            await refuse(
                uow,
                actor,
                "incident.show",
                conversation_type,
                now,
                record_type="incident",
                record_id=incident_id,
            )
        if decision == Decision.NEEDS_ELEVATION:
            await _audit(
                uow, actor, AuditAction.ELEVATION_PROMPTED, incident_id, conversation_type, clock
            )
            await uow.commit()
            raise NeedsElevation(incident_id)
        actions = [
            (a, action_decision(viewer, policy, facts, a.category_ids, now))
            for a in await uow.actions.on_incidents([incident_id])
        ]
        view = IncidentView(
            facts=facts,
            text=await uow.incidents.text(incident_id),
            evidence=await uow.incidents.evidence(incident_id),
            markers=tuple(await uow.incidents.markers(incident_id)),
            attachments=tuple(await uow.attachments.on_incident(incident_id)),
            categories={c.id: c for c in await uow.categories.list(actor.school_id)},
            staff_names={s.id: s.display_name for s in await uow.staff.list(actor.school_id)},
            unread_alert=await uow.alerts.unread_for(incident_id, actor.id),
            actions=tuple(a for a, d in actions if d == Decision.ALLOW),
            actions_held=sum(d == Decision.NEEDS_ELEVATION for _, d in actions),
            can_work=decide(viewer, Action.WORK_CASE, facts.record(), policy, now)
            == Decision.ALLOW,
            viewer_id=actor.id,
            pupil_records=_pupil_records(viewer, policy, facts, now),
        )
        await _audit(uow, actor, AuditAction.INCIDENT_VIEWED, incident_id, conversation_type, clock)
        await uow.commit()
    return view


def action_decision(
    viewer: Viewer, policy: AccessPolicy, facts: IncidentFacts, categories: frozenset[int], now
) -> Decision:
    """An action is read with its incident: the decision on the incident's categories and the
    action's own (a restricted category on an action restricts that action)."""
    record = facts.record()
    record = replace(record, categories=record.categories | categories)
    return decide(viewer, Action.VIEW_INCIDENT, record, policy, now)


async def allowed_incident(
    uow: UnitOfWork,
    actor: StaffMember,
    incident_id: int,
    action: Action,
    *,
    verb: str,
    conversation: str,
    now: datetime,
) -> IncidentFacts:
    """The incident if this member of staff may do `action` on it now; NeedsElevation when a
    code would allow it; refused (audited, NotAvailable) otherwise, or when there is none."""
    facts = await uow.incidents.facts(actor.school_id, incident_id)
    decision = Decision.DENY
    if facts is not None:
        decision = await decision_on(uow, actor, facts, action, now)
    if decision == Decision.NEEDS_ELEVATION:
        raise NeedsElevation(incident_id)
    if facts is None or decision != Decision.ALLOW:
        await refuse(
            uow, actor, verb, conversation, now, record_type="incident", record_id=incident_id
        )
    return facts


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
    factor = await uow.second_factors.get(actor.id)
    elevated = bool(factor and factor.elevated_until and factor.elevated_until > now)
    viewer = Viewer(actor, await uow.access.excluded_students(actor.id), elevated)
    return viewer, await uow.access.policy(actor.school_id)


def _pupil_records(
    viewer: Viewer, policy: AccessPolicy, facts: IncidentFacts, now: datetime
) -> tuple[int, ...]:
    """The incident's pupils whose records this viewer may open."""
    return tuple(
        p.student.id
        for p in facts.pupils
        if decide(
            viewer,
            Action.VIEW_STUDENT,
            Record(pupils=(Pupil(p.student.id, p.student.year_group, p.student.tutor_group),)),
            policy,
            now,
        )
        == Decision.ALLOW
    )


async def _status_only(
    uow: UnitOfWork, actor: StaffMember, facts: IncidentFacts, conversation: str, clock: Clock
) -> None:
    status = await decision_on(uow, actor, facts, Action.VIEW_INCIDENT_STATUS, clock.now())
    if status == Decision.ALLOW:
        await _audit(uow, actor, AuditAction.INCIDENT_STATUS_VIEWED, facts.id, conversation, clock)
        await uow.commit()
        raise StatusOnly(facts.reference, facts.status)


async def _audit(
    uow: UnitOfWork,
    actor: StaffMember,
    action: AuditAction,
    incident_id: int,
    conversation: str,
    clock: Clock,
) -> None:
    await uow.audit.append(
        staff_event(
            actor,
            action,
            clock.now(),
            conversation,
            record_type="incident",
            record_id=incident_id,
        )
    )
