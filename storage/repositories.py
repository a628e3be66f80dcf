"""SQL implementations of the domain repositories; they map rows to domain objects, never commit."""

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Row,
    bindparam,
    delete,
    event,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.util import greenlet_spawn

from safeguarding.chats import ChatAddress
from safeguarding.clock import Clock
from safeguarding.identity import Identified
from safeguarding.school import School, Student
from safeguarding.school_settings import SchoolDraft, Term, TermDraft
from safeguarding.staff import Role, StaffMember
from storage import direct
from storage.direct import Rows
from storage.models import (
    AlertGroupMemberRow,
    ChatAddressRow,
    SchoolRow,
    StaffRow,
    StudentRow,
    TermDateRow,
    WorkingSchoolRow,
)
from storage.unions import TaggedUnion


class SqlSchools:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session, self.clock = session, clock

    async def by_tenant(self, tenant_id: str) -> School | None:
        """The tenant's first school (by id): a trust holds several."""
        row = await self.session.scalar(
            select(SchoolRow).where(SchoolRow.tenant_id == tenant_id).order_by(SchoolRow.id)
        )
        return _school(row) if row else None

    async def by_id(self, school_id: int) -> School | None:
        row = await self.session.get(SchoolRow, school_id)
        return _school(row) if row else None

    async def list(self) -> Sequence[School]:
        rows = await self.session.scalars(select(SchoolRow).order_by(SchoolRow.id))
        return [_school(row) for row in rows]

    async def ensure(
        self, name: str, tenant_id: str, time_zone: str, *, oldest: bool = True
    ) -> School:
        """The tenant's school of this name (else, with `oldest`, its first school: a renamed
        school re-seeded); created when there is none."""
        rows = list(
            await self.session.scalars(
                select(SchoolRow).where(SchoolRow.tenant_id == tenant_id).order_by(SchoolRow.id)
            )
        )
        named = [r for r in rows if r.name == name]
        row = named[0] if named else rows[0] if rows and oldest else None
        if row is None:
            row = SchoolRow(tenant_id=tenant_id, created_at=self.clock.now())
            self.session.add(row)
        row.name, row.time_zone = name, time_zone
        await self.session.flush()
        return _school(row)

    async def update(self, school_id: int, seen: int, draft: SchoolDraft) -> bool:
        """Change the school's settings if they are still at the version the card showed."""
        moved = await self.session.execute(
            update(SchoolRow)
            .where(SchoolRow.id == school_id, SchoolRow.version == seen)
            .values(
                version=seen + 1,
                name=draft.name,
                time_zone=draft.time_zone,
                escalate_minutes=draft.escalate_minutes,
                year_groups=list(draft.year_groups) or None,
            )
        )
        return moved.rowcount == 1

    async def terms(self, school_id: int) -> Sequence[Term]:
        """The school's terms, in date order."""
        rows = await self.session.scalars(
            select(TermDateRow)
            .where(TermDateRow.school_id == school_id)
            .order_by(TermDateRow.starts_on)
        )
        return [Term(r.id, r.name, r.starts_on, r.ends_on) for r in rows]

    async def add_term(self, school_id: int, term: TermDraft) -> int:
        row = TermDateRow(
            school_id=school_id, name=term.name, starts_on=term.starts_on, ends_on=term.ends_on
        )
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def remove_term(self, school_id: int, term_id: int) -> bool:
        """Take a term off the school's dates; False when it was not there."""
        removed = await self.session.execute(
            delete(TermDateRow).where(TermDateRow.id == term_id, TermDateRow.school_id == school_id)
        )
        return removed.rowcount == 1


