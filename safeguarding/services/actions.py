"""Actions on an incident inside a press: the Add action form, saving it, and All actions.

Anyone who may read the incident (a tagged colleague through their alert's grant, too) may add
an action to it. Its colleagues and groups are alerted as for incidents (the shared tail,
services/alerting.py); "Add to planner" is an alert due on that day at 08:00 school time.
"""

import secrets
from collections.abc import Mapping
from typing import Any

from safeguarding.access import Action, Decision
from safeguarding.action_form import ActionForm, read_action_form
from safeguarding.audit import AuditAction
from safeguarding.case_actions import ActionDraft, ActionList, AddedAction, NewAction, remind_at
from safeguarding.errors import ConfirmGrants, Conflict, InvalidInput
from safeguarding.files import ATTACH_WINDOW
from safeguarding.incident_form import FORM_KEY, form_key
from safeguarding.incidents import IncidentFacts, QueuedAlert
from safeguarding.outcomes import Confirm, Done, Invalid, NeedsCode
from safeguarding.recipients import AlertChoice, Recipients, check_confirmed, grantees
from safeguarding.services.alerting import alert_recipients, grant_and_alert
from safeguarding.services.alerts import read_by_acting
from safeguarding.services.elevation import check_code
from safeguarding.services.press import Press
from safeguarding.services.search import form_options
from safeguarding.services.viewing import WRONG_CODE, allowed, open_incident, viewer_and_policy
from safeguarding.viewing import IncidentStatus, IncidentView, action_decision

Answer = Done[IncidentView | IncidentStatus]


async def action_form(press: Press, incident_id: int) -> Done[ActionForm]:
    """Add action (action.form): a fresh form (its key makes a second Save harmless)."""
    facts = await allowed(press, incident_id, Action.VIEW_INCIDENT, "action.form")
    return Done(await _form(press, facts, {FORM_KEY: secrets.token_urlsafe(12)}))


async def add_action(
    press: Press, incident_id: int, values: Mapping[str, Any], code: str = ""
) -> Answer | Invalid[ActionForm] | Confirm[ActionForm] | NeedsCode:
    """Save on Add action (action.add): a code typed on the prompt first; then the action, and
    the incident with what happened; or the form again with what was typed and what to fix."""
    if code and not await check_code(press, code):
        return NeedsCode(incident_id, enrolled=True, error=WRONG_CODE)
    facts = await allowed(press, incident_id, Action.VIEW_INCIDENT, "action.add")
    try:
        draft = read_action_form(values, now=press.now, time_zone=press.school.time_zone)
        added = await store_action(press, facts, draft)
    except InvalidInput as invalid:
        return Invalid(invalid.errors, await _form(press, facts, values, errors=invalid.errors))
    except ConfirmGrants as asked:
        shown = await _form(press, facts, values, grants=asked.names, confirm=asked.token)
        return Confirm(asked.names, asked.token, shown)
    return await open_incident(press, incident_id, added.notice())


async def add_again(press: Press, incident_id: int, values: Mapping[str, Any]) -> Answer:
    """The incident with the action a parallel send of the same form saved first (its key).

    The documented second press of action.add: saving raised Conflict on the key, which leaves
    that transaction unusable, so the first send's action is looked up in a new one.
    """
    found = await action_added_before(press, incident_id, form_key(values))
    if found is None:
        raise Conflict()
    return await open_incident(press, incident_id, found.notice())


async def list_actions(press: Press, incident_id: int, offset: int = 0) -> Done[ActionList]:
    """All actions (action.list): every action this member of staff may read, in full, oldest
    first, with staff names; reading them is audited as viewing the incident."""
    uow, school_id = press.uow, press.staff.school_id
    facts = await allowed(press, incident_id, Action.VIEW_INCIDENT, "action.list")
    viewer, policy = await viewer_and_policy(uow, press.staff, press.now)
    shown = [
        a
        for a in await uow.actions.on_incidents([incident_id])
        if action_decision(viewer, policy, facts, a.category_ids, press.now) == Decision.ALLOW
    ]
    detail = {"actions": [a.id for a in shown]}
    await press.audit(AuditAction.INCIDENT_VIEWED, ("incident", incident_id), detail)
    return Done(
        ActionList(
            facts,
            shown,
            await uow.staff.names(school_id),
            {c.id: c for c in await uow.categories.list(school_id)},
            max(0, min(offset, len(shown) - 1)),
        )
    )


