"""The chronology decided and paged in SQL (storage/chronology.py) against the rules in Python
(`decide`, `chronology_entries`, `matching`, then the page sliced), on SQLite and PostgreSQL: random
records (linked pupils, categories per pupil and per action, grants, some withdrawn, historic
dates, ties to the minute, decisions of every kind) read under random policies, viewers,
filters and pages. Every answer must be the same: the page, its order, the counts, the open
cases and the monitoring."""

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.access import AccessPolicy, Rights, Scope, Viewer, reading_rules
from safeguarding.chronology import ChronologyFilter
from safeguarding.chronology_pages import (
    chronology_entries,
    chronology_query,
    matching,
    readable_incidents,
)
from safeguarding.incidents import Status
from safeguarding.staff import Role, StaffMember
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

ZONE = "Europe/London"
KINDS = ("assigned", "status", "edited", "moved", "linked")


class Records:
    """Random incidents about one pupil (and some not about them), written as rows."""

    def __init__(
        self,
        rng: random.Random,
        school: int,
        staff: list[int],
        categories: list[int],
        now: datetime,
    ) -> None:
        self.rng, self.school, self.staff, self.now = rng, school, staff, now
        self.categories = categories
        # Few distinct minutes and seconds: entries tie to the minute and on when recorded.
        self.moments = [
            now - timedelta(days=d, minutes=m) for d in (1, 40, 200, 380, 900) for m in (0, 7)
        ]

    def moment(self) -> datetime:
        return self.rng.choice(self.moments) + timedelta(seconds=self.rng.choice((0, 20, 59)))

    async def write(self, session: AsyncSession, pupil: int, others: list[int], count: int):
        rng = self.rng
        for n in range(count):
            about = [pupil] if n % 7 else []  # every seventh is about other pupils only
            about += rng.sample(others, rng.randrange(0 if about else 1, 3))
            await self._incident(session, n, about)

    async def _incident(self, session: AsyncSession, n: int, about: list[int]) -> None:
        rng, happened = self.rng, self.moment()
        row = IncidentRow(
            school_id=self.school,
            recorded_by=rng.choice(self.staff),
            recorded_at=rng.choice((happened, happened + timedelta(hours=1))),
            happened_at=happened,
            time_zone=ZONE,
            status=rng.choice(list(Status)).value,
            agencies=[],
            idempotency_key=f"query-{n}",
            text_ciphertext="not read here",
        )
        session.add(row)
        await session.flush()
        for place, student in enumerate(about):
            monitoring = rng.random() < 0.4
            session.add(
                IncidentStudentRow(
                    incident_id=row.id, student_id=student, linked=place > 0, monitoring=monitoring
                )
            )
            for category in rng.sample(self.categories, rng.choice((0, 1, 1, 2))):
                session.add(
                    IncidentCategoryRow(
                        incident_id=row.id, student_id=student, category_id=category
                    )
                )
        for staff in rng.sample(self.staff, rng.choice((0, 0, 1, 2))):
            withdrawn = self.now if rng.random() < 0.3 else None
            session.add(
                IncidentGrantRow(
                    incident_id=row.id,
                    staff_id=staff,
                    granted_by=self.staff[0],
                    granted_at=happened,
                    withdrawn_at=withdrawn,
                    withdrawn_by=self.staff[0] if withdrawn else None,
                )
            )
        for a in range(rng.choice((0, 1, 2, 3))):
            await self._action(session, row, f"{n}-{a}")
        for version in range(2, 2 + rng.choice((0, 1, 3))):
            session.add(
                CaseEventRow(
                    incident_id=row.id,
                    version=version,
                    kind=rng.choice(KINDS),
                    actor_id=self.staff[0],
                    at=self.moment(),
                    detail={},
                )
            )
        await session.flush()

    async def _action(self, session: AsyncSession, incident: IncidentRow, key: str) -> None:
        happened = self.moment()
        action = ActionRow(
            school_id=self.school,
            incident_id=incident.id,
            recorded_by=self.rng.choice(self.staff),
            recorded_at=happened,
            happened_at=happened,
            time_zone=ZONE,
            idempotency_key=f"query-action-{key}",
            text_ciphertext="not read here",
        )
        session.add(action)
        await session.flush()
        for category in self.rng.sample(self.categories, self.rng.choice((0, 0, 1, 2))):
            session.add(ActionCategoryRow(action_id=action.id, category_id=category))


def random_rights(rng: random.Random) -> Rights:
    return Rights(rng.random() < 0.6, rng.random() < 0.6, rng.random() < 0.5)


