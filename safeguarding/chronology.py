"""A pupil's record: overview, chronology (incidents and actions in the order they happened),
and the document vault; the same chronology, whole, is what the PDF export prints.

Only those who may view pupils open a record, never one they are excluded from. Each incident
is decided on its own: one the viewer may not read is left out, one that needs elevated access is
held back (and counted) until they enter their code. The entries are ordered and paged before any
text is decrypted, so a pupil with hundreds of entries costs one page of decryption.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from safeguarding.access import AccessPolicy, Action, Decision, Pupil, Record, Viewer, decide
from safeguarding.audit import AuditAction, staff_event
from safeguarding.case_actions import ActionEntry
from safeguarding.casework import CaseEvent
from safeguarding.clock import Clock
from safeguarding.errors import InvalidInput, NotAvailable
from safeguarding.incidents import AttachmentInfo, IncidentFacts, Status
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.refusals import refuse
from safeguarding.school import Category, School, Student
from safeguarding.services.viewing import viewer_and_policy
from safeguarding.staff import StaffMember
from safeguarding.viewing import action_decision

PAGE = 10


@dataclass(frozen=True)
class ChronologyFilter:
    """Which entries: categories (any of them; none = all) and a date range (inclusive)."""

    category_ids: frozenset[int] = frozenset()
    since: date | None = None
    until: date | None = None

    def describe(self, categories: dict[int, Category]) -> str:
        parts = []
        if self.category_ids:
            names = sorted(categories[c].name for c in self.category_ids if c in categories)
            parts.append("categories: " + ", ".join(names))
        if self.since:
            parts.append(f"from {self.since.strftime('%d/%m/%Y')}")
        if self.until:
            parts.append(f"to {self.until.strftime('%d/%m/%Y')}")
        return "; ".join(parts) or "everything the exporter may see"


def read_filter(values: dict, categories: Sequence[int]) -> ChronologyFilter:
    """The record's filter inputs; InvalidInput names a wrong date."""
    errors: dict[str, str] = {}
    dates: list[date | None] = []
    for name in ("since", "until"):
        text = str(values.get(name) or "").strip()
        try:
            dates.append(date.fromisoformat(text) if text else None)
        except ValueError:
            errors[name] = "Enter a date (for example 2026-09-01)."
            dates.append(None)
    since, until = dates
    if since and until and since > until:
        errors["until"] = "The end date is before the start date."
    if errors:
        raise InvalidInput(errors)
    raw = values.get("filter_categories")
    chosen = {
        int(v) for v in str(raw or "")[:2000].split(",") if v.strip().isdecimal() and len(v) < 12
    }
    return ChronologyFilter(frozenset(chosen & set(categories)), since, until)


@dataclass(frozen=True)
class Entry:
    """One line of the chronology: an incident or an action on it."""

    kind: str  # incident, action, decision (assigned, or a status with its reason)
    happened_at: datetime
    incident: IncidentFacts
    author_id: int
    category_ids: frozenset[int]
    action: ActionEntry | None = None
    text: str = ""  # decrypted for the page shown (or the export)
    decision: CaseEvent | None = None
    # An action is also found by this pupil's categories on its incident (never another's).
    pupil_categories: frozenset[int] = frozenset()

    @property
    def recorded_at(self) -> datetime:
        if self.action is not None:
            return self.action.recorded_at
        return self.decision.at if self.decision is not None else self.incident.recorded_at

    @property
    def key(self) -> tuple[datetime, datetime, int]:
        """When it happened (to the minute, as forms take it), then when it was recorded."""
        return (
            self.happened_at.replace(second=0, microsecond=0),
            self.recorded_at,
            self.incident.id,
        )


@dataclass(frozen=True)
class PupilRecord:
    student: Student
    time_zone: str
    entries: tuple[Entry, ...]  # the page asked for (all of them for an export)
    total: int  # entries matching the filter
    offset: int
    held_back: int  # entries needing elevated access, not shown until the code is entered
    open_cases: tuple[IncidentFacts, ...]
    monitoring: tuple[str, ...]  # category names this pupil is monitored for
    documents: tuple[tuple[IncidentFacts, AttachmentInfo], ...]
    categories: dict[int, Category] = field(default_factory=dict)
    staff_names: dict[int, str] = field(default_factory=dict)
    chosen: ChronologyFilter = ChronologyFilter()

    @property
    def more(self) -> bool:
        return self.offset + len(self.entries) < self.total


