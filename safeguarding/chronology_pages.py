"""Which entries of a pupil's chronology a viewer reads, in which order, filtered and paged.

The rules here are the Python form (every incident and action through `decide`); storage
answers a `ChronologyQuery` with the same rules in SQL, so that a page reads its own entries and
not the pupil's whole history (storage/chronology.py). The service decides the page it shows
again with these rules (`checked_page`), and a test checks the two agree on random records.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from safeguarding.access import AccessPolicy, Action, Decision, ReadingRules, Viewer, decide
from safeguarding.case_actions import ActionEntry
from safeguarding.cases import CaseEvent
from safeguarding.chronology import PAGE, Case, ChronologyFilter, Entry, EntryRef
from safeguarding.incidents import IncidentFacts
from safeguarding.viewing import action_decision


@dataclass(frozen=True)
class ChronologyQuery:
    """A page of one pupil's chronology for one viewer: storage decides every incident and
    action by `rules`, keeps what the filter keeps and orders entries by `Entry.key`."""

    student_id: int
    rules: ReadingRules
    category_ids: frozenset[int] = frozenset()  # this pupil's (or an action's); none: all
    since: datetime | None = None  # happened at or after (UTC)
    before: datetime | None = None  # happened before (UTC)
    offset: int = 0
    limit: int | None = PAGE  # None: everything from the offset (an export)


@dataclass(frozen=True)
class ChronologyIndex:
    """A pupil's chronology as storage decided it for one viewer: no content, no names."""

    page: tuple[EntryRef, ...]  # in order
    total: int  # entries matching the filter
    held_back: int  # incidents and actions needing elevated access (whatever the filter)
    readable: tuple[Case, ...]  # the incidents they may read
    monitoring: frozenset[int]  # this pupil's categories on those open and monitoring them


def readable_incidents(
    incidents: Sequence[IncidentFacts], viewer: Viewer, policy: AccessPolicy, now: datetime
) -> tuple[list[IncidentFacts], int]:
    """The incidents this viewer may read now, and how many need their code first."""
    visible, held_back = [], 0
    for incident in incidents:
        decision = decide(viewer, Action.VIEW_INCIDENT, incident.record(), policy, now)
        if decision == Decision.ALLOW:
            visible.append(incident)
        elif decision == Decision.NEEDS_ELEVATION:
            held_back += 1
    return visible, held_back


def chronology_entries(
    student_id: int,
    incidents: Sequence[IncidentFacts],
    actions: Sequence[ActionEntry],
    decisions: Sequence[CaseEvent],
    decider: tuple[Viewer, AccessPolicy, datetime],
) -> tuple[list[Entry], int]:
    """Every entry this viewer may read, in order, and how many actions need elevation."""
    by_id = {i.id: i for i in incidents}
    viewer, policy, now = decider
    entries = [
        Entry("incident", i.happened_at, i, i.recorded_by, i.categories_for(student_id))
        for i in incidents
    ]
    mine = {e.incident.id: e.category_ids for e in entries}  # this pupil's, per incident
    held_back = 0
    for action in actions:
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
    for event in decisions:
        incident = by_id[event.incident_id]
        mine_here = mine.get(event.incident_id, frozenset())
        entries.append(
            Entry("decision", event.at, incident, event.actor_id, mine_here, decision=event)
        )
    return sorted(entries, key=lambda e: e.key), held_back


def matching(entries: Sequence[Entry], chosen: ChronologyFilter, time_zone: str) -> list[Entry]:
    """The entries the filter keeps, in order."""
    zone = ZoneInfo(time_zone)
    return [e for e in entries if _matches(e, chosen, zone)]


def chronology_query(
    student_id: int,
    chosen: ChronologyFilter,
    time_zone: str,
    rules: ReadingRules,
    page: tuple[int, int | None],
) -> ChronologyQuery:
    """The query for a page (offset, limit) of this filter: its days, in the school's time
    zone, as times in UTC."""
    zone = ZoneInfo(time_zone)
    since = _midnight(chosen.since, zone) if chosen.since else None
    before = _midnight(chosen.until + timedelta(days=1), zone) if chosen.until else None
    offset, limit = page
    return ChronologyQuery(student_id, rules, chosen.category_ids, since, before, offset, limit)


def checked_page(page: Sequence[EntryRef], allowed: Sequence[Entry]) -> tuple[list[Entry], int]:
    """The page storage chose, in its order, of the entries `decide` allows (and the filter
    keeps): with how many it chose that are not among them (none, unless the two disagree)."""
    by_ref = {e.ref: e for e in allowed}
    shown = [by_ref[r] for r in page if r in by_ref]
    return shown, len(page) - len(shown)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(UTC)


def _matches(entry: Entry, chosen: ChronologyFilter, zone: ZoneInfo) -> bool:
    # An action is also found by this pupil's categories on its incident (a referral about a
    # disclosure), never by a linked pupil's (a "Victim" must not land on the other child).
    found_by = entry.category_ids | entry.pupil_categories
    if chosen.category_ids and not found_by & chosen.category_ids:
        return False
    day = entry.happened_at.astimezone(zone).date()
    return not ((chosen.since and day < chosen.since) or (chosen.until and day > chosen.until))
