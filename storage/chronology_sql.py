"""The statement behind a pupil's chronology (storage/chronology.py runs it): every incident of
the school the pupil is on decided by `decide(VIEW_INCIDENT)` (safeguarding/access.py) written in
SQL over the viewer's `ReadingRules`, once, in a materialized CTE; from it the entries (incidents,
actions, decisions) the viewer may read that the filter keeps, ordered as `Entry.key` orders
them and paged, with how many match, every incident's decision, and the actions held back.

Codes of an incident's decision: 0 denied, 1 allowed, 2 needs elevated access, 3 allowed by an
alert's grant (its actions are then allowed whatever their categories).
"""

from functools import cache
from typing import NamedTuple

from sqlalchemy import (
    DateTime,
    and_,
    case,
    exists,
    false,
    func,
    literal_column,
    not_,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import FunctionElement, bindparam

from safeguarding.access import ReadingRules
from safeguarding.chronology import KINDS
from safeguarding.chronology_pages import ChronologyQuery
from safeguarding.incidents import Status
from storage.models import (
    ActionCategoryRow,
    ActionRow,
    CaseEventRow,
    IncidentCategoryRow,
    IncidentGrantRow,
    IncidentRow,
    IncidentStudentRow,
    StudentRow,
)

DENIED, ALLOWED, HELD_BACK, GRANTED = 0, 1, 2, 3
STATUSES = tuple(Status)  # an incident's status in the index, by position
# The index's rows, by their first column: the page's entries, the pupil's incidents decided,
# the count of actions held back, and how many entries match.
SECTIONS = {
    name: literal_column(str(n)) for n, name in enumerate(("page", "incident", "held", "total"))
}


class minute_of(FunctionElement):
    """A stored time to the minute, for ordering only (as `Entry.key` takes it)."""

    inherit_cache = True


@compiles(minute_of, "sqlite")
def _minute_on_sqlite(element, compiler, **kw) -> str:
    # SQLite keeps times as ISO text in UTC: "YYYY-MM-DD HH:MM" is the minute.
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 16)"


@compiles(minute_of, "postgresql")
def _minute_on_postgresql(element, compiler, **kw) -> str:
    return f"date_trunc('minute', {compiler.process(element.clauses, **kw)})"


def _ids(name: str):
    return bindparam(name, expanding=True)


def _categories_here(*conditions):
    """Some category of a pupil on the incident meets the conditions (a category row of a
    pupil no longer on it counts for nothing, as the incident's facts read it)."""
    chosen, pupil = aliased(IncidentCategoryRow), aliased(IncidentStudentRow)
    return exists().where(
        chosen.incident_id == IncidentRow.id,
        pupil.incident_id == chosen.incident_id,
        pupil.student_id == chosen.student_id,
        *(condition(chosen.category_id) for condition in conditions),
    )


def _in_scope():
    pupil, student = aliased(IncidentStudentRow), aliased(StudentRow)
    return exists().where(
        pupil.incident_id == IncidentRow.id,
        student.id == pupil.student_id,
        or_(student.year_group.in_(_ids("years")), student.tutor_group.in_(_ids("tutors"))),
    )


class Shape(NamedTuple):
    """What a viewer's statement tests (each variant built once): a test that cannot change
    the answer (no pupil excluded, no category restricted...) is left out of it."""

    whole_school: bool
    every_category: bool
    elevated: bool
    grants_count: bool
    excluding: bool
    restricting: bool

    @classmethod
    def of(cls, rules: ReadingRules) -> "Shape":
        return cls(
            rules.whole_school,
            rules.every_category,
            rules.elevated,
            rules.grants_count,
            bool(rules.excluded),
            bool(rules.restricted),
        )