@dataclass(frozen=True)
class Chronologies:
    uow_factory: UnitOfWorkFactory
    clock: Clock

    async def check_may_view_pupils(self, actor: StaffMember, conversation: str) -> None:
        """Refused (and audited) unless this member of staff may open pupil records at all."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            policy = await uow.access.policy(actor.school_id)
            allowed = actor.active and (
                actor.leads_safeguarding
                or any(policy.rights(actor, c).view_students for c in policy.categories)
            )
            if not allowed:
                await refuse(
                    uow,
                    actor,
                    "student.find",
                    conversation,
                    now,
                    record_type="staff",
                    record_id=actor.id,
                )

    async def category_ids(self, actor: StaffMember) -> list[int]:
        async with self.uow_factory() as uow:
            return [c.id for c in await uow.categories.list(actor.school_id)]

    async def pupil(self, actor: StaffMember, student_id: int, conversation: str) -> Student:
        """The pupil, for someone who may open their record (refused and audited otherwise)."""
        async with self.uow_factory() as uow:
            return await self._pupil(uow, actor, student_id, conversation)

    async def export(
        self, staff_id: int, school_id: int, student_id: int, chosen: ChronologyFilter
    ) -> tuple[PupilRecord, StaffMember, School]:
        """The whole chronology for the export link's member of staff, decided again now;
        the export is audited (with how many entries and the filter)."""
        async with self.uow_factory() as uow:
            staff = await uow.staff.by_id(school_id, staff_id)
            school = await uow.schools.by_id(school_id)
        if staff is None or school is None:
            raise NotAvailable()
        record = await self.record(
            staff,
            student_id,
            "link",
            chosen=chosen,
            limit=None,
            audit=AuditAction.CHRONOLOGY_EXPORTED,
            time_zone=school.time_zone,
        )
        return record, staff, school

    async def _pupil(
        self,
        uow: UnitOfWork,
        actor: StaffMember,
        student_id: int,
        conversation: str,
        decider: tuple[Viewer, AccessPolicy] | None = None,
    ) -> Student:
        now = self.clock.now()
        student = await uow.students.by_id(actor.school_id, student_id)
        viewer, policy = decider or await viewer_and_policy(uow, actor, now)
        pupil = (
            Record(pupils=(Pupil(student_id, student.year_group, student.tutor_group),))
            if student
            else None
        )
        if pupil is None or decide(viewer, Action.VIEW_STUDENT, pupil, policy, now) != (
            Decision.ALLOW
        ):
            await refuse(
                uow,
                actor,
                "student.show",
                conversation,
                now,
                record_type="student",
                record_id=student_id,
            )
        return student

    async def record(
        self,
        actor: StaffMember,
        student_id: int,
        conversation: str,
        *,
        chosen: ChronologyFilter = ChronologyFilter(),
        offset: int = 0,
        limit: int | None = PAGE,
        audit: AuditAction = AuditAction.STUDENT_VIEWED,
        time_zone: str = "Europe/London",
    ) -> PupilRecord:
        """The pupil's record with one page of the chronology (limit None: all of it)."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            viewer, policy = await viewer_and_policy(uow, actor, now)
            student = await self._pupil(uow, actor, student_id, conversation, (viewer, policy))
            categories = await uow.categories.list(actor.school_id)
            ids = await uow.incidents.of_student(student_id)
            facts = await uow.incidents.facts_of(actor.school_id, ids)
            visible, held_back = [], 0
            for incident in facts.values():
                decision = decide(viewer, Action.VIEW_INCIDENT, incident.record(), policy, now)
                if decision == Decision.ALLOW:
                    visible.append(incident)
                elif decision == Decision.NEEDS_ELEVATION:
                    held_back += 1
            entries, actions_held = await self._entries(
                uow, student_id, visible, (viewer, policy), now
            )
            held_back += actions_held
            matching = [e for e in entries if _matches(e, chosen, ZoneInfo(time_zone))]
            page = matching[offset:] if limit is None else matching[offset : offset + limit]
            page = await self._decrypted(uow, page)
            record = PupilRecord(
                student=student,
                time_zone=time_zone,
                entries=tuple(page),
                total=len(matching),
                offset=offset,
                held_back=held_back,
                open_cases=tuple(
                    sorted((i for i in visible if i.status != Status.CLOSED), key=lambda i: i.id)
                ),
                monitoring=_monitoring(visible, student_id, categories),
                documents=tuple(
                    (facts[incident_id], attachment)
                    for incident_id, attachment in await uow.attachments.on_incidents(
                        [i.id for i in visible]
                    )
                ),
                categories={c.id: c for c in categories},
                staff_names={s.id: s.display_name for s in await uow.staff.list(actor.school_id)},
                chosen=chosen,
            )
            detail = {"entries": len(page), "offset": offset, "of": len(matching)}
            if chosen.category_ids:
                detail["categories"] = sorted(chosen.category_ids)
            await uow.audit.append(
                staff_event(
                    actor,
                    audit,
                    now,
                    conversation,
                    record_type="student",
                    record_id=student_id,
                    detail=detail,
                )
            )
            await uow.commit()
        return record

    async def _entries(
        self,
        uow: UnitOfWork,
        student_id: int,
        incidents: list[IncidentFacts],
        decider: tuple[Viewer, AccessPolicy],
        now: datetime,
    ) -> tuple[list[Entry], int]:
        """Every entry this viewer may read, in order, and how many actions need elevation."""
        by_id = {i.id: i for i in incidents}
        viewer, policy = decider
        held_back = 0
        entries = [
            Entry(
                "incident",
                incident.happened_at,
                incident,
                incident.recorded_by,
                next(
                    (p.category_ids for p in incident.pupils if p.student.id == student_id),
                    frozenset(),
                ),
            )
            for incident in incidents
        ]
        mine = {e.incident.id: e.category_ids for e in entries}  # this pupil's, per incident
        for action in await uow.actions.heads(list(by_id)):
            incident = by_id[action.incident_id]
            decision = action_decision(viewer, policy, incident, action.category_ids, now)
            if decision != Decision.ALLOW:
                held_back += decision == Decision.NEEDS_ELEVATION
                continue
            entries.append(
                Entry(
                    "action",
                    action.happened_at,
                    incident,
                    action.recorded_by,
                    action.category_ids,
                    action=action,
                    pupil_categories=mine.get(incident.id, frozenset()),
                )
            )
        for event in await uow.cases.decisions(list(by_id)):
            entries.append(
                Entry(
                    "decision",
                    event.at,
                    by_id[event.incident_id],
                    event.actor_id,
                    mine.get(event.incident_id, frozenset()),
                    decision=event,
                )
            )
        return sorted(entries, key=lambda e: e.key), held_back

    async def _decrypted(self, uow: UnitOfWork, page: list[Entry]) -> list[Entry]:
        incident_texts = await uow.incidents.texts_of(
            [e.incident.id for e in page if e.kind == "incident"]
        )
        action_texts = await uow.actions.texts_of([e.action.id for e in page if e.action])
        reasons = await uow.cases.reasons_of(
            [(e.incident.id, e.decision.version) for e in page if e.decision]
        )
        return [replace(e, text=_text_of(e, incident_texts, action_texts, reasons)) for e in page]


