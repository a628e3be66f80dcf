"""Exclusions: the DSL bars a member of staff from a pupil's record (own child, relative,
named in an allegation). Whatever their role, they then see nothing of it and get no alerts."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from safeguarding.audit import AuditAction, staff_event
from safeguarding.clock import Clock
from safeguarding.errors import NotAvailable
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.school import Student
from safeguarding.staff import Role, StaffMember


class ExclusionReason(StrEnum):
    OWN_CHILD = "own_child"
    RELATIVE = "relative"
    ALLEGATION = "allegation"  # named in an allegation (LADO)
    OTHER = "other"


REASONS = frozenset(reason.value for reason in ExclusionReason)
REASON_WORDS = {
    ExclusionReason.OWN_CHILD: "Own child",
    ExclusionReason.RELATIVE: "Relative",
    ExclusionReason.ALLEGATION: "Named in an allegation",
    ExclusionReason.OTHER: "Other conflict of interest",
}


@dataclass(frozen=True)
class ActiveExclusion:
    """One exclusion in force, as the DSL's list shows it."""

    exclusion_id: int
    staff_name: str
    student: Student
    reason: str
    set_by_name: str
    set_at: datetime


@dataclass(frozen=True)
class Exclusions:
    uow_factory: UnitOfWorkFactory
    clock: Clock

    async def active(self, actor: StaffMember, conversation_type: str) -> list[ActiveExclusion]:
        """The exclusions in force (DSL only; the list itself is a view of pupils, so audited)."""
        async with self.uow_factory() as uow:
            if actor.role != Role.DSL:
                await self._refuse(uow, actor, None, "exclusion.list", conversation_type)
                raise NotAvailable()
            found = list(await uow.access.active_exclusions(actor.school_id))
            await self._audit(
                uow,
                actor,
                AuditAction.EXCLUSIONS_VIEWED,
                None,
                conversation_type,
                {"shown": len(found)},
            )
            await uow.commit()
        return found

    async def colleagues(self, actor: StaffMember) -> list[StaffMember]:
        """Who the DSL may exclude: every other active member of staff (DSL only)."""
        if actor.role != Role.DSL:
            return []
        async with self.uow_factory() as uow:
            staff = await uow.staff.list(actor.school_id)
        return [s for s in staff if s.id != actor.id and s.active]

    async def exclude(
        self,
        actor: StaffMember,
        staff_id: int,
        student_id: int,
        reason: str,
        conversation_type: str,
    ) -> int:
        """Bar a colleague from a pupil; only the DSL may, and never themselves."""
        async with self.uow_factory() as uow:
            target = await uow.staff.by_id(actor.school_id, staff_id)
            pupil = await uow.students.by_id(actor.school_id, student_id)
            allowed = (
                actor.role == Role.DSL
                and target is not None
                and pupil is not None
                and target.id != actor.id
                and reason in REASONS
            )
            if not allowed:
                await self._refuse(uow, actor, student_id, "exclusion.set", conversation_type)
                raise NotAvailable()
            exclusion = await uow.access.add_exclusion(
                actor.school_id, staff_id, student_id, reason, actor.id, self.clock.now()
            )
            await self._audit(
                uow,
                actor,
                AuditAction.EXCLUSION_SET,
                student_id,
                conversation_type,
                {"exclusion": exclusion, "staff": staff_id, "reason": reason},
            )
            await uow.commit()
        return exclusion

    async def lift(self, actor: StaffMember, exclusion_id: int, conversation_type: str) -> None:
        """End an exclusion (kept in the record as lifted, with who and when)."""
        async with self.uow_factory() as uow:
            student_id = None
            if actor.role == Role.DSL:
                student_id = await uow.access.lift_exclusion(
                    actor.school_id, exclusion_id, actor.id, self.clock.now()
                )
            if student_id is None:
                await self._refuse(uow, actor, None, "exclusion.lift", conversation_type)
                raise NotAvailable()
            await self._audit(
                uow,
                actor,
                AuditAction.EXCLUSION_LIFTED,
                student_id,
                conversation_type,
                {"exclusion": exclusion_id},
            )
            await uow.commit()

    async def _refuse(
        self,
        uow: UnitOfWork,
        actor: StaffMember,
        student_id: int | None,
        verb: str,
        conversation: str,
    ) -> None:
        await self._audit(
            uow, actor, AuditAction.ACCESS_REFUSED, student_id, conversation, {"verb": verb}
        )
        await uow.commit()

    async def _audit(
        self,
        uow: UnitOfWork,
        actor: StaffMember,
        action: AuditAction,
        student_id: int | None,
        conversation_type: str,
        detail: dict[str, object],
    ) -> None:
        await uow.audit.append(
            staff_event(
                actor,
                action,
                self.clock.now(),
                conversation_type,
                record_type="student" if student_id is not None else None,
                record_id=student_id,
                detail=detail,
            )
        )