class SqlStaff:
    def __init__(self, session: AsyncSession, clock: Clock) -> None:
        self.session, self.clock = session, clock

    async def by_identity(self, tenant_id: str, aad_object_id: str) -> Identified | None:
        """This person's row in the first of their schools (all of them: `of_person`)."""
        found = (
            await self.session.execute(
                select(StaffRow, SchoolRow)
                .join(SchoolRow, SchoolRow.id == StaffRow.school_id)
                .where(SchoolRow.tenant_id == tenant_id, StaffRow.aad_object_id == aad_object_id)
                .order_by(SchoolRow.id)
            )
        ).first()
        return Identified(staff_member(found[0]), _school(found[1])) if found else None

    async def of_person(self, tenant_id: str, aad_object_id: str) -> Sequence[Identified]:
        """Every staff row of one person (tenant, Entra object id), one per school, by school,
        each with the chat address kept for it (read in the same statement: a press compares
        its chat's address with it without another read)."""
        person = {"tenant": tenant_id, "person": aad_object_id}
        school_at, chat_at = len(_STAFF_COLUMNS), len(_STAFF_COLUMNS) + len(_SCHOOL_COLUMNS)
        found = []
        for row in await plain_rows(self.session, _OF_PERSON, person):
            staff, school, chat = row[:school_at], row[school_at:chat_at], row[chat_at:]
            address = ChatAddress(*chat) if chat[0] is not None else None
            found.append(Identified(_staff_of(staff), _school_of(school), chats=(address,)))
        return found

    async def working_school(self, tenant_id: str, aad_object_id: str) -> int | None:
        """The school this person last chose to work in (`school` command), if any."""
        row = await self.session.get(WorkingSchoolRow, (tenant_id, aad_object_id))
        return row.school_id if row is not None else None

    async def set_working_school(self, tenant_id: str, aad_object_id: str, school_id: int) -> None:
        row = await self.session.get(WorkingSchoolRow, (tenant_id, aad_object_id))
        if row is None:
            row = WorkingSchoolRow(tenant_id=tenant_id, aad_object_id=aad_object_id)
            self.session.add(row)
        row.school_id, row.updated_at = school_id, self.clock.now()
        await self.session.flush()

    async def ensure(
        self, school_id: int, aad_object_id: str, display_name: str, email: str, role: Role
    ) -> StaffMember:
        row = await self.session.scalar(
            select(StaffRow).where(
                StaffRow.school_id == school_id, StaffRow.aad_object_id == aad_object_id
            )
        )
        now = self.clock.now()
        if row is None:
            # Role and active are set once: re-running a seed must not undo an administrator's
            # later change (a leader's deactivation, a new role).
            row = StaffRow(school_id=school_id, aad_object_id=aad_object_id, created_at=now)
            row.role, row.active = role.value, True
            self.session.add(row)
        row.display_name, row.email, row.updated_at = display_name, email, now
        await self.session.flush()
        return staff_member(row)

    async def list(self, school_id: int) -> Sequence[StaffMember]:
        rows = await plain_rows(self.session, _LIST, {"school": school_id})
        return [staff_member(row) for row in rows]

    async def alertable(
        self,
        school_id: int,
        staff_ids: Iterable[int],
        aad_ids: Iterable[str],
        group_ids: Iterable[int],
    ) -> Sequence[StaffMember]:
        """The school's staff among these (by id or Entra object id) or in these groups:
        whom a form's alerts can reach, read without the rest of the staff list."""
        found = {
            "school": school_id,
            "ids": sorted(staff_ids),
            "aads": sorted(aad_ids),
            "groups": sorted(group_ids),
        }
        if not (found["ids"] or found["aads"] or found["groups"]):
            return []
        return [staff_member(row) for row in await plain_rows(self.session, _ALERTABLE, found)]

    async def names(self, school_id: int) -> dict[int, str]:
        """Every colleague's name by id (what most views need of the staff list: two columns,
        no objects)."""
        rows = await plain_rows(self.session, _NAMES, {"school": school_id})
        return {staff_id: name for staff_id, name in rows}

    async def set_hide_names(self, staff_id: int, hide: bool) -> None:
        row = await self.session.get(StaffRow, staff_id)
        if row is not None:
            row.hide_names, row.updated_at = hide, self.clock.now()
            await self.session.flush()

    async def by_id(self, school_id: int, staff_id: int) -> StaffMember | None:
        rows = await plain_rows(self.session, _BY_ID, {"staff": staff_id})
        return _staff_of(rows[0]) if rows and rows[0].school_id == school_id else None

    async def update(
        self, staff_id: int, seen: int, role: Role, active: bool, deactivated_here: bool
    ) -> bool:
        """Set role and active (and whether Kestrel's own switch turned them off) if the
        colleague is still at the version the card showed."""
        values = {"role": role.value, "active": active, "deactivated_here": deactivated_here}
        return await self.bump(staff_id, seen, **values)

    async def set_from_directory(
        self, staff_id: int, seen: int, display_name: str, email: str, role: Role, active: bool
    ) -> bool:
        """Name, email, role and active as Microsoft Entra has them (a sync), if still at `seen`."""
        values = {"display_name": display_name, "email": email, "role": role.value}
        return await self.bump(staff_id, seen, active=active, **values)

    async def bump(self, staff_id: int, seen: int, **values: object) -> bool:
        """The colleague's next version (with these changes), if still at `seen`."""
        moved = await self.session.execute(
            update(StaffRow)
            .where(StaffRow.id == staff_id, StaffRow.version == seen)
            .values(version=seen + 1, updated_at=self.clock.now(), **values)
        )
        return moved.rowcount == 1


