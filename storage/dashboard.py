"""My dashboard in SQL: each section's page of incidents, each incident in one section only
(New concerns, then unread alerts, then my open cases, then what I recorded), newest first."""

from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import Integer, and_, bindparam, distinct, false, func, not_, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement, Select

from safeguarding.dashboard import (
    ALERTS,
    ASSIGNED,
    HISTORY,
    NEW,
    AlertNote,
    BoardIds,
    SectionIds,
    count_limit,
)
from storage.alerts import NOTICE
from storage.imports import NEWEST, run_of
from storage.models import AccessProposalRow, AlertRow, IncidentRow, StaffRow, StudentRow
from storage.repositories import plain_rows, tagged_rows, utc
from storage.unions import TaggedUnion, tagged_union

# Built once with bound parameters (`staff`, `school`, and each section's limit): every
# dashboard runs them, and building and keying them cost more than running several of them.
_STAFF, _SCHOOL = bindparam("staff"), bindparam("school")


def _bound(name: str):
    """A LIMIT or OFFSET, written into the SQL as a number (`literal_execute`; one statement
    for each set of them, of few: pages are tens). PostgreSQL costs a plan for any values (a
    generic plan) with a LIMIT given as a parameter at a tenth of the rows: on the bench's
    school that looked costlier than planning for the values every time, and it did (1 ms of
    planning for 0.8 ms of work). With the numbers in the SQL it kept one plan after five
    presses: the statement 2.4 -> 1.4 ms in the bench (docs/benchmarks.md, round 12). Whether
    it does is PostgreSQL's choice, by the data's statistics; the numbers being in the SQL is
    what tests/integration/test_dashboard.py holds."""
    return bindparam(name, type_=Integer, literal_execute=True)


def _unread() -> tuple[ColumnElement[bool], ...]:
    """A colleague's alerts that are on their dashboard: unread, deliverable, a reminder only
    once due, and never a notice about a delivery (those are for the chat only). Migration
    0021's triggers say the same in SQL of their own (tests/integration/test_alerted_flags.py
    holds the two to each other)."""
    return (
        AlertRow.staff_id == _STAFF,  # first (the notes replace it)
        AlertRow.read_at.is_(None),
        AlertRow.state != "undeliverable",
        or_(AlertRow.reason != "reminder", AlertRow.state == "sent"),
        AlertRow.reason != NOTICE,
    )


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
    """Newest first: the indexes on (recorded_by, recorder_alerted, id, ...) and (assignee_id,
    assignee_alerted, id, ...) walk in that order and stop at the limit put on it, and cover
    what the section tests."""
    found = select(IncidentRow.id.label("incident"), IncidentRow.id.label("position"))
    return found.where(*where).order_by(IncidentRow.id.desc())


def _alerts_walk(*where: ColumnElement[bool]) -> Select:
    """My unread alerts newest first, by incident (one row an alert): its position is the
    alert's id."""
    unread = select(AlertRow.incident_id.label("incident"), AlertRow.id.label("position"))
    unread = unread.where(*_unread())
    if where:
        unread = unread.join(IncidentRow, IncidentRow.id == AlertRow.incident_id).where(*where)
    # Newest first, said in the index's own columns: PostgreSQL does not count `read_at IS
    # NULL` as fixing read_at, so ordering by id alone made it read and sort every unread
    # alert (68 ms for the DSL's 5,000) where walking the index backwards stops at the page.
    newest = (AlertRow.staff_id.desc(), AlertRow.read_at.desc(), AlertRow.id.desc())
    return unread.order_by(*newest).limit(_bound(ALERTS))


# By `leads`: the DSL team's board begins with New concerns, which no later section repeats.
_ALERTS = {False: _alerts_walk(), True: _alerts_walk(not_(_NEW_CASE))}


def _counted(name: str, walk: Select) -> Select:
    """How many rows the walk has, up to the bound `name`: walked in the database, one row
    back, not each row sent back and counted here."""
    return select(func.count()).select_from(walk.limit(_bound(name)).subquery())


def _page(name: str, walk: Select) -> Select:
    """The walk's page: (incident, position) from `{name}_from`, `page` of them."""
    found = walk.limit(_bound("page")).offset(_bound(f"{name}_from")).subquery()
    return select(found.c.incident, found.c.position)


def _alerts_parts(walk: Select) -> dict[str, Select]:
    """Alerts by incident: the first `alerts` unread alerts walked newest first, each incident
    at its newest; how many incidents and alerts that read, and the page of incidents."""
    read = walk.cte(f"{ALERTS}_read")
    newest = func.max(read.c.position).label("position")
    by_incident = select(read.c.incident, newest).group_by(read.c.incident)
    page = by_incident.order_by(newest.desc(), read.c.incident.desc())
    page = page.limit(_bound("page")).offset(_bound(f"{ALERTS}_from")).subquery()
    return {
        ALERTS: select(page.c.incident, page.c.position),
        f"{ALERTS}.count": select(func.count(distinct(read.c.incident)), func.count()),
    }


