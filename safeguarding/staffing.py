"""Staff as an administrator or the DSL team keep them: role, active, and the year or tutor
groups a colleague is limited to. The rules: at least one active Designated Safeguarding Lead
always remains; only the DSL team give or take a role that sees safeguarding records; the DSL
team are never limited to part of the school (every concern must reach them); where roles come
from Microsoft Entra groups (KESTREL_ROLE_GROUPS), they are changed there, not here.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from safeguarding.access import Scope
from safeguarding.administration import raise_if, toggled
from safeguarding.staff import Role, StaffMember

VIEWING_ROLES = frozenset({Role.VIEWER, Role.DSL, Role.DEPUTY_DSL})
LAST_DSL = (
    "Kestrel needs at least one active Designated Safeguarding Lead: make someone else DSL first."
)
DSL_TEAM_DECIDES = "Only the DSL team give or take a role that sees safeguarding records."
FROM_DIRECTORY = "Roles come from Microsoft Entra groups here: change the group membership there."
WHOLE_SCHOOL = "The DSL team see the whole school: every concern must reach them."


@dataclass(frozen=True)
class StaffChange:
    role: Role
    active: bool


@dataclass(frozen=True)
class StaffView:
    """Everyone on the school's staff, their scopes, what a scope may name, where roles come
    from, and one colleague's form (`editing`) with what was typed."""

    staff: tuple[StaffMember, ...]
    scopes: Mapping[int, Scope]
    year_groups: tuple[int, ...]
    tutor_groups: tuple[str, ...]
    role_groups: tuple[tuple[str, str], ...]  # set: roles come from the directory
    editing: StaffMember | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)


def read_staff_form(
    values: Mapping[str, Any],
    *,
    actor: StaffMember,
    target: StaffMember,
    everyone: Sequence[StaffMember],
    directory_roles: bool,
) -> StaffChange:
    """The role and active switch for one colleague; InvalidInput says what stands in the way."""
    errors: dict[str, str] = {}
    raw = str(values.get("role") or target.role.value)
    role = Role(raw) if raw in {r.value for r in Role} else None
    if role is None:
        errors["role"] = "Choose a role from the list."
        role = target.role
    active = toggled(values, "active")
    if role != target.role and directory_roles:
        errors["role"] = FROM_DIRECTORY
    elif (
        role != target.role and not actor.leads_safeguarding and {role, target.role} & VIEWING_ROLES
    ):
        errors["role"] = DSL_TEAM_DECIDES
    if _last_dsl(target, everyone) and (role != Role.DSL or not active):
        errors["role"] = LAST_DSL
    raise_if(errors)
    return StaffChange(role, active)


def read_scope_form(
    values: Mapping[str, Any],
    target: StaffMember,
    year_groups: Sequence[int],
    tutor_groups: Sequence[str],
) -> Scope:
    """The year and tutor groups chosen for a colleague (none: the whole school)."""
    errors: dict[str, str] = {}
    years = _picked(values, "year_groups")
    tutors = _picked(values, "tutor_groups")
    if not years <= {str(y) for y in year_groups}:
        errors["year_groups"] = "Choose year groups from the list."
    if not tutors <= set(tutor_groups):
        errors["tutor_groups"] = "Choose tutor groups from the list."
    if (years or tutors) and target.leads_safeguarding:
        errors["year_groups"] = WHOLE_SCHOOL
    raise_if(errors)
    return Scope(frozenset(int(y) for y in years), frozenset(tutors))


def scope_words(scope: Scope) -> str:
    """A scope as the staff list says it."""
    if not scope.year_groups and not scope.tutor_groups:
        return "whole school"
    parts = [f"Year {y}" for y in sorted(scope.year_groups)] + sorted(scope.tutor_groups)
    return "only " + ", ".join(parts)


def parse_role_groups(raw: str) -> tuple[tuple[str, str], ...]:
    """KESTREL_ROLE_GROUPS (`dsl=<group id>,viewer=<group id>,...`) as (role, group) pairs;
    ValueError naming the first entry that is not `role=group`."""
    pairs = []
    for entry in (e.strip() for e in raw.split(",") if e.strip()):
        role, _, group = entry.partition("=")
        role, group = role.strip().lower(), group.strip()
        if role not in {r.value for r in Role} | {"trust_dsl"} or not group:
            raise ValueError(entry)
        pairs.append((role, group))
    return tuple(pairs)


def _last_dsl(target: StaffMember, everyone: Sequence[StaffMember]) -> bool:
    """Whether this colleague is the only active DSL."""
    active_dsls = [s.id for s in everyone if s.active and s.role == Role.DSL]
    return active_dsls == [target.id]


def _picked(values: Mapping[str, Any], field: str) -> set[str]:
    raw = values.get(field)
    return {p.strip() for p in raw.split(",") if p.strip()} if isinstance(raw, str) else set()