def _school_of(values: Sequence) -> School:
    """A School from `_SCHOOL_COLUMNS`' values."""
    school_id, name, tenant_id, time_zone, escalate_minutes, years, version = values
    return School(
        school_id, name, tenant_id, time_zone, escalate_minutes, tuple(years or ()), version
    )


def _staff_of(values: Sequence) -> StaffMember:
    """A StaffMember from `_STAFF_COLUMNS`' values."""
    staff_id, school_id, aad_object_id, name, email, role, active, hide_names, version, here = (
        values
    )
    return StaffMember(
        staff_id,
        school_id,
        aad_object_id,
        name,
        email,
        Role(role),
        active,
        hide_names,
        version,
        here,
    )


def _school(row: SchoolRow) -> School:
    return _school_of([getattr(row, column.key) for column in _SCHOOL_COLUMNS])


def staff_member(row: StaffRow | Row) -> StaffMember:
    """The domain view of a staff row."""
    return _staff_of([getattr(row, column.key) for column in _STAFF_COLUMNS])


def student_of(row: StudentRow) -> Student:
    """The domain view of a student row."""
    return Student(
        id=row.id,
        school_id=row.school_id,
        upn=row.upn,
        first_name=row.first_name,
        last_name=row.last_name,
        year_group=row.year_group,
        tutor_group=row.tutor_group,
        house=row.house,
        preferred_name=row.preferred_name,
        mis_id=row.mis_id,
        date_of_birth=row.date_of_birth,
        provisional=row.provisional,
        left_on=row.left_on,
        merged_into=row.merged_into,
    )


# Each dialect's INSERT, which can say what to do ON CONFLICT.
INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def insert_or(session: AsyncSession, model):
    """An INSERT that can say what to do ON CONFLICT, in this session's dialect."""
    return INSERTS[session.get_bind().dialect.name](model)


async def plain_execute(session: AsyncSession, statement, params: dict) -> Rows:
    """A statement run on the session's connection, in its transaction, after flushing what
    the press has changed so far (as `session.execute` would): Core, no ORM, run on the
    driver's connection (storage/direct.py). For plain rows and for writes to rows no ORM
    object of the press holds (an UPDATE here does not refresh loaded objects). Every row is
    fetched. Within `read_together`, reads started together are one statement."""
    gathering = session.info.get(_GATHERING)
    if gathering is not None:
        return await gathering.execute(statement, params)
    connection = await greenlet_spawn(_connection, session.sync_session)
    return await direct.execute(connection, statement, params)


_GATHERING = "kestrel.gathering"
# Where a statement costs a round trip to a server. SQLite runs in this process: its reads run
# one after another, as a union of them cost more to plan and run than the statements it
# replaced (docs/benchmarks.md, round 10).
TOGETHER_ON = {"postgresql"}