def random_reader(rng, staff: list[int], school: int, categories, pupils):
    """A viewer (any role, sometimes inactive, excluded, scoped or elevated) and a policy."""
    me = StaffMember(rng.choice(staff), school, "aad", "Reader", "r@x", rng.choice(list(Role)))
    if rng.random() < 0.05:
        me = StaffMember(me.id, school, "aad", "Reader", "r@x", me.role, active=False)
    roles = list(Role)
    policy = AccessPolicy(
        categories=frozenset(categories),
        restricted=frozenset(rng.sample(categories, rng.randrange(0, 3))),
        by_role={(c, rng.choice(roles)): random_rights(rng) for c in rng.sample(categories, 3)},
        by_staff={(c, me.id): random_rights(rng) for c in rng.sample(categories, rng.randrange(3))},
        scopes={me.id: random_scope(rng, pupils)} if rng.random() < 0.4 else {},
        historic_after=timedelta(days=rng.choice((365, 100))),
    )
    excluded = frozenset(s.id for s in pupils[1:] if rng.random() < 0.15)
    return Viewer(me, excluded, elevated=rng.random() < 0.4), policy


def random_scope(rng: random.Random, pupils: list[StudentRow]) -> Scope:
    years = {p.year_group for p in rng.sample(pupils, 2)} if rng.random() < 0.7 else set()
    tutors = {p.tutor_group for p in rng.sample(pupils, 2)} if rng.random() < 0.5 else set()
    return Scope(frozenset(years), frozenset(t for t in tutors if t))


def random_filter(rng: random.Random, categories, now: datetime) -> ChronologyFilter:
    chosen = frozenset(rng.sample(categories, rng.choice((0, 0, 1, 2))))
    days = [(now - timedelta(days=d)).date() for d in (0, 1, 40, 41, 200, 380, 901)]
    since, until = (rng.choice(days + [None, None]) for _ in range(2))
    if since and until and since > until:
        since, until = until, since
    return ChronologyFilter(chosen, since, until)


@pytest.fixture
async def records(demo_school, engine, uow_factory, clock):
    """A pupil with 40 random incidents (and some about others only) in the demo school."""
    school = demo_school.school_id
    async with uow_factory() as uow:
        staff = [s.id for s in await uow.staff.list(school)]
        categories = [c.id for c in await uow.categories.list(school)]
    async with AsyncSession(engine, expire_on_commit=False) as session, session.begin():
        pupils = list(
            await session.scalars(
                select(StudentRow).where(StudentRow.school_id == school).order_by(StudentRow.id)
            )
        )
        writer = Records(random.Random(20261207), school, staff, categories, clock.now())
        await writer.write(session, pupils[0].id, [p.id for p in pupils[1:8]], 40)
    return school, staff, categories, pupils[:8]


async def test_the_page_sql_decides_is_the_page_the_rules_in_python_make(
    records, uow_factory, clock
):
    school, staff, categories, pupils = records
    pupil, now, rng = pupils[0].id, clock.now(), random.Random(7)
    async with uow_factory() as uow:
        ids = list(await uow.incidents.of_student(pupil))
        facts = list((await uow.incidents.facts_of(school, ids)).values())
        actions = await uow.actions.heads(ids)
        decisions = await uow.cases.decisions(ids)
        shown, every_category = 0, []
        for _ in range(150):
            viewer, policy = random_reader(rng, staff, school, categories, pupils)
            chosen = random_filter(rng, categories, now)
            offset, limit = rng.choice((0, 0, 1, 5, 12, 60)), rng.choice((10, 10, 3, None))
            visible, held = readable_incidents(facts, viewer, policy, now)
            readable = {i.id for i in visible}
            entries, actions_held = chronology_entries(
                pupil,
                visible,
                [a for a in actions if a.incident_id in readable],
                [d for d in decisions if d.incident_id in readable],
                (viewer, policy, now),
            )
            found = matching(entries, chosen, ZONE)
            rules = reading_rules(viewer, policy, now)
            every_category.append(rules.every_category)
            query = chronology_query(pupil, chosen, ZONE, rules, (offset, limit))
            index = await uow.chronology.index(school, query)
            end = None if limit is None else offset + limit  # None: an export
            expected = [e.ref for e in found[offset:end]]
            assert list(index.page) == expected, (viewer, policy, chosen, offset, limit)
            assert index.total == len(found)
            assert index.held_back == held + actions_held
            assert {c.id: c.status for c in index.readable} == {i.id: i.status for i in visible}
            monitored = {
                c
                for i in visible
                if i.status != Status.CLOSED and i.monitors(pupil)
                for c in i.categories_for(pupil)
            }
            assert index.monitoring == monitored
            shown += len(expected)
    assert shown > 300  # the random readers saw a good deal, not nothing every time
    # Both shapes of the category test ran: readers of every category (the test left out) and
    # readers of some.
    assert every_category.count(True) > 10 and every_category.count(False) > 10
