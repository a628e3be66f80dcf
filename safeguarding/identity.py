"""Who is talking: what a Teams activity claims, and the member of staff it turns out to be."""

import hashlib
from dataclasses import dataclass, field

from safeguarding.chats import ChatAddress
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
    """The member of staff behind a turn, and their school (the one this press works in)."""

    staff: StaffMember
    school: School
    # Every school of the tenant this person is active staff in (a trust's DSL: several).
    schools: tuple[School, ...] = ()
    staff_ids: tuple[int, ...] = ()  # their active staff rows (one per school), same order
    # The 1:1 chat address kept for each of those rows, when identification read them with the
    # rows (None: not read, so the press reads them before keeping the chat's address).
    chats: tuple[ChatAddress | None, ...] | None = field(default=None, compare=False)

    @property
    def in_several_schools(self) -> bool:
        return len(self.schools) > 1


@dataclass(frozen=True)
class TenantPolicy:
    """Which Entra tenants may use Kestrel; `None` means any tenant that has a school here."""

    allowed: frozenset[str] | None

    def allows(self, tenant_id: str) -> bool:
        """Whether configuration lets this tenant in (it must also be home to a school)."""
        return self.allowed is None or tenant_id in self.allowed


def fingerprint(caller: Caller) -> str:
    """A one-way tag for a refused caller: repeats correlate, nothing of theirs is kept."""
    raw = f"{caller.tenant_id.lower()}:{caller.aad_object_id.lower()}".encode()
    return hashlib.sha256(raw).hexdigest()[:16]
