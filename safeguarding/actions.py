"""Adding an action to an incident: what was done, when, by whom; alerts and a planner reminder.

Anyone who may read the incident (a tagged colleague through their alert's grant, too) may add
an action to it. Its colleagues and groups are alerted as for incidents: never anyone excluded
from a pupil, and a colleague who could not see the incident is named on the form first and
then given access to it. "Add to planner" is an alert due on that day at 08:00 school time.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from safeguarding.access import Action, Decision, Viewer, decide
from safeguarding.attachments import ATTACH_WINDOW
from safeguarding.audit import AuditAction, staff_event
from safeguarding.clock import Clock
from safeguarding.errors import ConfirmGrants, Conflict, InvalidInput
from safeguarding.incident_form import happened_at_of, ids, is_id
from safeguarding.incidents import MAX_AGENCY, MAX_TEXT, IncidentFacts, QueuedAlert
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.recipients import alert_recipients
from safeguarding.recording import grants_token
from safeguarding.school import Category
from safeguarding.services.alerts import read_by_acting
from safeguarding.services.viewing import allowed_incident, viewer_and_policy
from safeguarding.staff import StaffMember
from safeguarding.viewing import action_decision

_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")
REMIND_AT = time(8, 0)
PLANNER_AHEAD = timedelta(days=3 * 366)


@dataclass(frozen=True)
class ActionDraft:
    key: str
    text: str
    happened_at: datetime  # UTC
    time_zone: str
    category_ids: frozenset[int] = frozenset()
    agency: str = ""
    planner_date: date | None = None
    planner_staff_id: int | None = None
    alert_staff_ids: frozenset[int] = frozenset()
    alert_group_ids: frozenset[int] = frozenset()
    confirm: str = ""


@dataclass(frozen=True)
class NewAction:
    school_id: int
    incident_id: int
    recorded_by: int
    recorded_at: datetime
    draft: ActionDraft


@dataclass(frozen=True)
class ActionEntry:
    """A saved action, decrypted for someone allowed to read its incident."""

    id: int
    incident_id: int
    recorded_by: int
    recorded_at: datetime
    happened_at: datetime
    time_zone: str
    text: str
    category_ids: frozenset[int]
    agency: str
    planner_date: date | None
    planner_staff_id: int | None


def read_action_form(values: Mapping[str, Any], *, now: datetime, time_zone: str) -> ActionDraft:
    """The Add action form as a draft; InvalidInput names every wrong field."""
    errors: dict[str, str] = {}
    key = str(values.get("key", ""))
    if not _KEY.fullmatch(key):
        errors["form"] = "This form is out of date. Please open Add action again."
    text = str(values.get("text") or "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        errors["text"] = "Say what was done (who, what, and what was decided)."
    elif len(text) > MAX_TEXT:
        errors["text"] = f"The text is {len(text):,} characters; the most is {MAX_TEXT:,}."
    happened = happened_at_of(values, now, time_zone, errors, what="action")
    planner_date, planner_staff = _planner(values, now, time_zone, errors)
    if errors:
        raise InvalidInput(errors)
    return ActionDraft(
        key=key,
        text=text,
        happened_at=happened,
        time_zone=time_zone,
        category_ids=frozenset(ids(values.get("categories"))),
        agency=str(values.get("agency") or "").strip()[:MAX_AGENCY],
        planner_date=planner_date,
        planner_staff_id=planner_staff,
        alert_staff_ids=frozenset(ids(values.get("alert_staff"))),
        alert_group_ids=frozenset(ids(values.get("alert_groups"))),
        confirm=str(values.get("confirm", ""))[:200],
    )


def _planner(
    values: Mapping[str, Any], now: datetime, time_zone: str, errors: dict[str, str]
) -> tuple[date | None, int | None]:
    day_text = str(values.get("planner_date") or "").strip()
    who = str(values.get("planner_staff") or "").strip()
    if not day_text and not who:
        return None, None
    today = now.astimezone(ZoneInfo(time_zone)).date()
    day = None
    try:
        day = date.fromisoformat(day_text) if day_text else None
    except ValueError:
        errors["planner_date"] = "Enter the planner date as a date (for example 2026-12-01)."
    if day_text and day is None:
        return None, None
    if day is None:
        errors["planner_date"] = "Choose the day to be reminded."
    elif day < today:
        errors["planner_date"] = "Choose today or a later day for the reminder."
    elif day > today + PLANNER_AHEAD:
        errors["planner_date"] = "Choose a day within the next three years."
    if not is_id(who):
        errors["planner_staff"] = "Choose who is reminded on that day."
        return day, None
    return day, int(who)


def remind_at(day: date, time_zone: str) -> datetime:
    """When a planner reminder is due: 08:00 school time on that day."""
    return datetime.combine(day, REMIND_AT, ZoneInfo(time_zone))


@dataclass(frozen=True)
class AddedAction:
    action_id: int
    incident_id: int
    alerted: int
    repeated: bool = False


@dataclass(frozen=True)
class Actions:
    uow_factory: UnitOfWorkFactory
    clock: Clock

    async def add(
        self, actor: StaffMember, incident_id: int, draft: ActionDraft, conversation: str
    ) -> AddedAction:
        """Store the action once (the form's key makes a second send return the first)."""
        try:
            return await self._add(actor, incident_id, draft, conversation)
        except Conflict:  # the same key committed meanwhile by a parallel retry
            async with self.uow_factory() as uow:
                found = await uow.actions.by_key(actor.school_id, draft.key)
            if found is None:
                raise
            return AddedAction(found, incident_id, 0, repeated=True)

    async def _add(
        self, actor: StaffMember, incident_id: int, draft: ActionDraft, conversation: str
    ) -> AddedAction:
        now = self.clock.now()
        async with self.uow_factory() as uow:
            facts = await self.readable(uow, actor, incident_id, "action.add", conversation)
            repeated = await uow.actions.by_key(actor.school_id, draft.key)
            if repeated is not None:
                return AddedAction(repeated, incident_id, 0, repeated=True)
            await self._check_categories(uow, actor, facts, draft)
            recipients = await self._recipients(uow, actor, facts, draft)
            planner = await self._planner_colleague(uow, actor, facts, draft)
            grantees = await self._grantees(uow, facts, {**recipients, **planner}, now)
            token = grants_token(grantees)
            if grantees and draft.confirm != token:
                raise ConfirmGrants([s.display_name for s in grantees], token)
            action_id = await uow.actions.add(
                NewAction(actor.school_id, incident_id, actor.id, now, draft)
            )
            for staff in grantees:
                await uow.incidents.grant(incident_id, staff.id, actor.id, now)
            for staff, why in recipients.values():
                alert = QueuedAlert(
                    actor.school_id, incident_id, staff.id, actor.id, why, now, action_id=action_id
                )
                await uow.incidents.queue_alert(alert)
            if draft.planner_date is not None and draft.planner_staff_id is not None:
                due = max(remind_at(draft.planner_date, draft.time_zone), now)
                reminder = QueuedAlert(
                    actor.school_id,
                    incident_id,
                    draft.planner_staff_id,
                    actor.id,
                    "reminder",
                    due,
                    action_id=action_id,
                )
                await uow.incidents.queue_alert(reminder)
            # Files the author sends in the next minutes go with this action.
            await uow.attachments.open_window(actor.id, incident_id, now + ATTACH_WINDOW, action_id)
            await uow.cases.mark_alerts_stale(incident_id)
            await read_by_acting(uow, actor, incident_id, now, conversation)
            detail = {
                "action": action_id,
                "categories": sorted(draft.category_ids),
                "alerted": sorted(recipients),
                "planner": draft.planner_staff_id,
            }
            events = [(AuditAction.ACTION_ADDED, detail)]
            events += [(AuditAction.ACCESS_GRANTED, {"staff": s.id}) for s in grantees]
            for action, data in events:
                await uow.audit.append(
                    staff_event(
                        actor,
                        action,
                        now,
                        conversation,
                        record_type="incident",
                        record_id=incident_id,
                        detail=data,
                    )
                )
            await uow.commit()
        return AddedAction(action_id, incident_id, len(recipients))

    async def facts_for_action(
        self, actor: StaffMember, incident_id: int, conversation: str
    ) -> IncidentFacts:
        """The incident, for someone who may add an action to it (refused and audited otherwise)."""
        async with self.uow_factory() as uow:
            return await self.readable(uow, actor, incident_id, "action.form", conversation)

    async def actions_of(
        self, actor: StaffMember, incident_id: int, conversation: str
    ) -> tuple[IncidentFacts, list[ActionEntry], dict[int, str], dict[int, Category]]:
        """An incident's actions this member of staff may read, in full, oldest first, with
        staff names; reading them is audited as viewing the incident."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            facts = await self.readable(uow, actor, incident_id, "action.list", conversation)
            viewer, policy = await viewer_and_policy(uow, actor, now)
            shown = [
                a
                for a in await uow.actions.on_incidents([incident_id])
                if action_decision(viewer, policy, facts, a.category_ids, now) == Decision.ALLOW
            ]
            names = {s.id: s.display_name for s in await uow.staff.list(actor.school_id)}
            categories = {c.id: c for c in await uow.categories.list(actor.school_id)}
            await uow.audit.append(
                staff_event(
                    actor,
                    AuditAction.INCIDENT_VIEWED,
                    now,
                    conversation,
                    record_type="incident",
                    record_id=incident_id,
                    detail={"actions": [a.id for a in shown]},
                )
            )
            await uow.commit()
        return facts, shown, names, categories

    async def readable(
        self, uow: UnitOfWork, actor: StaffMember, incident_id: int, verb: str, conversation: str
    ) -> IncidentFacts:
        """The incident, for someone who may read it (elevated where the rules need it)."""
        return await allowed_incident(
            uow,
            actor,
            incident_id,
            Action.VIEW_INCIDENT,
            verb=verb,
            conversation=conversation,
            now=self.clock.now(),
        )

    async def _check_categories(
        self, uow: UnitOfWork, actor: StaffMember, facts: IncidentFacts, draft: ActionDraft
    ) -> None:
        policy = await uow.access.policy(actor.school_id)
        unknown = draft.category_ids - policy.categories
        allowed = all(policy.rights(actor, c).add_incidents for c in draft.category_ids)
        if unknown or not allowed:
            raise InvalidInput({"categories": "Choose categories from the list."})

    async def _recipients(
        self, uow: UnitOfWork, actor: StaffMember, facts: IncidentFacts, draft: ActionDraft
    ) -> dict[int, tuple[StaffMember, str]]:
        """Chosen colleagues and groups, and the action's categories' default groups (as for
        incidents: an action about a disclosure reaches the DSL team)."""
        categories = await uow.categories.list(actor.school_id)
        defaults = {
            g for c in categories if c.id in draft.category_ids for g in c.default_alert_group_ids
        }
        return await alert_recipients(
            uow,
            actor,
            staff_ids=draft.alert_staff_ids,
            group_ids=draft.alert_group_ids,
            default_group_ids=defaults,
            pupil_ids={p.student.id for p in facts.pupils},
        )

    async def _planner_colleague(
        self, uow: UnitOfWork, actor: StaffMember, facts: IncidentFacts, draft: ActionDraft
    ) -> dict[int, tuple[StaffMember, str]]:
        if draft.planner_staff_id is None:
            return {}
        staff = await uow.staff.by_id(actor.school_id, draft.planner_staff_id)
        pupils = {p.student.id for p in facts.pupils}
        excluded = await uow.access.excluded_students(staff.id) if staff else set()
        if staff is None or not staff.active or excluded & pupils:
            raise InvalidInput({"planner_staff": "Choose a colleague who uses Kestrel."})
        return {staff.id: (staff, "reminder")}

    async def _grantees(
        self,
        uow: UnitOfWork,
        facts: IncidentFacts,
        recipients: Mapping[int, tuple[StaffMember, str]],
        now: datetime,
    ) -> Sequence[StaffMember]:
        """Recipients who could not read the incident without a grant (shown first)."""
        policy = await uow.access.policy(facts.school_id)
        record = facts.record()
        return sorted(
            (
                staff
                for staff, _ in recipients.values()
                if decide(Viewer(staff), Action.VIEW_INCIDENT, record, policy, now) == Decision.DENY
            ),
            key=lambda s: s.display_name,
        )