def _decision(shape: Shape):
    """The CASE that is `decide(VIEW_INCIDENT)` for the incident in the row."""
    pupil = aliased(IncidentStudentRow)
    excluded = exists().where(
        pupil.incident_id == IncidentRow.id, pupil.student_id.in_(_ids("excluded"))
    )
    grant = aliased(IncidentGrantRow)
    granted = exists().where(
        grant.incident_id == IncidentRow.id,
        grant.staff_id == bindparam("staff"),
        grant.withdrawn_at.is_(None),
    )
    readable = and_(
        true() if shape.whole_school else _in_scope(),
        _categories_here(),
        true()
        if shape.every_category  # (no category they may not read)
        else not_(_categories_here(lambda c: c.not_in(_ids("readable")))),
    )
    historic = IncidentRow.happened_at < bindparam("historic", type_=DateTime(timezone=True))
    restricted = _categories_here(lambda c: c.in_(_ids("restricted")))
    sensitive = or_(historic, restricted) if shape.restricting else historic
    return case(
        (excluded if shape.excluding else false(), DENIED),
        (granted if shape.grants_count else false(), GRANTED),
        (not_(readable), DENIED),
        (true() if shape.elevated else not_(sensitive), ALLOWED),
        else_=HELD_BACK,
    )


@cache
def _decided(shape: Shape):
    """Every incident of the school the pupil is on, decided (computed once per statement)."""
    mine = aliased(IncidentStudentRow)
    decided = (
        select(
            IncidentRow.id,
            _status_code().label("status"),
            IncidentRow.happened_at,
            IncidentRow.recorded_at,
            case((mine.monitoring, 1), else_=0).label("monitoring"),
            _decision(shape).label("code"),
        )
        .join(
            mine, and_(mine.incident_id == IncidentRow.id, mine.student_id == bindparam("student"))
        )
        .where(IncidentRow.school_id == bindparam("school"))
    )
    return decided.cte("decided").prefix_with("MATERIALIZED")


def _pupils_categories(incident_id):
    mine = aliased(IncidentCategoryRow)
    return exists().where(
        mine.incident_id == incident_id,
        mine.student_id == bindparam("student"),
        mine.category_id.in_(_ids("chosen")),
    )


def _action_categories(action_id, condition):
    on = aliased(ActionCategoryRow)
    return exists().where(on.action_id == action_id, condition(on.category_id))


def _action_tests(shape: Shape):
    """The action in the row has a category they may not read (never, when they may read
    every category); one restricted."""
    unreadable = (
        false()
        if shape.every_category
        else _action_categories(ActionRow.id, lambda c: c.not_in(_ids("readable")))
    )
    return unreadable, _action_categories(ActionRow.id, lambda c: c.in_(_ids("restricted")))


def _action_allowed(decided, shape: Shape):
    """An action of a readable incident: allowed by the incident's grant, or readable in its
    own categories too and, unless elevated, in none restricted."""
    unreadable, restricted = _action_tests(shape)
    allowed = and_(
        not_(unreadable),
        not_(restricted) if shape.restricting and not shape.elevated else true(),
    )
    return or_(decided.c.code == GRANTED, allowed)


