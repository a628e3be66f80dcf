"""My dashboard in SQL: each section's page of incidents, each incident in one section only
(New concerns, then unread alerts, then my open cases, then what I recorded), newest first."""

from collections.abc import Sequence

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Select

from safeguarding.dashboard import AlertNote, BoardIds, SectionIds, count_limit
from storage.alerts import NOTICE
from storage.models import AlertRow, IncidentRow, StaffRow
from storage.repositories import utc


class SqlDashboard:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def board(
        self,
        staff_id: int,
        school_id: int,
        *,
        leads: bool,
        offsets: tuple[int, int, int, int],
        limit: int,
    ) -> BoardIds:
        """The pages at `offsets` (alerts, assigned, history, new); `leads`: the DSL team's
        board, which begins with New concerns."""
        alerts_at, assigned_at, history_at, new_at = offsets
        new_case = _new_concern(school_id)
        unread = _unread_about(staff_id)
        mine = and_(IncidentRow.assignee_id == staff_id, IncidentRow.status != "Closed")
        not_mine = or_(  # (NOT mine would be NULL, not true, where nobody is assigned)
            IncidentRow.assignee_id.is_(None),
            IncidentRow.assignee_id != staff_id,
            IncidentRow.status == "Closed",
        )
        earlier_for_alerts = [not_(new_case)] if leads else []
        new = await self._page((new_case,), new_at, limit) if leads else None
        alerts = await self._alerts(staff_id, earlier_for_alerts, alerts_at, limit)
        assigned = await self._page((mine, not_(unread)), assigned_at, limit)
        history_where = [IncidentRow.recorded_by == staff_id, not_(unread), not_mine]
        history = await self._page((*history_where, *earlier_for_alerts), history_at, limit)
        board = BoardIds(alerts, assigned, history, new)
        notes = await self._notes(staff_id, board.incident_ids())
        return BoardIds(alerts, assigned, history, new, notes)

    async def _page(
        self, where: Sequence[ColumnElement[bool]], offset: int, limit: int
    ) -> SectionIds:
        """Newest first, in one read that is also the count: the ids up to count_limit (the
        indexes on (recorded_by, id) and (assignee_id, id) walk in that order and stop)."""
        ids = list(
            await self.session.scalars(
                select(IncidentRow.id)
                .where(*where)
                .order_by(IncidentRow.id.desc())
                .limit(count_limit(offset, limit))
            )
        )
        return SectionIds(tuple(ids[offset : offset + limit]), len(ids), offset)

    async def _alerts(
        self, staff_id: int, where: Sequence[ColumnElement[bool]], offset: int, limit: int
    ) -> SectionIds:
        """Incidents with an unread alert for me, by their newest alert (one row each): my
        unread alerts walked newest first (the (staff_id, read_at, id) index), each incident
        kept at its first, until count_limit incidents are found; never every alert grouped,
        counted and sorted. The same read is the page and the count."""
        unread: Select = select(AlertRow.incident_id).where(*_unread(staff_id))
        if where:
            unread = unread.join(IncidentRow, IncidentRow.id == AlertRow.incident_id).where(*where)
        bound = count_limit(offset, limit)
        read = 2 * bound
        while True:
            rows = list(await self.session.scalars(unread.order_by(AlertRow.id.desc()).limit(read)))
            ids = list(dict.fromkeys(rows))
            if len(ids) >= bound or len(rows) < read:
                break
            read *= 4  # several unread alerts about one incident: read further
        return SectionIds(tuple(ids[offset : offset + limit]), min(len(ids), bound), offset)

    async def _notes(
        self, staff_id: int, incident_ids: Sequence[int]
    ) -> dict[int, tuple[AlertNote, ...]]:
        """My unread alerts about these incidents, newest first, with who raised each."""
        if not incident_ids:
            return {}
        rows = await self.session.execute(
            select(
                AlertRow.incident_id, StaffRow.display_name, AlertRow.reason, AlertRow.created_at
            )
            .join(StaffRow, StaffRow.id == AlertRow.raised_by)
            # Found by the incidents' index (a few rows each), not by walking all my unread
            # alerts: SQLite's planner, without statistics, would take the (staff_id, read_at,
            # id) index (5 ms for 5,000 unread instead of 0.1 ms); `+ 0` rules that index out.
            .where(
                (AlertRow.staff_id + 0) == staff_id,
                *_unread(staff_id)[1:],
                AlertRow.incident_id.in_(incident_ids),
            )
            .order_by(AlertRow.id.desc())
        )
        notes: dict[int, list[AlertNote]] = {}
        for incident_id, name, reason, created_at in rows:
            notes.setdefault(incident_id, []).append(AlertNote(name, reason, utc(created_at)))
        return {incident_id: tuple(found) for incident_id, found in notes.items()}


def _unread(staff_id: int) -> tuple[ColumnElement[bool], ...]:
    """A colleague's alerts that are on their dashboard: unread, deliverable, a reminder only
    once due, and never a notice about a delivery (those are for the chat only)."""
    return (
        AlertRow.staff_id == staff_id,  # first (the notes replace it)
        AlertRow.read_at.is_(None),
        AlertRow.state != "undeliverable",
        or_(AlertRow.reason != "reminder", AlertRow.state == "sent"),
        AlertRow.reason != NOTICE,
    )


def _unread_about(staff_id: int) -> ColumnElement[bool]:
    """This incident has an unread alert for me (it is on my board under Alerts). As IN (the
    set of my unread alerts' incidents, read once by the (staff_id, read_at) index), not a
    correlated EXISTS per incident: on SQLite the section walks several times faster when
    most of my cases are under Alerts. alerts.incident_id is never NULL, so NOT IN is exact."""
    return IncidentRow.id.in_(select(AlertRow.incident_id).where(*_unread(staff_id)))


def _new_concern(school_id: int) -> ColumnElement[bool]:
    return and_(
        IncidentRow.school_id == school_id,
        IncidentRow.status == "Open",
        IncidentRow.assignee_id.is_(None),
    )
