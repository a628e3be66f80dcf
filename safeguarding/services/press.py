"""One press: a button or a command, served by one use case in one unit of work.

The edge (bot/) knows who claims to be calling and from which chat (`Request`); `run_press`
opens one unit of work, identifies the member of staff in it, keeps their chat address, runs
the use case with a `Press` (everything it needs, already open) and commits once. A use case
returns a typed outcome (safeguarding/outcomes.py) that the edge turns into a card.

A `Refusal` raised on purpose (not recognised, not available, a code needed) is kept: its audit
event was written in the press, so the press commits before the refusal reaches the edge.
Anything else rolls the whole press back: nothing half-done is stored.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Generic, NoReturn, Protocol, TypeVar

from safeguarding.audit import AuditAction, AuditEvent, staff_event
from safeguarding.chats import ChatAddress
from safeguarding.clock import Clock
from safeguarding.errors import NeedsElevation, NotAvailable, NotRecognised, Refusal
from safeguarding.identity import Caller, Identified, TenantPolicy, fingerprint
from safeguarding.imports import DEFAULT_STALE_AFTER
from safeguarding.outcomes import NeedsCode
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.school import School
from safeguarding.staff import StaffMember

DEFAULT_ELEVATION = timedelta(minutes=30)
MAX_ATTACHMENT_BYTES = 20 * 2**20


@dataclass(frozen=True)
class Rules:
    """The settings use cases follow, from configuration (one set for the process)."""

    tenant_policy: TenantPolicy = field(default_factory=lambda: TenantPolicy(None))
    escalate_after: timedelta = timedelta(minutes=15)  # urgent concerns nobody has read
    elevation_lasts: timedelta = DEFAULT_ELEVATION
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES
    import_stale_after: timedelta = DEFAULT_STALE_AFTER  # the roster's import status: Stale
    # KESTREL_ROLE_GROUPS: (role, Entra group id) pairs; roles then come from the directory.
    role_groups: tuple[tuple[str, str], ...] = ()


class Presser(Protocol):
    """Who is pressing, as the edge knows it before anything is looked up: a Teams caller
    (Request), a signed link's holder (services/links.py) or a known member of staff (AsStaff,
    for seeding, benches and tests)."""

    conversation: str
    chat: ChatAddress | None
    message_id: str

    async def identify(self, uow: UnitOfWork, rules: "Rules", now: datetime) -> Identified: ...


@dataclass(frozen=True)
class Request:
    """A Teams activity's sender: what it claims, the 1:1 chat's address, the card pressed."""

    caller: Caller
    chat: ChatAddress | None = None  # a 1:1 chat's address, kept for alerts
    message_id: str = ""  # the card's message a button was pressed on (replyToId), if any
    channel: ChatAddress | None = None  # a team channel's address (for `triage here`)
    school: int | None = None  # the school a button's record is in (its `school` hint), if any

    @property
    def conversation(self) -> str:
        return self.caller.conversation_type or "personal"

    async def identify(self, uow: UnitOfWork, rules: "Rules", now: datetime) -> Identified:
        return await identify(uow, self.caller, rules.tenant_policy, now, self.school)


@dataclass(frozen=True)
class AsStaff:
    """A member of staff already known (seeding, benches, tests): nobody to identify."""

    staff: StaffMember
    conversation: str = "personal"
    chat: ChatAddress | None = None
    message_id: str = ""

    async def identify(self, uow: UnitOfWork, rules: "Rules", now: datetime) -> Identified:
        school = await uow.schools.by_id(self.staff.school_id)
        if school is None:
            raise NotAvailable()
        return Identified(self.staff, school)


@dataclass(frozen=True)
class Press:
    """One press inside its unit of work: who is acting, where, when, and the rules."""

    uow: UnitOfWork
    who: Identified
    conversation: str
    now: datetime
    rules: Rules
    message_id: str = ""

    @property
    def staff(self) -> StaffMember:
        return self.who.staff

    @property
    def school(self) -> School:
        return self.who.school

    @property
    def escalate_after(self) -> timedelta:
        """How long an urgent concern's alerts may go unread: the school's, else the setting's."""
        minutes = self.school.escalate_minutes
        return timedelta(minutes=minutes) if minutes else self.rules.escalate_after

    @property
    def hide_names(self) -> bool:
        """Whether this member of staff sees pupils' initials here (their Hide names setting)."""
        return self.staff.hides_names_in(self.conversation)

    async def audit(
        self,
        action: AuditAction,
        record: tuple[str, int] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Write an audit event by this member of staff, in this press's transaction."""
        record_type, record_id = record if record is not None else (None, None)
        await self.uow.audit.append(
            staff_event(
                self.staff,
                action,
                self.now,
                self.conversation,
                record_type=record_type,
                record_id=record_id,
                detail=detail,
            )
        )

    async def refuse(self, verb: str, record: tuple[str, int] | None = None) -> NoReturn:
        """Refused on purpose: audited (against the record asked for), then NotAvailable; the
        press keeps the event and the answer is the same whether the record exists or not."""
        await self.audit(AuditAction.ACCESS_REFUSED, record, {"verb": verb[:40]})
        raise NotAvailable()


T = TypeVar("T")


@dataclass(frozen=True)
class Pressed(Generic[T]):
    """A finished press: who it was (for rendering) and the use case's outcome."""

    who: Identified
    outcome: T


UseCase = Callable[..., Awaitable[Any]]


async def run_press(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    rules: Rules,
    request: Presser,
    use_case: UseCase,
    *args: Any,
) -> Pressed[Any]:
    """Identify, keep the chat address, run the use case and commit: one transaction."""
    now = clock.now()
    async with uow_factory() as uow:
        try:
            who = await request.identify(uow, rules, now)
        except Refusal:
            await uow.commit()  # the refusal's audit event
            raise
        if request.chat is not None:
            await keep_chats(uow, who, request.chat, now)
        press = Press(uow, who, request.conversation, now, rules, request.message_id)
        try:
            outcome = await use_case(press, *args)
        except NeedsElevation as needed:
            outcome = NeedsCode(needed.incident_id, enrolled=await enrolled(uow, who.staff))
        except Refusal:
            await uow.commit()
            raise
        await uow.commit()
        return Pressed(who, outcome)


async def identify(
    uow: UnitOfWork, caller: Caller, policy: TenantPolicy, now: datetime, hint: int | None = None
) -> Identified:
    """The active member of staff behind this caller, in the school the press names (`hint`),
    else their working school, else their first; NotRecognised (audited) otherwise."""
    tenant_id, aad_object_id = caller.tenant_id.lower(), caller.aad_object_id.lower()
    school = None
    reason = "no_identity"
    if tenant_id and aad_object_id:
        reason = "tenant_not_allowed"
        if policy.allows(tenant_id):
            rows = await uow.staff.of_person(tenant_id, aad_object_id)
            active = [r for r in rows if r.staff.active]
            chosen = await _working_row(uow, tenant_id, aad_object_id, active, hint)
            if chosen is not None:
                schools, ids = tuple(r.school for r in active), tuple(r.staff.id for r in active)
                chats = [r.chats[0] for r in active if r.chats]
                known = tuple(chats) if len(chats) == len(active) else None
                return replace(chosen, schools=schools, staff_ids=ids, chats=known)
            school = await uow.schools.by_tenant(tenant_id)
            if active:
                # A button naming a school this person does not work in: refused, never
                # answered from another of their schools (recorded in the school it named).
                reason, school = "not_in_school", await _in_tenant(uow, tenant_id, hint, school)
            elif school is not None:
                reason = "inactive_staff" if rows else "unknown_staff"
    await uow.audit.append(
        AuditEvent(
            action=AuditAction.IDENTITY_REFUSED,
            occurred_at=now,
            school_id=school.id if school else None,
            conversation_type=caller.conversation_type or None,
            detail={"reason": reason, "caller": fingerprint(caller)},
        )
    )
    raise NotRecognised(reason)


async def _working_row(
    uow: UnitOfWork,
    tenant_id: str,
    aad_object_id: str,
    active: list[Identified],
    hint: int | None,
) -> Identified | None:
    """Which of a person's active rows this press works in (None: the hint names no school
    of theirs, or they have none)."""
    by_school = {row.school.id: row for row in active}
    if hint is not None:
        return by_school.get(hint)
    if len(active) > 1:
        working = await uow.staff.working_school(tenant_id, aad_object_id)
        return by_school.get(working or 0, active[0])
    return active[0] if active else None


async def _in_tenant(
    uow: UnitOfWork, tenant_id: str, school_id: int | None, fallback: School | None
) -> School | None:
    """The school a refused press named, when it is in the caller's tenant."""
    named = await uow.schools.by_id(school_id) if school_id else None
    return named if named is not None and named.tenant_id == tenant_id else fallback


async def keep_chats(uow: UnitOfWork, who: Identified, address: ChatAddress, now: datetime) -> None:
    """One person has one 1:1 chat with Kestrel whatever school they press in: it is kept for
    each of their active staff rows, so an alert from any of their schools reaches them."""
    staff_ids = who.staff_ids or (who.staff.id,)
    kept = who.chats if who.chats is not None and len(who.chats) == len(staff_ids) else None
    for i, staff_id in enumerate(staff_ids):
        current = kept[i] if kept is not None else await uow.chats.get(staff_id)
        if current != address:
            await uow.chats.save(staff_id, address, now)


async def enrolled(uow: UnitOfWork, staff: StaffMember) -> bool:
    """Whether this member of staff has a confirmed authenticator (for the code prompt)."""
    factor = await uow.second_factors.get(staff.id)
    return bool(factor and factor.confirmed)