@cache
def _entries(shape: Shape, chosen: bool, since: bool, before: bool):
    """The entries the viewer may read and the filter keeps, unordered."""
    decided = _decided(shape)
    shown = decided.c.code.in_((ALLOWED, GRANTED))
    incidents = select(
        literal_column(str(KINDS.index("incident"))).label("kind"),
        decided.c.id.label("incident_id"),
        literal_column("0").label("item"),
        decided.c.happened_at.label("at"),
        decided.c.recorded_at.label("recorded_at"),
    ).where(shown, *([_pupils_categories(decided.c.id)] if chosen else []))
    actions = (
        select(
            literal_column(str(KINDS.index("action"))),
            ActionRow.incident_id,
            ActionRow.id,
            ActionRow.happened_at,
            ActionRow.recorded_at,
        )
        .join(decided, decided.c.id == ActionRow.incident_id)
        .where(shown, _action_allowed(decided, shape))
    )
    if chosen:
        by_action = _action_categories(ActionRow.id, lambda c: c.in_(_ids("chosen")))
        actions = actions.where(or_(by_action, _pupils_categories(ActionRow.incident_id)))
    decisions = (
        select(
            literal_column(str(KINDS.index("decision"))),
            CaseEventRow.incident_id,
            CaseEventRow.version,
            CaseEventRow.at,
            CaseEventRow.at,
        )
        .join(decided, decided.c.id == CaseEventRow.incident_id)
        .where(shown, CaseEventRow.kind.in_(("assigned", "status")))
    )
    if chosen:
        decisions = decisions.where(_pupils_categories(CaseEventRow.incident_id))
    # Materialized: the page is sorted from it and the count made from it, each once (a
    # count over the page's window sorted every entry and then walked them again).
    every = union_all(incidents, actions, decisions).cte("entries").prefix_with("MATERIALIZED")
    kept = []
    if since:
        kept.append(every.c.at >= bindparam("since", type_=DateTime(timezone=True)))
    if before:
        kept.append(every.c.at < bindparam("before", type_=DateTime(timezone=True)))
    return every, kept


def _order(every) -> tuple:
    """An entry's place in the chronology (`Entry.key`): a total order."""
    return (
        minute_of(every.c.at),
        every.c.recorded_at,
        every.c.incident_id,
        every.c.kind,
        every.c.item,
    )


def _status_code():
    return case(*((IncidentRow.status == s.value, n) for n, s in enumerate(STATUSES)))


def _held_actions(decided, shape: Shape):
    """Actions of incidents they may read (not by a grant) that need elevated access."""
    unreadable, restricted = _action_tests(shape)
    return (
        select(SECTIONS["held"], *[null()] * 5, func.count())
        .select_from(ActionRow)
        .join(decided, decided.c.id == ActionRow.incident_id)
        .where(decided.c.code == ALLOWED, not_(unreadable), restricted)
    )


@cache
def index_statement(shape: Shape, filters: tuple[bool, bool, bool], paged: bool, held: bool):
    """One statement, the pupil's incidents decided once and their entries gathered once: the
    page's entries (with their place), how many entries match, every incident of the pupil with
    its decision, and (`held`) how many actions need elevated access."""
    decided = _decided(shape)
    every, kept = _entries(shape, *filters)
    order = _order(every)
    # The page with its order's columns (a union keeps no order: the page is sorted again in
    # Python, ten rows).
    page = select(*order).where(*kept).order_by(*order).offset(bindparam("offset"))
    page = (page.limit(bindparam("limit")) if paged else page).subquery("page")
    nothing = (null(), null())
    parts = [
        select(SECTIONS["page"], *page.c, null()),
        select(
            SECTIONS["incident"],
            *nothing,
            decided.c.id,
            decided.c.status,
            decided.c.monitoring,
            decided.c.code,
        ),
        select(SECTIONS["total"], *[null()] * 5, func.count()).select_from(every).where(*kept),
    ]
    return union_all(*parts, *([_held_actions(decided, shape)] if held else []))


MONITORED = (
    select(IncidentCategoryRow.category_id)
    .where(
        IncidentCategoryRow.student_id == bindparam("student"),
        IncidentCategoryRow.incident_id.in_(_ids("ids")),
    )
    .distinct()
)


def parameters(school_id: int, query: ChronologyQuery) -> dict:
    rules: ReadingRules = query.rules
    params = {
        "school": school_id,
        "student": query.student_id,
        "staff": rules.staff_id,
        "excluded": sorted(rules.excluded),
        "years": sorted(rules.year_groups),
        "tutors": sorted(rules.tutor_groups),
        "readable": sorted(rules.readable),
        "restricted": sorted(rules.restricted),
        "historic": rules.historic_before,
        "chosen": sorted(query.category_ids),
        "offset": query.offset,
    }
    if query.limit is not None:
        params["limit"] = query.limit
    if query.since is not None:
        params["since"] = query.since
    if query.before is not None:
        params["before"] = query.before
    return params