class _Gathering:
    """`read_together`'s reads: those that start while others wait go to the database as one
    statement (`direct.execute_together`) when `batching`; one at a time on the connection."""

    def __init__(self, connection: Connection, batching: bool) -> None:
        self.connection, self.batching, self.lock = connection, batching, asyncio.Lock()
        self.waiting: list[tuple[ClauseElement, dict, asyncio.Future]] | None = None

    async def execute(self, statement, params: dict) -> direct.Rows:
        if statement.is_dml:
            raise RuntimeError("read_together runs reads only")
        if not self.batching or not direct.can_go_together(statement):
            async with self.lock:
                return await direct.execute(self.connection, statement, params)
        if self.waiting is not None:  # another read leads this batch: it runs this one too
            joined = asyncio.get_running_loop().create_future()
            self.waiting.append((statement, params, joined))
            return await joined
        batch = self.waiting = []
        try:
            # The reads started beside this one join it, and those that they start in turn
            # (reads together within reads together, a loop turn later for each level): it
            # waits until two turns of the loop have added none.
            quiet, grown = 0, 0
            while quiet < 2:
                await asyncio.sleep(0)
                quiet, grown = (quiet + 1 if len(batch) == grown else 0), len(batch)
            self.waiting = None
            async with self.lock:
                reads = [(statement, params), *((s, p) for s, p, _ in batch)]
                first, *others = await direct.execute_together(self.connection, reads)
        except BaseException as error:
            if self.waiting is batch:
                self.waiting = None
            for _, _, joined in batch:
                if not joined.done():
                    joined.set_exception(error)
            raise
        for (_, _, joined), rows in zip(batch, others, strict=True):
            if not joined.done():
                joined.set_result(rows)
        return first


async def read_together(session: AsyncSession, *reads: Awaitable[Any]) -> tuple:
    """The reads' results, in order: reads that do not depend on each other. On a database
    server (`TOGETHER_ON`) they run at once so that their statements go to it as one (one
    round trip instead of one each; `direct.execute_together`); elsewhere one after another.
    Each must read through `plain_execute` alone: a write, or a statement through the ORM, is
    refused while they run (on any database: they share one connection)."""
    gathering = session.info.get(_GATHERING)
    if gathering is not None:  # within reads run together: these join them
        return await _all(reads, gathering.batching)
    connection = await greenlet_spawn(_connection, session.sync_session)
    gathering = _Gathering(connection, connection.dialect.name in TOGETHER_ON)
    session.info[_GATHERING] = gathering
    try:
        return await _all(reads, gathering.batching)
    finally:
        del session.info[_GATHERING]


async def _all(reads: Sequence[Awaitable[Any]], at_once: bool) -> tuple:
    """The reads' results in order, run at once (else one after another); one failing stops
    the others, and its error is raised as if they had run one after another."""
    if not at_once:
        done: list = []
        for read in reads:
            try:
                done.append(await read)
            except BaseException:
                for later in reads[len(done) + 1 :]:
                    getattr(later, "close", lambda: None)()  # never started: closed, not left
                raise
        return tuple(done)
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(read) for read in reads]
    except BaseExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return tuple(task.result() for task in tasks)


@event.listens_for(Session, "do_orm_execute")
def _no_orm_while_gathering(state: ORMExecuteState) -> None:
    if _GATHERING in state.session.info:
        raise RuntimeError("read_together's reads go through plain_execute, not the ORM")


async def plain_execute_many(session: AsyncSession, statement, rows: list[dict]) -> None:
    """A write (`plain_execute`) once for each of `rows`, in one call to the driver."""
    if rows:
        connection = await greenlet_spawn(_connection, session.sync_session)
        await direct.execute_many(connection, statement, rows)


def _connection(session: Session) -> Connection:
    """The session's connection (one trip into SQLAlchemy's greenlet for the flush and the
    connection, not one each)."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection()


async def plain_rows(session: AsyncSession, statement, params: dict) -> list[Row]:
    """A select's rows as plain rows (`plain_execute`)."""
    return (await plain_execute(session, statement, params)).all()


async def plain_scalars(session: AsyncSession, statement, params: dict) -> list:
    """A select's first column, every row (`plain_execute`)."""
    return (await plain_execute(session, statement, params)).scalars()


