"""Rights per category as the school sets them: the role matrix and named colleagues' own rights,
who gains or loses access by a change, and whether it widens access to a restricted category.

A change is shown before it is saved ("3 colleagues will be able to view Safeguarding
incidents"). Widening access to a restricted category needs the DSL team's second factor: a
member of the DSL team makes it with their authenticator code, an administrator proposes it and
a member of the DSL team confirms it with theirs. The DSL and deputies always have every right.
"""

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from safeguarding.access import AccessPolicy, Rights, default_rights
from safeguarding.administration import chosen_ids, raise_if, toggled
from safeguarding.school import Category
from safeguarding.staff import Role, StaffMember

CONFIGURABLE = (Role.STAFF, Role.VIEWER, Role.ADMINISTRATOR)
RIGHTS = ("view_students", "view_incidents", "add_incidents")
RIGHT_WORDS = {
    "view_students": "View students",
    "view_incidents": "View incidents",
    "add_incidents": "Add incidents",
}
MAX_NAMED = 8


@dataclass(frozen=True)
class CategoryRights:
    """One category's access rules: restricted or not, the roles' rights where they differ
    from the day-one default, and named colleagues' own rights."""

    restricted: bool
    by_role: Mapping[Role, Rights] = field(default_factory=dict)
    by_staff: Mapping[int, Rights] = field(default_factory=dict)

    def of_role(self, role: Role) -> Rights:
        """What a role may do in the category (stored, else the day-one default)."""
        return self.by_role.get(role) or default_rights(role, self.restricted)

    def detail(self) -> dict[str, Any]:
        """As the audit and a proposal keep it: flags by role and by staff id."""
        return {
            "restricted": self.restricted,
            "roles": {role.value: _flags(r) for role, r in sorted(self.by_role.items())},
            "staff": {str(s): _flags(r) for s, r in sorted(self.by_staff.items())},
        }


@dataclass(frozen=True)
class Proposal:
    """A change to a category's rights that waits for the DSL team's code."""

    id: int
    category_id: int
    category_version: int  # the version it was proposed on: confirmed only on that one
    rights: CategoryRights
    proposed_by: int
    proposed_at: datetime


@dataclass(frozen=True)
class AccessChange:
    """What a change does to people's access, in sentences, and whether it widens access to
    a restricted category."""

    lines: tuple[str, ...]
    widens: bool


@dataclass(frozen=True)
class ProposalLine:
    """A proposal as the Rights card lists it: what it would change, who asked, when."""

    id: int
    category: str
    proposed_by: str
    proposed_at: datetime
    lines: tuple[str, ...]


@dataclass(frozen=True)
class RightsView:
    """The categories to choose from, the proposals waiting, and a category's rules as they are
    (or as typed), with the change they would make when it is being checked."""

    categories: tuple[Category, ...]
    colleagues: tuple[StaffMember, ...]
    proposals: tuple[ProposalLine, ...]
    decides: bool  # the DSL team: they type their code, and confirm proposals
    category: Category | None = None
    rights: CategoryRights | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    change: AccessChange | None = None
    token: str = ""


def rights_of(detail: Mapping[str, Any]) -> CategoryRights:
    """A stored detail (a proposal's) back as rights."""
    roles = {Role(k): Rights(*v) for k, v in dict(detail.get("roles", {})).items()}
    staff = {int(k): Rights(*v) for k, v in dict(detail.get("staff", {})).items()}
    return CategoryRights(bool(detail.get("restricted")), roles, staff)


def current_rights(policy: AccessPolicy, category_id: int) -> CategoryRights:
    """A category's rules as the school's policy holds them."""
    return CategoryRights(
        category_id in policy.restricted,
        {role: r for (c, role), r in policy.by_role.items() if c == category_id},
        {s: r for (c, s), r in policy.by_staff.items() if c == category_id},
    )


def with_rights(policy: AccessPolicy, category_id: int, rights: CategoryRights) -> AccessPolicy:
    """The policy as it would be with this category's rules replaced."""
    by_role = {k: v for k, v in policy.by_role.items() if k[0] != category_id}
    by_role |= {(category_id, role): r for role, r in rights.by_role.items()}
    by_staff = {k: v for k, v in policy.by_staff.items() if k[0] != category_id}
    by_staff |= {(category_id, s): r for s, r in rights.by_staff.items()}
    restricted = policy.restricted - {category_id} | ({category_id} if rights.restricted else set())
    return replace(policy, by_role=by_role, by_staff=by_staff, restricted=frozenset(restricted))


