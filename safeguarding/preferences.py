"""Personal settings of a member of staff, as the Settings card shows them."""

from collections.abc import Sequence
from dataclasses import dataclass

from safeguarding.elevation import ElevationStatus
from safeguarding.staff import StaffMember


@dataclass(frozen=True)
class Settings:
    """Hide names and elevated access; for the DSL team, colleagues whose authenticator they
    may reset. `code` and `error`: a code typed and why it was not accepted."""

    staff: StaffMember
    status: ElevationStatus
    colleagues: tuple[StaffMember, ...] = ()
    code: str = ""
    error: str = ""


def resettable(actor: StaffMember, enrolled: Sequence[StaffMember]) -> tuple[StaffMember, ...]:
    """Colleagues with an authenticator, for the DSL team's reset list (others: none)."""
    if not actor.leads_safeguarding:
        return ()
    return tuple(s for s in enrolled if s.id != actor.id)
