"""Use cases for elevated access: enrol an authenticator, elevate with a code, reset (DSL)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from safeguarding.audit import AuditAction, staff_event
from safeguarding.clock import Clock
from safeguarding.errors import ElevationLocked, InvalidInput, NotAvailable, NotPermitted
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.second_factor import SecondFactor
from safeguarding.staff import StaffMember

DEFAULT_ELEVATION = timedelta(minutes=30)
WRONG_CODE = (
    "That code was not accepted. Check the six digits in your authenticator app and try again."
)


@dataclass(frozen=True)
class ElevationStatus:
    enrolled: bool
    pending: bool  # an enrolment was started and not yet confirmed
    elevated_until: datetime | None
    locked_until: datetime | None


@dataclass(frozen=True)
class Enrolment:
    """What the member of staff scans, shown once in their 1:1 chat."""

    provisioning_uri: str
    secret: str


@dataclass(frozen=True)
class Elevation:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    lasts: timedelta = DEFAULT_ELEVATION

    async def status(self, who: StaffMember) -> ElevationStatus:
        """Where this member of staff stands (no secret leaves storage)."""
        async with self.uow_factory() as uow:
            factor = await uow.second_factors.get(who.id)
        now = self.clock.now()
        return ElevationStatus(
            enrolled=bool(factor and factor.confirmed),
            pending=bool(factor and not factor.confirmed),
            elevated_until=factor.elevated_until if factor and factor.is_elevated(now) else None,
            locked_until=factor.locked_until if factor and factor.is_locked(now) else None,
        )

    async def pending_enrolment(self, who: StaffMember) -> Enrolment | None:
        """The enrolment still waiting for its first code (to show again after a wrong code)."""
        async with self.uow_factory() as uow:
            factor = await uow.second_factors.get(who.id)
        if factor is None or factor.confirmed:
            return None
        return Enrolment(factor.provisioning_uri(who.email), factor.secret)

    async def start_enrolment(self, who: StaffMember, conversation_type: str) -> Enrolment:
        """A new secret to scan; only in the 1:1 chat and only when not already enrolled."""
        if conversation_type != "personal":
            raise NotPermitted("enrolment happens in the 1:1 chat only")
        async with self.uow_factory() as uow:
            existing = await uow.second_factors.get(who.id, for_update=True)
            if existing is not None and existing.confirmed:
                raise NotPermitted("already enrolled: the DSL can reset it")
            factor = SecondFactor.new(who.id)
            await uow.second_factors.save(factor)
            await self._audit(uow, who, AuditAction.ELEVATION_ENROLMENT_STARTED, conversation_type)
            await uow.commit()
        return Enrolment(factor.provisioning_uri(who.email), factor.secret)

    async def submit_code(self, who: StaffMember, code: str, conversation_type: str) -> datetime:
        """Confirm an enrolment or elevate; returns until when. Wrong codes raise InvalidInput,
        and ElevationLocked once too many were wrong."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            factor = await uow.second_factors.get(who.id, for_update=True)
            if factor is None:
                raise NotPermitted("not enrolled")
            if factor.is_locked(now):
                await self._audit(uow, who, AuditAction.ELEVATION_LOCKED_OUT, conversation_type)
                await uow.commit()
                raise ElevationLocked(factor.locked_until or now)
            accepted = factor.try_code(code, now, self.lasts)
            await uow.second_factors.save(factor)
            action = AuditAction.ELEVATION_GRANTED if accepted else AuditAction.ELEVATION_FAILED
            await self._audit(uow, who, action, conversation_type)
            await uow.commit()
        if not accepted:
            if factor.is_locked(now):
                raise ElevationLocked(factor.locked_until or now)
            raise InvalidInput({"code": WRONG_CODE})
        assert factor.elevated_until is not None
        return factor.elevated_until

    async def record_prompt(self, who: StaffMember, conversation_type: str) -> None:
        """Audit that Kestrel asked this member of staff for a code."""
        async with self.uow_factory() as uow:
            await self._audit(uow, who, AuditAction.ELEVATION_PROMPTED, conversation_type)
            await uow.commit()

    async def resettable_colleagues(self, actor: StaffMember) -> list[StaffMember]:
        """Colleagues with an authenticator, for the DSL team's reset list (others: none)."""
        if not actor.leads_safeguarding:
            return []
        async with self.uow_factory() as uow:
            return [
                s for s in await uow.second_factors.enrolled(actor.school_id) if s.id != actor.id
            ]

    async def reset(self, actor: StaffMember, staff_id: int, conversation_type: str) -> None:
        """The DSL team clears a colleague's enrolment; anything else is refused and audited."""
        async with self.uow_factory() as uow:
            target = await uow.staff.by_id(actor.school_id, staff_id)
            allowed = actor.leads_safeguarding and target is not None
            if allowed:
                await uow.second_factors.delete(staff_id)
            await uow.audit.append(
                staff_event(
                    actor,
                    AuditAction.ELEVATION_RESET if allowed else AuditAction.ACCESS_REFUSED,
                    self.clock.now(),
                    conversation_type,
                    record_type="staff",
                    record_id=staff_id,
                    detail=None if allowed else {"verb": "elevation.reset"},
                )
            )
            await uow.commit()
        if not allowed:
            raise NotAvailable()

    async def _audit(
        self, uow: UnitOfWork, who: StaffMember, action: AuditAction, conversation_type: str
    ) -> None:
        event = staff_event(
            who, action, self.clock.now(), conversation_type, record_type="staff", record_id=who.id
        )
        await uow.audit.append(event)
