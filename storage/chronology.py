"""A pupil's chronology decided, filtered, ordered and paged in SQL: a page reads its entries,
not the pupil's whole history (the statement: storage/chronology_sql.py). The service decides
the page it shows again in Python, and tests/integration/test_chronology_query.py checks the two
agree on random records.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.chronology import KINDS, Case, EntryRef
from safeguarding.chronology_pages import ChronologyIndex, ChronologyQuery
from safeguarding.incidents import Status
from storage.chronology_sql import (
    ALLOWED,
    GRANTED,
    HELD_BACK,
    MONITORED,
    STATUSES,
    Shape,
    index_statement,
    parameters,
)
from storage.repositories import plain_rows, plain_scalars


class SqlChronology:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def index(self, school_id: int, query: ChronologyQuery) -> ChronologyIndex:
        """The page's entries, how many match, how many are held back, and what the viewer
        may read of the pupil's incidents: decided in SQL in one statement, no content read."""
        rules = query.rules
        if not rules.active:
            return ChronologyIndex((), 0, 0, (), frozenset())
        shape = Shape.of(rules)
        filters = (bool(query.category_ids), query.since is not None, query.before is not None)
        held = shape.restricting and not shape.elevated and shape.grants_count
        statement = index_statement(shape, filters, query.limit is not None, held)
        params = parameters(school_id, query)
        page, cases, monitored, held_back, total = [], [], [], 0, 0
        for section, *row in await plain_rows(self.session, statement, params):
            if section == 0:
                page.append(row[:5])
            elif section == 1:
                incident_id, status, monitoring, code = row[2:]
                if code in (ALLOWED, GRANTED):
                    cases.append(Case(incident_id, STATUSES[status]))
                    if monitoring and STATUSES[status] != Status.CLOSED:
                        monitored.append(incident_id)
                held_back += code == HELD_BACK
            elif section == 2:
                held_back += row[5]
            else:
                total = row[5]
        return ChronologyIndex(
            tuple(EntryRef(KINDS[kind], i, item) for *_, i, kind, item in sorted(page)),
            total,
            held_back,
            tuple(sorted(cases, key=lambda c: c.id)),
            frozenset(await self._monitoring(query.student_id, monitored)),
        )

    async def _monitoring(self, student_id: int, incident_ids: list[int]) -> list[int]:
        if not incident_ids:
            return []
        found = {"student": student_id, "ids": incident_ids}
        return list(await plain_scalars(self.session, MONITORED, found))
