"""My dashboard inside a press: three sections, each line decided for this member of staff."""

from collections.abc import Callable, Sequence
from datetime import datetime

from safeguarding.access import Action, Decision, decide
from safeguarding.audit import AuditAction
from safeguarding.dashboard import (
    PAGE,
    Dashboard,
    DashboardLine,
    Section,
    dashboard_line,
    page_offsets,
)
from safeguarding.incidents import IncidentFacts
from safeguarding.outcomes import Done
from safeguarding.services.imports import import_status
from safeguarding.services.press import Press
from safeguarding.services.viewing import viewer_and_policy

LineOf = Callable[..., DashboardLine]


async def show_dashboard(press: Press, pages: tuple[int, ...]) -> Done[Dashboard]:
    """The sections at the asked pages (More); what was shown is audited (ids only). The DSL
    team's begins with New concerns: unassigned Open incidents, newest first."""
    board, ids = await _board(press, pages)
    await press.audit(AuditAction.DASHBOARD_VIEWED, detail={"incidents": sorted(set(ids))})
    return Done(board)


async def offer_dashboard(press: Press) -> Done[Dashboard | None]:
    """The `dashboard` command: an empty dashboard is the answer itself (nothing in it that
    Teams should not keep); one with lines is opened by a button (None), in place."""
    board, ids = await _board(press, ())
    if ids:
        return Done(None)
    await press.audit(AuditAction.DASHBOARD_VIEWED, detail={"incidents": []})
    return Done(board)


async def _board(press: Press, pages: tuple[int, ...]) -> tuple[Dashboard, list[int]]:
    """The dashboard at these pages, and the incidents on it."""
    uow, actor = press.uow, press.staff
    alerts_at, assigned_at, history_at, new_at = page_offsets(pages)
    unread, unread_total = await uow.alerts.unread(actor.id, alerts_at, PAGE)
    assigned, assigned_total = await uow.incidents.assigned_to(actor.id, assigned_at, PAGE)
    history, history_total = await uow.incidents.recorded_by_staff(actor.id, history_at, PAGE)
    new: list[int] = []
    if actor.leads_safeguarding:
        new, new_total = await uow.incidents.unassigned_open(actor.school_id, new_at, PAGE)
    ids = [a.incident_id for a in unread] + assigned + history + new
    line = await _lines(press, ids)
    alerts = tuple(line(a.incident_id, a.created_at, a.raised_by) for a in unread)
    board = Dashboard(
        Section(alerts, unread_total, alerts_at),
        Section(tuple(map(line, assigned)), assigned_total, assigned_at),
        Section(tuple(map(line, history)), history_total, history_at),
        Section(tuple(map(line, new)), new_total, new_at) if actor.leads_safeguarding else None,
        imports=await import_status(press),
    )
    return board, ids


async def _lines(press: Press, ids: Sequence[int]) -> LineOf:
    """Lines for these incidents, each decided for this member of staff (all loaded once)."""
    uow, school_id, now = press.uow, press.staff.school_id, press.now
    facts = await uow.incidents.facts_of(school_id, ids)
    categories = {c.id: c.name for c in await uow.categories.list(school_id)}
    names = {s.id: s.display_name for s in await uow.staff.list(school_id)}
    viewer, policy = await viewer_and_policy(uow, press.staff, now)

    def allows(action: Action, found: IncidentFacts) -> bool:
        return decide(viewer, action, found.record(), policy, now) != Decision.DENY

    readable = {i for i, found in facts.items() if allows(Action.VIEW_INCIDENT, found)}
    workable = {i for i, found in facts.items() if allows(Action.WORK_CASE, found)}

    def line(incident_id: int, when: datetime | None = None, who: str = "") -> DashboardLine:
        found = facts[incident_id]
        return dashboard_line(
            found,
            readable=incident_id in readable,
            workable=incident_id in workable,
            categories=categories,
            names=names,
            when=when,
            who=who,
        )

    return line
