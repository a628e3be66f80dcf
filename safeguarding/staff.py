"""Members of staff, known by their Microsoft Entra object id, and their roles."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a member of staff is in Kestrel; permission rules build on it."""

    STAFF = "staff"
    VIEWER = "viewer"
    DSL = "dsl"
    DEPUTY_DSL = "deputy_dsl"
    ADMINISTRATOR = "administrator"

    @property
    def title(self) -> str:
        """The role as staff read it."""
        return _TITLES[self]


_TITLES = {
    Role.STAFF: "Staff",
    Role.VIEWER: "Viewer",
    Role.DSL: "Designated Safeguarding Lead",
    Role.DEPUTY_DSL: "Deputy DSL",
    Role.ADMINISTRATOR: "Administrator",
}


@dataclass(frozen=True)
class StaffMember:
    id: int
    school_id: int
    aad_object_id: str
    display_name: str
    email: str
    role: Role
    active: bool = True
    hide_names: bool = False  # personal setting: pupils shown as initials everywhere
    version: int = 1  # +1 on every change of role, active or scope (two administrators at once)
    # Turned off by an administrator in Kestrel (not by the directory): a directory sync keeps
    # them inactive until an administrator turns them on again.
    deactivated_here: bool = False

    def hides_names_in(self, conversation_type: str) -> bool:
        """Initials instead of names: when asked, and always outside the 1:1 chat."""
        return self.hide_names or conversation_type != "personal"

    @property
    def leads_safeguarding(self) -> bool:
        """The DSL and deputies lead casework."""
        return self.role in (Role.DSL, Role.DEPUTY_DSL)

    @property
    def administers(self) -> bool:
        """Administrators keep the school's set-up and never see safeguarding content."""
        return self.role == Role.ADMINISTRATOR