def named_colleagues(staff: Sequence[StaffMember]) -> tuple[StaffMember, ...]:
    """Who may have rights of their own: active colleagues outside the DSL team (who always
    have every right)."""
    return tuple(s for s in staff if s.active and not s.leads_safeguarding)


def read_rights_form(
    values: Mapping[str, Any], current: CategoryRights, colleagues: Sequence[StaffMember]
) -> CategoryRights:
    """The Rights card as rules; InvalidInput by field when a colleague cannot be given them.
    Roles at their default store no row; an administrator is never given a right to view."""
    errors: dict[str, str] = {}
    restricted = toggled(values, "restricted")
    by_role = {}
    for role in CONFIGURABLE:
        rights = _rights(values, f"role_{role.value}", role)
        if rights != default_rights(role, restricted):
            by_role[role] = rights
    known = {s.id: s for s in colleagues}
    by_staff = {
        staff_id: _rights(values, f"staff_{staff_id}", known[staff_id].role)
        for staff_id in current.by_staff
        if staff_id in known and toggled(values, f"staff_{staff_id}_keep")
    }
    new = chosen_ids(values, "new_staff")
    if new and (len(new) > 1 or new[0] not in known):
        errors["new_staff"] = "Choose a colleague from the list."
    elif new and new[0] in by_staff:
        errors["new_staff"] = "They have their own rights above already: change them there."
    elif new:
        by_staff[new[0]] = _rights(values, "new", known[new[0]].role)
    raise_if(errors)
    return CategoryRights(restricted, by_role, by_staff)


def access_change(
    before: AccessPolicy, after: AccessPolicy, category: Category, staff: Sequence[StaffMember]
) -> AccessChange:
    """Who gains or loses which access (active colleagues outside the DSL team), and whether
    access to a restricted category widens (its restriction lifted, or anyone gaining a view)."""
    c, name = category.id, category.name
    people = named_colleagues(staff)
    checks: list[tuple[str, Callable[[AccessPolicy, StaffMember], bool]]] = [
        (f"view {name} incidents", lambda p, s: p.rights(s, c).view_incidents),
        ("open pupils' records", _opens_records),
        (f"record {name} concerns", lambda p, s: p.rights(s, c).add_incidents),
    ]
    lines = [line for words, has in checks for line in _moves(before, after, people, words, has)]
    lifted = c in before.restricted and c not in after.restricted
    if lifted:
        lines.append(f"Viewing {name} incidents will no longer need elevated access.")
    if c in after.restricted and c not in before.restricted:
        lines.append(f"Viewing {name} incidents will need elevated access.")
    gained_view = any(
        _gained(before, after, s, c, right)
        for s in people
        for right in ("view_incidents", "view_students")
    )
    return AccessChange(tuple(lines), c in before.restricted and (lifted or gained_view))


def confirm_token(rights: CategoryRights, version: int) -> str:
    """What the card sends back once the change it would make has been shown."""
    canonical = json.dumps([version, rights.detail()], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def _opens_records(policy: AccessPolicy, staff: StaffMember) -> bool:
    return any(policy.rights(staff, c).view_students for c in policy.categories)


def _rights(values: Mapping[str, Any], prefix: str, role: Role) -> Rights:
    rights = Rights(*(toggled(values, f"{prefix}_{name}") for name in RIGHTS))
    return Rights(add_incidents=rights.add_incidents) if role == Role.ADMINISTRATOR else rights


def _flags(rights: Rights) -> list[bool]:
    return [rights.view_students, rights.view_incidents, rights.add_incidents]


def _gained(
    before: AccessPolicy, after: AccessPolicy, staff: StaffMember, category_id: int, right: str
) -> bool:
    was, now = before.rights(staff, category_id), after.rights(staff, category_id)
    return getattr(now, right) and not getattr(was, right)


def _moves(
    before: AccessPolicy,
    after: AccessPolicy,
    people: Sequence[StaffMember],
    words: str,
    has: Callable[[AccessPolicy, StaffMember], bool],
) -> list[str]:
    gained = [s.display_name for s in people if has(after, s) and not has(before, s)]
    lost = [s.display_name for s in people if has(before, s) and not has(after, s)]
    lines = []
    if gained:
        lines.append(f"{_count(gained)} will be able to {words}: {_names(gained)}.")
    if lost:
        lines.append(f"{_count(lost)} will no longer be able to {words}: {_names(lost)}.")
    return lines


def _count(names: Sequence[str]) -> str:
    return f"{len(names)} colleague{'' if len(names) == 1 else 's'}"


def _names(names: Sequence[str]) -> str:
    shown = list(names[:MAX_NAMED])
    if len(names) > MAX_NAMED:
        shown.append(f"{len(names) - MAX_NAMED} more")
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