def _text_of(
    entry: Entry,
    incidents: dict[int, str],
    actions: dict[int, str],
    reasons: dict[tuple[int, int], str],
) -> str:
    if entry.action is not None:
        return actions.get(entry.action.id, "")
    if entry.decision is not None:
        return reasons.get((entry.incident.id, entry.decision.version), "")
    return incidents.get(entry.incident.id, "")


def _matches(entry: Entry, chosen: ChronologyFilter, zone: ZoneInfo) -> bool:
    if chosen.category_ids and not (entry.category_ids | _of(entry)) & chosen.category_ids:
        return False
    day = entry.happened_at.astimezone(zone).date()
    return not ((chosen.since and day < chosen.since) or (chosen.until and day > chosen.until))


def _of(entry: Entry) -> frozenset[int]:
    """An action is also found by this pupil's categories on its incident (a referral about a
    disclosure), never by a linked pupil's (a "Victim" must not land on the other child)."""
    return entry.pupil_categories


def _monitoring(
    incidents: Sequence[IncidentFacts], student_id: int, categories: Sequence[Category]
) -> tuple[str, ...]:
    names = {c.id: c.name for c in categories}
    flagged = {
        c
        for incident in incidents
        for p in incident.pupils
        if p.student.id == student_id and p.monitoring and incident.status != Status.CLOSED
        for c in p.category_ids
    }
    return tuple(sorted(names[c] for c in flagged if c in names))
