"""My dashboard in SQL: each section's page of incidents, each incident in one section only
(New concerns, then unread alerts, then my open cases, then what I recorded), newest first."""

from collections.abc import Sequence

from sqlalchemy import and_, bindparam, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Select

from safeguarding.dashboard import AlertNote, BoardIds, SectionIds, count_limit
from storage.alerts import NOTICE
from storage.models import AlertRow, IncidentRow, StaffRow
from storage.repositories import plain_rows, utc

# Built once with bound parameters (`staff`, `school`, `limit`): every dashboard runs them, and
# building and keying them cost more than running several of them.
_STAFF, _SCHOOL, _LIMIT = bindparam("staff"), bindparam("school"), bindparam("limit")


def _unread() -> tuple[ColumnElement[bool], ...]:
    """A colleague's alerts that are on their dashboard: unread, deliverable, a reminder only
    once due, and never a notice about a delivery (those are for the chat only)."""
    return (
        AlertRow.staff_id == _STAFF,  # first (the notes replace it)
        AlertRow.read_at.is_(None),
        AlertRow.state != "undeliverable",
        or_(AlertRow.reason != "reminder", AlertRow.state == "sent"),
        AlertRow.reason != NOTICE,
    )


# This incident has an unread alert for me (it is on my board under Alerts). As IN (the set of
# my unread alerts' incidents, read once by the (staff_id, read_at, ...) index, which covers it),
# not a correlated EXISTS per incident: on SQLite the section walks several times faster when
# most of my cases are under Alerts. alerts.incident_id is never NULL, so NOT IN is exact.
_UNREAD_ABOUT = IncidentRow.id.in_(select(AlertRow.incident_id).where(*_unread()))
_NEW_CASE = and_(
    IncidentRow.school_id == _SCHOOL,
    IncidentRow.status == "Open",
    IncidentRow.assignee_id.is_(None),
)
_MINE = and_(IncidentRow.assignee_id == _STAFF, IncidentRow.status != "Closed")
_NOT_MINE = or_(  # (NOT mine would be NULL, not true, where nobody is assigned)
    IncidentRow.assignee_id.is_(None),
    IncidentRow.assignee_id != _STAFF,
    IncidentRow.status == "Closed",
)


def _newest(*where: ColumnElement[bool]) -> Select:
    """Newest first, up to `limit`: the indexes on (recorded_by, id, ...) and (assignee_id, id,
    ...) walk in that order and stop, and cover what the section tests."""
    return select(IncidentRow.id).where(*where).order_by(IncidentRow.id.desc()).limit(_LIMIT)


def _alerts_walk(*where: ColumnElement[bool]) -> Select:
    unread = select(AlertRow.incident_id).where(*_unread())
    if where:
        unread = unread.join(IncidentRow, IncidentRow.id == AlertRow.incident_id).where(*where)
    # Newest first, said in the index's own columns: PostgreSQL does not count `read_at IS
    # NULL` as fixing read_at, so ordering by id alone made it read and sort every unread
    # alert (68 ms for the DSL's 5,000) where walking the index backwards stops at the page.
    newest = (AlertRow.staff_id.desc(), AlertRow.read_at.desc(), AlertRow.id.desc())
    return unread.order_by(*newest).limit(_LIMIT)


_NEW = _newest(_NEW_CASE)
_ASSIGNED = _newest(_MINE, not_(_UNREAD_ABOUT))
# By `leads`: the DSL team's board begins with New concerns, which no later section repeats.
_HISTORY = {
    leads: _newest(
        IncidentRow.recorded_by == _STAFF,
        not_(_UNREAD_ABOUT),
        _NOT_MINE,
        *([not_(_NEW_CASE)] if leads else []),
    )
    for leads in (False, True)
}
_ALERTS = {False: _alerts_walk(), True: _alerts_walk(not_(_NEW_CASE))}
_NOTES = (
    select(AlertRow.incident_id, StaffRow.display_name, AlertRow.reason, AlertRow.created_at)
    .join(StaffRow, StaffRow.id == AlertRow.raised_by)
    # Found by the incidents' index (a few rows each), not by walking all my unread alerts:
    # SQLite's planner, without statistics, would take the (staff_id, read_at, id, ...) index
    # (5 ms for 5,000 unread instead of 0.1 ms); `+ 0` rules that index out.
    .where(
        (AlertRow.staff_id + 0) == _STAFF,
        *_unread()[1:],
        AlertRow.incident_id.in_(bindparam("ids", expanding=True)),
    )
    .order_by(AlertRow.id.desc())
)


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
        who = {"staff": staff_id, "school": school_id}
        new = await self._page(_NEW, who, new_at, limit) if leads else None
        alerts = await self._alerts(_ALERTS[leads], who, alerts_at, limit)
        assigned = await self._page(_ASSIGNED, who, assigned_at, limit)
        history = await self._page(_HISTORY[leads], who, history_at, limit)
        board = BoardIds(alerts, assigned, history, new)
        notes = await self._notes(staff_id, board.incident_ids())
        return BoardIds(alerts, assigned, history, new, notes)

    async def _page(self, section: Select, who: dict, offset: int, limit: int) -> SectionIds:
        """One read that is also the count: the ids up to count_limit, newest first."""
        bound = {**who, "limit": count_limit(offset, limit)}
        ids = [row[0] for row in await plain_rows(self.session, section, bound)]
        return SectionIds(tuple(ids[offset : offset + limit]), len(ids), offset)

    async def _alerts(self, walk: Select, who: dict, offset: int, limit: int) -> SectionIds:
        """Incidents with an unread alert for me, by their newest alert (one row each): my
        unread alerts walked newest first (the (staff_id, read_at, id, ...) index), each
        incident kept at its first, until count_limit incidents are found; never every alert
        grouped, counted and sorted. The same read is the page and the count."""
        bound = count_limit(offset, limit)
        read = 2 * bound
        while True:
            rows = [row[0] for row in await plain_rows(self.session, walk, {**who, "limit": read})]
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
        wanted = {"staff": staff_id, "ids": list(incident_ids)}
        notes: dict[int, list[AlertNote]] = {}
        for incident_id, name, reason, created_at in await plain_rows(self.session, _NOTES, wanted):
            notes.setdefault(incident_id, []).append(AlertNote(name, reason, utc(created_at)))
        return {incident_id: tuple(found) for incident_id, found in notes.items()}
