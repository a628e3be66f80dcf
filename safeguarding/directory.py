"""Staff from Microsoft Entra: who the directory says works in each school, in which role, and
what a sync changes. Pure values; reading Graph is the bot's (bot/graph.py).

The rules: members of the groups in KESTREL_ROLE_GROUPS are staff, the highest of their roles
winning (dsl, deputy_dsl, viewer, administrator, staff: the roles that see safeguarding records
rank above the one that sees none, so a leader in both groups is never shut out of casework);
`trust_dsl` members are the DSL of every school of the tenant. With KESTREL_SCHOOL_GROUPS a
colleague belongs to the schools whose group they are in; without, to every school synced.
Guests and disabled accounts are never active staff. A colleague in no mapped group any more is
deactivated (their row and name are kept); one an administrator turned off in Kestrel stays off
(`StaffMember.deactivated_here`) until turned on there, their name, email and role still synced.
A sync that would leave a school with no active DSL is refused: every concern must reach someone.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from safeguarding.staff import Role, StaffMember

TRUST_DSL = "trust_dsl"
# Highest first.
RANK = (Role.DSL, Role.DEPUTY_DSL, Role.VIEWER, Role.ADMINISTRATOR, Role.STAFF)
PERMISSIONS = "grant User.Read.All and GroupMember.Read.All and an administrator's consent"


class DirectoryUnavailable(Exception):
    """The directory could not be read (or would break a rule): nothing changes. `reason` is
    one sentence for the operator and the dashboard (no names); `code` goes in the audit."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason, self.code = reason, code


@dataclass(frozen=True)
class DirectoryUser:
    """A user as Microsoft Graph lists them (id, displayName, mail or userPrincipalName,
    accountEnabled, userType)."""

    object_id: str
    display_name: str
    email: str
    enabled: bool = True
    guest: bool = False


@dataclass(frozen=True)
class Directory:
    """Every mapped group's members, as read (all pages) before anything is changed."""

    members: Mapping[str, tuple[DirectoryUser, ...]]


@dataclass(frozen=True)
class GroupMap:
    """KESTREL_ROLE_GROUPS (role, group) and KESTREL_SCHOOL_GROUPS (school id, group)."""

    roles: tuple[tuple[str, str], ...]
    schools: tuple[tuple[int, str], ...] = ()

    @property
    def groups(self) -> tuple[str, ...]:
        """Every group to read, once each, in order."""
        listed = [g for _, g in self.roles] + [g for _, g in self.schools]
        return tuple(dict.fromkeys(listed))


@dataclass(frozen=True)
class Wanted:
    """A colleague as the directory says they should be in one school."""

    user: DirectoryUser
    role: Role


@dataclass(frozen=True)
class StaffUpdate:
    """An existing colleague's new name, email, role and whether they are active."""

    before: StaffMember
    display_name: str
    email: str
    role: Role
    active: bool

    def changes(self) -> dict[str, list]:
        """Role and active before and after (as the administration card audits them); names
        and emails only as changed (they are the directory's, not a decision)."""
        found: dict[str, list] = {}
        if self.role != self.before.role:
            found["role"] = [self.before.role.value, self.role.value]
        if self.active != self.before.active:
            found["active"] = [self.before.active, self.active]
        for name in ("display_name", "email"):
            if getattr(self, name) != getattr(self.before, name):
                found[name] = ["changed"]
        return found


@dataclass(frozen=True)
class StaffPlan:
    """What a sync does to one school's staff."""

    school_id: int
    added: tuple[Wanted, ...] = ()
    updated: tuple[StaffUpdate, ...] = ()
    unchanged: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def wanted_in(directory: Directory, groups: GroupMap, school_id: int) -> dict[str, Wanted]:
    """Who the directory puts in this school, by Entra object id, with their highest role."""
    school_groups = [g for s, g in groups.schools if s == school_id]
    in_school = {u.object_id for g in school_groups for u in directory.members.get(g, ())}
    found: dict[str, Wanted] = {}
    for role_name, group in groups.roles:
        role = Role.DSL if role_name == TRUST_DSL else Role(role_name)
        for user in directory.members.get(group, ()):
            if user.guest or not user.enabled:
                continue
            belongs = role_name == TRUST_DSL or not groups.schools or user.object_id in in_school
            known = found.get(user.object_id)
            if belongs and (known is None or RANK.index(role) < RANK.index(known.role)):
                found[user.object_id] = Wanted(user, role)
    return found


def plan_staff(
    school_id: int, staff: Sequence[StaffMember], wanted: Mapping[str, Wanted]
) -> StaffPlan:
    """The additions and changes that bring the school's staff in step with the directory;
    DirectoryUnavailable when it would leave the school without an active DSL."""
    updated, unchanged, seen = [], 0, set()
    for member in staff:
        seen.add(member.aad_object_id)
        want = wanted.get(member.aad_object_id)
        if want is None:
            update = StaffUpdate(member, member.display_name, member.email, member.role, False)
        else:
            user = want.user  # (turned off in Kestrel by an administrator: kept so)
            active = not member.deactivated_here
            update = StaffUpdate(member, user.display_name, user.email, want.role, active)
        if update.changes():
            updated.append(update)
        else:
            unchanged += 1
    added = tuple(w for key, w in wanted.items() if key not in seen)
    _keep_a_dsl(school_id, staff, updated, added)
    counts = {
        "created": len(added),
        "updated": sum(1 for u in updated if u.active == u.before.active),
        "returned": sum(1 for u in updated if u.active and not u.before.active),
        "left": sum(1 for u in updated if u.before.active and not u.active),
        "unchanged": unchanged,
    }
    return StaffPlan(school_id, added, tuple(updated), unchanged, counts)


def _keep_a_dsl(
    school_id: int,
    staff: Sequence[StaffMember],
    updated: Sequence[StaffUpdate],
    added: Sequence[Wanted],
) -> None:
    after = {s.id: (s.role, s.active) for s in staff}
    after.update({u.before.id: (u.role, u.active) for u in updated})
    dsls = [k for k, (role, active) in after.items() if active and role == Role.DSL]
    if not dsls and not any(w.role == Role.DSL for w in added):
        raise DirectoryUnavailable(
            f"The directory would leave school {school_id} with no active Designated "
            "Safeguarding Lead: add someone to the dsl group (KESTREL_ROLE_GROUPS) first; "
            "nothing was changed.",
            "no_dsl",
        )


def read_group_pairs(raw: str) -> tuple[tuple[int, str], ...]:
    """KESTREL_SCHOOL_GROUPS (`<school id>=<group id>,...`); ValueError naming a bad entry."""
    pairs = []
    for entry in (e.strip() for e in raw.split(",") if e.strip()):
        school, _, group = (p.strip() for p in entry.partition("="))
        if not (school.isascii() and school.isdecimal()) or not group:
            raise ValueError(entry)
        pairs.append((int(school), group))
    return tuple(pairs)


def user_from_graph(entry: Mapping) -> DirectoryUser | None:
    """A Graph user object as a DirectoryUser (None without an id)."""
    object_id = str(entry.get("id") or "").strip().lower()
    if not object_id:
        return None
    name = " ".join(str(entry.get("displayName") or "").split())[:200]
    email = str(entry.get("mail") or entry.get("userPrincipalName") or "").strip()[:320]
    return DirectoryUser(
        object_id,
        name or email or object_id,
        email,
        enabled=entry.get("accountEnabled") is not False,
        guest=str(entry.get("userType") or "").lower() == "guest",
    )
