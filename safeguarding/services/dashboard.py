"""My dashboard inside a press: one row per incident, each decided for this member of staff."""

from collections.abc import Callable, Mapping, Sequence

from safeguarding.access import Action, Decision, decide
from safeguarding.audit import AuditAction
from safeguarding.dashboard import (
    ALERTS,
    ASSIGNED,
    HISTORY,
    NEW,
    PAGE,
    AlertNote,
    Dashboard,
    DashboardLine,
    Section,
    SectionIds,
    dashboard_line,
    page_offsets,
    reasons,
)
from safeguarding.merging import may_merge
from safeguarding.outcomes import Done
from safeguarding.services.imports import import_status
from safeguarding.services.press import Press
from safeguarding.services.viewing import viewer_and_policy

LineOf = Callable[[int, str], DashboardLine]


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
    actor = press.staff
    stored = await press.uow.dashboard.board(
        actor.id,
        actor.school_id,
        leads=actor.leads_safeguarding,
        merging=may_merge(actor),
        offsets=page_offsets(pages),
        limit=PAGE,
    )
    ids = stored.incident_ids()
    line = await lines_for(press, ids, stored.notes)

    def section(found: SectionIds, name: str) -> Section:
        return Section(tuple(line(i, name) for i in found.ids), found.total, found.offset)

    board = Dashboard(
        section(stored.alerts, ALERTS),
        section(stored.assigned, ASSIGNED),
        section(stored.history, HISTORY),
        section(stored.new, NEW) if stored.new is not None else None,
        imports=await import_status(press, stored.runs, stored.waiting),
        administers=actor.administers,
        proposals=stored.proposals,  # (the DSL team's: changes to access to confirm)
    )
    return board, ids


async def lines_for(
    press: Press, incident_ids: Sequence[int], notes: Mapping[int, tuple[AlertNote, ...]]
) -> LineOf:
    """Lines for these incidents, each decided for this member of staff (all loaded once)."""
    uow, school_id, now = press.uow, press.staff.school_id, press.now
    viewer, policy = await viewer_and_policy(uow, press.staff, now)  # and the categories
    facts = await uow.incidents.facts_of(school_id, incident_ids)
    categories = {c.id: c.name for c in await uow.categories.list(school_id)}
    names = await uow.staff.names(school_id)

    records = {i: found.record() for i, found in facts.items()}  # (as decisions see them)

    def allowed(action: Action) -> set[int]:
        return {
            i
            for i, record in records.items()
            if decide(viewer, action, record, policy, now) != Decision.DENY
        }

    readable, workable = allowed(Action.VIEW_INCIDENT), allowed(Action.WORK_CASE)

    def line(incident_id: int, section: str) -> DashboardLine:
        found, mine = facts[incident_id], notes.get(incident_id, ())
        newest: Sequence = mine[:1] if section == ALERTS else ()
        return dashboard_line(
            found,
            readable=incident_id in readable,
            workable=incident_id in workable,
            categories=categories,
            names=names,
            when=newest[0].created_at if newest else None,
            who=newest[0].raised_by if newest else "",
            why=reasons(section, found, mine, press.staff.id),
        )

    return line
