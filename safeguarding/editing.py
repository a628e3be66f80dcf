"""Corrections without loss: Edit, Move to another pupil, Add linked student.

Each change keeps the incident as it was (a version snapshot), then writes the new content under
the next version number, as one case event the History shows: who changed what, and when. Only
the DSL team may, on the version their card showed; nothing is ever deleted.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from safeguarding.access import Action, Decision, Pupil, Record, decide
from safeguarding.audit import AuditAction, staff_event
from safeguarding.casework import CaseEvent, Casework
from safeguarding.errors import InvalidInput, StaleCase
from safeguarding.incident_form import happened_at_of, ids, split_list
from safeguarding.incidents import MAX_AGENCY, MAX_LINKED, MAX_TEXT, IncidentFacts
from safeguarding.ports import UnitOfWork
from safeguarding.refusals import refuse
from safeguarding.services.alerts import read_by_acting
from safeguarding.services.viewing import viewer_and_policy
from safeguarding.staff import StaffMember

FIELDS = ("text", "categories", "date and time", "agencies")


@dataclass(frozen=True)
class IncidentContent:
    """What an edit may change (the pupils' categories by pupil id)."""

    text: str
    happened_at: datetime
    agencies: tuple[str, ...]
    categories: Mapping[int, frozenset[int]]


@dataclass(frozen=True)
class IncidentVersion:
    """The incident as it was at `version` (before the change that made the next one)."""

    version: int
    content: IncidentContent
    linked: frozenset[int] = frozenset()  # the linked pupils then
    monitoring: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Change:
    event: CaseEvent
    content: IncidentContent | None = None  # edited
    moved_to: int | None = None  # the new main pupil
    linked: tuple[int, frozenset[int]] | None = None  # a new linked pupil and their categories
    detail: dict[str, Any] = field(default_factory=dict)


def read_edit(
    values: Mapping[str, Any], facts: IncidentFacts, *, now: datetime, time_zone: str
) -> IncidentContent:
    """The Edit form: text, when, agencies, and each pupil's categories."""
    errors: dict[str, str] = {}
    text = str(values.get("text") or "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        errors["text"] = "The incident needs its text."
    elif len(text) > MAX_TEXT:
        errors["text"] = f"The text is {len(text):,} characters; the most is {MAX_TEXT:,}."
    local = facts.happened_at.astimezone(ZoneInfo(time_zone))
    same = str(values.get("date") or "") == local.date().isoformat() and str(
        values.get("time") or ""
    ) == local.strftime("%H:%M")
    # Left as it was: kept exactly (in the hour the clocks go back, 01:30 happens twice).
    happened = facts.happened_at if same else happened_at_of(values, now, time_zone, errors)
    categories = {}
    for pupil in facts.pupils:
        chosen = frozenset(ids(values.get(f"categories_{pupil.student.id}")))
        if not pupil.linked and not chosen:
            errors[f"categories_{pupil.student.id}"] = "Choose at least one category."
        categories[pupil.student.id] = chosen
    agencies = tuple(
        dict.fromkeys(a.strip()[:MAX_AGENCY] for a in split_list(values.get("agencies")))
    )
    if errors:
        raise InvalidInput(errors)
    return IncidentContent(text, happened, agencies, categories)


@dataclass(frozen=True)
class Editing:
    casework: Casework

    async def edit(
        self,
        actor: StaffMember,
        incident_id: int,
        content: IncidentContent,
        seen: int,
        conversation: str,
    ) -> IncidentFacts:
        """A new version with the corrected content; the old one is kept."""
        async with self.casework.uow_factory() as uow:
            facts = await self._checked(
                uow, actor, incident_id, seen, "incident.edit", conversation
            )
            before = await self._content(uow, facts)
            changed = _changed(before, content)
            if not changed:
                raise InvalidInput({"form": "Nothing was changed."})
            await self._rights_in(uow, actor, facts, content, conversation)
            event = self._event(actor, facts, "edited")
            change = Change(event, content=content, detail={"fields": changed})
            await self._apply(uow, actor, facts, change, AuditAction.INCIDENT_EDITED, conversation)
            await uow.commit()
            return await uow.incidents.facts(actor.school_id, incident_id) or facts

    async def move(
        self, actor: StaffMember, incident_id: int, student_id: int, seen: int, conversation: str
    ) -> IncidentFacts:
        """Recorded for the wrong pupil: the incident, with its history, moves to this one."""
        async with self.casework.uow_factory() as uow:
            facts = await self._checked(
                uow, actor, incident_id, seen, "incident.move", conversation
            )
            await self._pupil_allowed(uow, actor, facts, student_id, conversation)
            main = next(p.student.id for p in facts.pupils if not p.linked)
            detail = {"from": main, "to": student_id}
            change = Change(self._event(actor, facts, "moved"), moved_to=student_id, detail=detail)
            await self._apply(uow, actor, facts, change, AuditAction.INCIDENT_MOVED, conversation)
            for student in (main, student_id):  # on both pupils' records too
                await uow.audit.append(
                    staff_event(
                        actor,
                        AuditAction.INCIDENT_MOVED,
                        change.event.at,
                        conversation,
                        record_type="student",
                        record_id=student,
                        detail={"incident": incident_id, **detail},
                    )
                )
            await uow.commit()
            return await uow.incidents.facts(actor.school_id, incident_id) or facts

    async def link(
        self,
        actor: StaffMember,
        incident_id: int,
        student_id: int,
        categories: frozenset[int],
        seen: int,
        conversation: str,
    ) -> IncidentFacts:
        """Another pupil the incident concerns, with their own categories (never copied)."""
        async with self.casework.uow_factory() as uow:
            facts = await self._checked(
                uow, actor, incident_id, seen, "incident.link", conversation
            )
            if sum(1 for p in facts.pupils if p.linked) >= MAX_LINKED:
                raise InvalidInput(
                    {"student": f"An incident can link at most {MAX_LINKED} pupils."}
                )
            await self._pupil_allowed(uow, actor, facts, student_id, conversation)
            policy = await uow.access.policy(actor.school_id)
            allowed = all(policy.rights(actor, c).add_incidents for c in categories)
            if not categories <= policy.categories or not allowed:
                raise InvalidInput({"categories": "Choose categories from the list."})
            change = Change(
                self._event(actor, facts, "linked"),
                linked=(student_id, categories),
                detail={"student": student_id, "categories": sorted(categories)},
            )
            await self._apply(uow, actor, facts, change, AuditAction.INCIDENT_LINKED, conversation)
            await uow.commit()
            return await uow.incidents.facts(actor.school_id, incident_id) or facts

    async def text(self, actor: StaffMember, incident_id: int, conversation: str) -> str:
        """The current text, for the Edit form (those who may work the case); showing it is a
        view of the incident, audited as one."""
        async with self.casework.uow_factory() as uow:
            await self.casework.workable(uow, actor, incident_id, "incident.edit", conversation)
            text = await uow.incidents.text(incident_id)
            await uow.audit.append(
                staff_event(
                    actor,
                    AuditAction.INCIDENT_VIEWED,
                    self.casework.clock.now(),
                    conversation,
                    record_type="incident",
                    record_id=incident_id,
                    detail={"for": "edit"},
                )
            )
            await uow.commit()
        return text

    async def _checked(
        self,
        uow: UnitOfWork,
        actor: StaffMember,
        incident_id: int,
        seen: int,
        verb: str,
        conversation: str,
    ) -> IncidentFacts:
        facts = await self.casework.workable(uow, actor, incident_id, verb, conversation)
        if facts.version != seen:
            raise StaleCase(await self.casework.what_happened(uow, facts))
        return facts

    async def _content(self, uow: UnitOfWork, facts: IncidentFacts) -> IncidentContent:
        return IncidentContent(
            await uow.incidents.text(facts.id),
            facts.happened_at,
            facts.agencies,
            {p.student.id: p.category_ids for p in facts.pupils},
        )

    async def _rights_in(
        self,
        uow: UnitOfWork,
        actor: StaffMember,
        facts: IncidentFacts,
        content: IncidentContent,
        conversation: str,
    ) -> None:
        """New categories must be the school's, ones the editor may add to."""
        policy = await uow.access.policy(actor.school_id)
        chosen = frozenset().union(*content.categories.values())
        if not chosen <= policy.categories:
            raise InvalidInput({"form": "Choose categories from the lists."})
        if not all(policy.rights(actor, c).add_incidents for c in chosen):
            raise InvalidInput({"form": "You may not record in one of those categories."})

    async def _pupil_allowed(
        self,
        uow: UnitOfWork,
        actor: StaffMember,
        facts: IncidentFacts,
        student_id: int,
        conversation: str,
    ) -> None:
        """A pupil of this school the editor may see, not already on the incident."""
        now = self.casework.clock.now()
        student = await uow.students.by_id(actor.school_id, student_id)
        viewer, policy = await viewer_and_policy(uow, actor, now)
        if (
            student is None
            or decide(
                viewer,
                Action.VIEW_STUDENT,
                Record(pupils=(Pupil(student.id, student.year_group, student.tutor_group),)),
                policy,
                now,
            )
            != Decision.ALLOW
        ):
            await refuse(
                uow,
                actor,
                "incident.pupil",
                conversation,
                now,
                record_type="student",
                record_id=student_id,
            )
        if student_id in {p.student.id for p in facts.pupils}:
            raise InvalidInput({"student": "That pupil is already on this incident."})

    def _event(self, actor: StaffMember, facts: IncidentFacts, kind: str) -> CaseEvent:
        return CaseEvent(facts.id, facts.version + 1, kind, actor.id, self.casework.clock.now())

    async def _apply(
        self,
        uow: UnitOfWork,
        actor: StaffMember,
        facts: IncidentFacts,
        change: Change,
        action: AuditAction,
        conversation: str,
    ) -> None:
        """The change on the version the card showed (a race loses plainly); the storage keeps
        the incident as it was first."""
        if not await uow.cases.apply_change(change):
            fresh = await uow.incidents.facts(actor.school_id, facts.id) or facts
            raise StaleCase(await self.casework.what_happened(uow, fresh))
        await uow.cases.mark_alerts_stale(facts.id)
        await read_by_acting(uow, actor, facts.id, change.event.at, conversation)
        await uow.audit.append(
            staff_event(
                actor,
                action,
                change.event.at,
                conversation,
                record_type="incident",
                record_id=facts.id,
                detail={"version": change.event.version, **change.detail},
            )
        )


def _changed(before: IncidentContent, after: IncidentContent) -> list[str]:
    changed = []
    if before.text != after.text:
        changed.append("text")
    if dict(before.categories) != dict(after.categories):
        changed.append("categories")
    if before.happened_at != after.happened_at:
        changed.append("date and time")
    if tuple(before.agencies) != tuple(after.agencies):
        changed.append("agencies")
    return changed