async def plain_scalar(session: AsyncSession, statement, params: dict):
    """A select's first column of its first row, or None (`plain_execute`)."""
    return (await plain_execute(session, statement, params)).scalar()


async def tagged_rows(
    session: AsyncSession, union: TaggedUnion, params: dict
) -> dict[str, list[tuple]]:
    """A `tagged_union`'s rows, run as `plain_rows`: each part's own columns, by part name
    (every part named, with no rows if it found none), in the result's order."""
    statement, at = union
    pick = {name: _picker(positions) for name, positions in at.items()}
    parts: dict[str, list[tuple]] = {name: [] for name in at}
    for row in await plain_rows(session, statement, params):
        parts[row[0]].append(pick[row[0]](row))
    return parts


def _picker(positions: tuple[int, ...]) -> Callable[[Row], tuple]:
    if len(positions) == 1:
        (only,) = positions
        return lambda row: (row[only],)
    return itemgetter(*positions)


def utc(moment: datetime) -> datetime:
    """A stored time as UTC: SQLite hands back naive datetimes; Kestrel stores UTC only."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def chat_address(row: ChatAddressRow | None) -> ChatAddress | None:
    if row is None:
        return None
    return ChatAddress(row.conversation_id, row.service_url, row.tenant_id, row.bot_id, row.user_id)


# Every press identifies its caller with this read: built once (bound parameters `tenant` and
# `person`), since building and keying it again cost more than running it.
_STAFF_COLUMNS = (  # what a StaffMember is made of (`staff_member`), in its order
    StaffRow.id,
    StaffRow.school_id,
    StaffRow.aad_object_id,
    StaffRow.display_name,
    StaffRow.email,
    StaffRow.role,
    StaffRow.active,
    StaffRow.hide_names,
    StaffRow.version,
    StaffRow.deactivated_here,
)
_SCHOOL_COLUMNS = (  # what a School is made of (`_school`), in its order
    SchoolRow.id,
    SchoolRow.name,
    SchoolRow.tenant_id,
    SchoolRow.time_zone,
    SchoolRow.escalate_minutes,
    SchoolRow.year_groups,
    SchoolRow.version,
)
_CHAT_COLUMNS = (  # a ChatAddress, in its order
    ChatAddressRow.conversation_id,
    ChatAddressRow.service_url,
    ChatAddressRow.tenant_id,
    ChatAddressRow.bot_id,
    ChatAddressRow.user_id,
)
_LIST = (  # plain rows of what a StaffMember is made of, not objects: recording reads them all
    select(*_STAFF_COLUMNS)
    .where(StaffRow.school_id == bindparam("school"))
    .order_by(StaffRow.display_name)
)
_BY_ID = select(*_STAFF_COLUMNS).where(StaffRow.id == bindparam("staff"))
_ALERTABLE = (
    select(*_STAFF_COLUMNS)
    .where(
        StaffRow.school_id == bindparam("school"),
        or_(
            StaffRow.id.in_(bindparam("ids", expanding=True)),
            StaffRow.aad_object_id.in_(bindparam("aads", expanding=True)),
            StaffRow.id.in_(
                select(AlertGroupMemberRow.staff_id).where(
                    AlertGroupMemberRow.group_id.in_(bindparam("groups", expanding=True))
                )
            ),
        ),
    )
    .order_by(StaffRow.display_name)
)
_NAMES = (
    select(StaffRow.id, StaffRow.display_name)
    .where(StaffRow.school_id == bindparam("school"))
    .order_by(StaffRow.display_name)  # as the list: some views show them in this order
)
_OF_PERSON = (  # plain rows (no ORM objects): staff, school and chat columns, in turn
    select(*_STAFF_COLUMNS, *_SCHOOL_COLUMNS, *_CHAT_COLUMNS)
    .join(SchoolRow, SchoolRow.id == StaffRow.school_id)
    .outerjoin(ChatAddressRow, ChatAddressRow.staff_id == StaffRow.id)
    .where(
        SchoolRow.tenant_id == bindparam("tenant"), StaffRow.aad_object_id == bindparam("person")
    )
    .order_by(SchoolRow.id)
)