async def store_action(press: Press, facts: IncidentFacts, draft: ActionDraft) -> AddedAction:
    """Store the action once (the form's key makes a second send return the first), its
    reminder, its grants and alerts, and open the author's attach window for it."""
    uow, actor, now, incident_id = press.uow, press.staff, press.now, facts.id
    repeated = await uow.actions.by_key(actor.school_id, draft.key)
    if repeated is not None:
        return AddedAction(repeated, incident_id, 0, repeated=True)
    await _check_categories(press, draft)
    recipients = await _recipients(press, facts, draft)
    planner = await _planner_colleague(press, facts, draft)
    policy = await uow.access.policy(facts.school_id)
    people = [s for s, _ in {**recipients, **planner}.values()]
    granted = grantees(people, facts.record(), policy, now)
    check_confirmed(granted, draft.confirm)
    await uow.incidents.lock(incident_id)  # before its alerts, as a change of the case takes them
    action_id = await uow.actions.add(NewAction(actor.school_id, incident_id, actor.id, now, draft))
    if draft.planner_date is not None and draft.planner_staff_id is not None:
        due = max(remind_at(draft.planner_date, draft.time_zone), now)
        await uow.incidents.queue_alert(
            QueuedAlert(
                actor.school_id,
                incident_id,
                draft.planner_staff_id,
                actor.id,
                "reminder",
                due,
                action_id=action_id,
            )
        )
    # Files the author sends in the next minutes go with this action.
    await uow.attachments.open_window(actor.id, incident_id, now + ATTACH_WINDOW, action_id)
    # Refreshed for everyone else; the author is working in their own alert's card.
    await uow.cases.mark_alerts_stale(incident_id, except_staff=actor.id)
    await read_by_acting(press, incident_id)
    detail = {
        "action": action_id,
        "categories": sorted(draft.category_ids),
        "alerted": sorted(recipients),
        "planner": draft.planner_staff_id,
    }
    await press.audit(AuditAction.ACTION_ADDED, ("incident", incident_id), detail)
    await grant_and_alert(press, incident_id, recipients, granted, action_id)
    return AddedAction(action_id, incident_id, len(recipients))


async def action_added_before(press: Press, incident_id: int, key: str) -> AddedAction | None:
    """The action this form's key already saved, if any (a parallel send's)."""
    found = await press.uow.actions.by_key(press.staff.school_id, key)
    return None if found is None else AddedAction(found, incident_id, 0, repeated=True)


async def _form(
    press: Press, facts: IncidentFacts, values: Mapping[str, Any], **shown: Any
) -> ActionForm:
    options = await form_options(press)
    planners = sorted((press.staff, *options.colleagues), key=lambda s: s.display_name)
    return ActionForm(facts, press.now, options, planners, values, **shown)


async def _check_categories(press: Press, draft: ActionDraft) -> None:
    policy = await press.uow.access.policy(press.staff.school_id)
    unknown = draft.category_ids - policy.current
    allowed_all = all(policy.rights(press.staff, c).add_incidents for c in draft.category_ids)
    if unknown or not allowed_all:
        raise InvalidInput({"categories": "Choose categories from the list."})


async def _recipients(press: Press, facts: IncidentFacts, draft: ActionDraft) -> Recipients:
    """Chosen colleagues and groups, and the action's categories' default groups (as for
    incidents: an action about a disclosure reaches the DSL team)."""
    categories = await press.uow.categories.list(press.staff.school_id)
    defaults = {
        g for c in categories if c.id in draft.category_ids for g in c.default_alert_group_ids
    }
    choice = AlertChoice(draft.alert_staff_ids, draft.alert_group_ids, default_group_ids=defaults)
    return await alert_recipients(press, choice, {p.student.id for p in facts.pupils})


async def _planner_colleague(press: Press, facts: IncidentFacts, draft: ActionDraft) -> Recipients:
    if draft.planner_staff_id is None:
        return {}
    uow = press.uow
    staff = await uow.staff.by_id(press.staff.school_id, draft.planner_staff_id)
    pupils = {p.student.id for p in facts.pupils}
    excluded = await uow.access.excluded_students(staff.id) if staff else set()
    if staff is None or not staff.active or excluded & pupils:
        raise InvalidInput({"planner_staff": "Choose a colleague who uses Kestrel."})
    return {staff.id: (staff, "reminder")}
