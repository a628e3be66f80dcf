"""My dashboard: unread alerts, open cases assigned to me, incidents I recorded; 10 a page.

A line names its pupil and categories only when this member of staff may read the incident
(elevation may still be asked when it is opened); otherwise just its reference and status.
"""

from dataclasses import dataclass
from datetime import datetime

from safeguarding.access import Action, Decision, decide
from safeguarding.audit import AuditAction, staff_event
from safeguarding.clock import Clock
from safeguarding.incidents import IncidentFacts, Status, reference
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.school import Student
from safeguarding.services.viewing import viewer_and_policy
from safeguarding.staff import StaffMember

PAGE = 10


@dataclass(frozen=True)
class DashboardLine:
    incident_id: int
    when: datetime
    status: Status
    who: str = ""  # who alerted (alerts) or who recorded it
    pupil: Student | None = None  # None: not this member of staff's to see
    categories: tuple[str, ...] = ()

    @property
    def reference(self) -> str:
        return reference(self.incident_id)


@dataclass(frozen=True)
class Section:
    lines: tuple[DashboardLine, ...]
    total: int
    offset: int

    @property
    def more(self) -> bool:
        return self.offset + len(self.lines) < self.total


@dataclass(frozen=True)
class Dashboard:
    alerts: Section
    assigned: Section
    history: Section


async def my_dashboard(
    actor: StaffMember,
    offsets: tuple[int, int, int],
    conversation: str,
    *,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
) -> Dashboard:
    """The three sections at the asked offsets; what was shown is audited (ids only)."""
    alerts_at, assigned_at, history_at = (max(0, min(o, 100_000)) for o in offsets)
    async with uow_factory() as uow:
        unread, unread_total = await uow.alerts.unread(actor.id, alerts_at, PAGE)
        assigned, assigned_total = await uow.incidents.assigned_to(actor.id, assigned_at, PAGE)
        history, history_total = await uow.incidents.recorded_by_staff(actor.id, history_at, PAGE)
        ids = [a.incident_id for a in unread] + assigned + history
        facts = await uow.incidents.facts_of(actor.school_id, ids)
        lines = _Lines(uow, actor, facts, clock.now())
        await lines.load()
        dashboard = Dashboard(
            Section(
                tuple(lines.line(a.incident_id, a.created_at, a.raised_by) for a in unread),
                unread_total,
                alerts_at,
            ),
            Section(tuple(lines.line(i) for i in assigned), assigned_total, assigned_at),
            Section(tuple(lines.line(i) for i in history), history_total, history_at),
        )
        await uow.audit.append(
            staff_event(
                actor,
                AuditAction.DASHBOARD_VIEWED,
                clock.now(),
                conversation,
                detail={"incidents": sorted(set(ids))},
            )
        )
        await uow.commit()
    return dashboard


class _Lines:
    """Dashboard lines, each decided for this member of staff."""

    def __init__(
        self, uow: UnitOfWork, actor: StaffMember, facts: dict[int, IncidentFacts], now: datetime
    ) -> None:
        self.uow, self.actor, self.facts, self.now = uow, actor, facts, now
        self.readable: set[int] = set()
        self.categories: dict[int, str] = {}
        self.names: dict[int, str] = {}

    async def load(self) -> None:
        school = self.actor.school_id
        self.categories = {c.id: c.name for c in await self.uow.categories.list(school)}
        self.names = {s.id: s.display_name for s in await self.uow.staff.list(school)}
        viewer, policy = await viewer_and_policy(self.uow, self.actor, self.now)
        for incident_id, found in self.facts.items():
            decision = decide(viewer, Action.VIEW_INCIDENT, found.record(), policy, self.now)
            if decision != Decision.DENY:
                self.readable.add(incident_id)

    def line(self, incident_id: int, when: datetime | None = None, who: str = "") -> DashboardLine:
        found = self.facts[incident_id]
        who = who or self.names.get(found.recorded_by, "")
        if incident_id not in self.readable or not found.pupils:
            return DashboardLine(incident_id, when or found.happened_at, found.status, who)
        main = found.pupils[0]
        names = tuple(sorted(self.categories.get(c, "") for c in main.category_ids))
        return DashboardLine(
            incident_id, when or found.happened_at, found.status, who, main.student, names
        )
