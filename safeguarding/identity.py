"""Who is talking: map a Teams caller to a member of staff, or refuse and audit the refusal."""

import hashlib
from dataclasses import dataclass

from safeguarding.audit import AuditAction, AuditEvent
from safeguarding.clock import Clock
from safeguarding.errors import NotRecognised
from safeguarding.ports import UnitOfWorkFactory
from safeguarding.school import School
from safeguarding.staff import StaffMember


@dataclass(frozen=True)
class Caller:
    """What an activity says about its sender (signed by the Bot Connector when auth is on)."""

    tenant_id: str
    aad_object_id: str
    conversation_type: str


@dataclass(frozen=True)
class Identified:
    """The member of staff behind a turn, and their school."""

    staff: StaffMember
    school: School


@dataclass(frozen=True)
class TenantPolicy:
    """Which Entra tenants may use Kestrel; `None` means any tenant that has a school here."""

    allowed: frozenset[str] | None

    def allows(self, tenant_id: str) -> bool:
        """Whether configuration lets this tenant in (it must also be home to a school)."""
        return self.allowed is None or tenant_id in self.allowed


async def identify_staff(
    caller: Caller, *, policy: TenantPolicy, uow_factory: UnitOfWorkFactory, clock: Clock
) -> Identified:
    """The active member of staff behind this caller; raises NotRecognised (audited) otherwise."""
    tenant_id, aad_object_id = caller.tenant_id.lower(), caller.aad_object_id.lower()
    async with uow_factory() as uow:
        school = None
        reason = "no_identity"
        if tenant_id and aad_object_id:
            reason = "tenant_not_allowed"
            if policy.allows(tenant_id):
                found = await uow.staff.by_identity(tenant_id, aad_object_id)
                if found is not None and found.staff.active:
                    return found
                school = await uow.schools.by_tenant(tenant_id)
                if school is not None:
                    reason = "inactive_staff" if found is not None else "unknown_staff"
        await uow.audit.append(
            AuditEvent(
                action=AuditAction.IDENTITY_REFUSED,
                occurred_at=clock.now(),
                school_id=school.id if school else None,
                conversation_type=caller.conversation_type or None,
                detail={"reason": reason, "caller": fingerprint(caller)},
            )
        )
        await uow.commit()
    raise NotRecognised(reason)


def fingerprint(caller: Caller) -> str:
    """A one-way tag for a refused caller: repeats correlate, nothing of theirs is kept."""
    raw = f"{caller.tenant_id.lower()}:{caller.aad_object_id.lower()}".encode()
    return hashlib.sha256(raw).hexdigest()[:16]