def _walks(leads: bool, merging: bool) -> TaggedUnion:
    """Every section's page and count in one statement (one round trip, not four):
    `tagged_union` parts named by section, rows of (incident, position) from the section's
    offset (`{name}_from`), `page` of them, newest first by position (their order in the result
    is not relied on), and a part "{name}.count": how many the section has, up to its own bound
    (`name`). The rows a count walks are counted in the database, not sent back. `merging`
    (the DSL team and administrators): also the pupils waiting to be merged ("waiting", by the
    partial index of them) and the newest import runs ("run", `storage.imports.NEWEST`);
    `leads`: also the changes to access waiting to be confirmed ("proposal")."""
    sections = {
        # Not those under Alerts: the database keeps on each incident whether its assignee and
        # its recorder have an unread alert about it (migration 0021), which each section's
        # index holds next to the colleague, so the walk starts at the incidents it shows
        # (`== false()`: PostgreSQL uses no index for `IS false`).
        ASSIGNED: (_MINE, IncidentRow.assignee_alerted == false()),
        HISTORY: (
            IncidentRow.recorded_by == _STAFF,
            IncidentRow.recorder_alerted == false(),
            _NOT_MINE,
            *([not_(_NEW_CASE)] if leads else []),
        ),
    }
    if leads:
        sections[NEW] = (_NEW_CASE,)
    parts = _alerts_parts(_ALERTS[leads])
    for name, where in sections.items():
        walk = _newest(*where)
        parts[name], parts[f"{name}.count"] = _page(name, walk), _counted(name, walk)
    if merging:
        parts["waiting"] = select(StudentRow.id).where(
            StudentRow.school_id == _SCHOOL,
            StudentRow.provisional == true(),  # (`IS true` uses no index on PostgreSQL)
            StudentRow.merged_into.is_(None),
        )
        parts["run"] = NEWEST
    if leads:
        parts["proposal"] = select(AccessProposalRow.id).where(
            AccessProposalRow.school_id == _SCHOOL, AccessProposalRow.decided_at.is_(None)
        )
    return tagged_union(parts)


_WALKS = {
    (leads, merging): _walks(leads, merging) for leads in (False, True) for merging in (False, True)
}
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
        merging: bool = False,
        offsets: tuple[int, int, int, int],
        limit: int,
    ) -> BoardIds:
        """The pages at `offsets` (alerts, assigned, history, new); `leads`: the DSL team's
        board, which begins with New concerns and says how many changes to access wait;
        `merging`: it says how the roster's imports are and which pupils wait to be merged."""
        at = dict(zip((ALERTS, ASSIGNED, HISTORY, NEW), offsets, strict=True))
        bounds = {name: count_limit(offset, limit) for name, offset in at.items()}
        # Twice the alerts' bound: an incident's several unread alerts each take a row.
        read = {**bounds, ALERTS: 2 * bounds[ALERTS]}
        if not leads:
            del read[NEW]
        who = {"staff": staff_id, "school": school_id}
        pages = {f"{name}_from": offset for name, offset in at.items() if name in read}
        params = {**who, **read, **pages, "page": limit}
        parts = await tagged_rows(self.session, _WALKS[(leads, merging)], params)

        def newest_first(name: str) -> tuple[int, ...]:
            return tuple(i for _, i in sorted(((p, i) for i, p in parts[name]), reverse=True))

        def section(name: str) -> SectionIds:
            ((total,),) = parts[f"{name}.count"]
            return SectionIds(newest_first(name), total, at[name])

        ((incidents, alerts_read),) = parts[f"{ALERTS}.count"]
        if incidents < bounds[ALERTS] and alerts_read == read[ALERTS]:
            # The alerts read were mostly about the same incidents: read further.
            further = await self._alerts_further(_ALERTS[leads], who, bounds[ALERTS])
            offset = at[ALERTS]
            alerts = SectionIds(
                tuple(further[offset : offset + limit]), min(len(further), bounds[ALERTS]), offset
            )
        else:
            alerts = SectionIds(newest_first(ALERTS), min(incidents, bounds[ALERTS]), at[ALERTS])
        board = BoardIds(
            alerts,
            section(ASSIGNED),
            section(HISTORY),
            section(NEW) if leads else None,
            waiting=tuple(student_id for (student_id,) in parts.get("waiting", ())),
            runs=tuple(run_of(run) for run in parts.get("run", ())),
            proposals=len(parts.get("proposal", ())),
        )
        notes = await self._notes(staff_id, board.incident_ids())
        return replace(board, notes=notes)

    async def _alerts_further(self, walk: Select, who: dict, bound: int) -> list[int]:
        """Incidents with an unread alert for me, by their newest alert (one row each): my
        unread alerts walked newest first (the (staff_id, read_at, id, ...) index), each
        incident kept at its first, until `bound` incidents are found; never every alert
        grouped, counted and sorted."""
        read = 8 * bound
        while True:
            rows = await plain_rows(self.session, walk, {**who, ALERTS: read})
            ids = list(dict.fromkeys(row[0] for row in rows))
            if len(ids) >= bound or len(rows) < read:
                return ids
            read *= 4  # several unread alerts about one incident: read further

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
