"""Alert groups as an administrator or the DSL team keep them: a name and members, chosen from
the school's active staff (never an administrator, who may not open what an alert is about).
A group is retired, never deleted; one a category alerts by default stays until that changes.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from safeguarding.administration import checked_name, chosen_ids, raise_if
from safeguarding.school import AlertGroup, Category
from safeguarding.staff import StaffMember


@dataclass(frozen=True)
class GroupDraft:
    name: str
    member_ids: tuple[int, ...]

    def fields(self) -> dict[str, Any]:
        return {"name": self.name, "members": list(self.member_ids)}


@dataclass(frozen=True)
class GroupsView:
    """Every group (retired ones marked), the staff by id, who may be chosen as a member, and
    the form: a group's (`editing`) or a new one's, with what was typed."""

    groups: tuple[AlertGroup, ...]
    staff: Mapping[int, StaffMember]
    choosable: tuple[StaffMember, ...]
    editing: AlertGroup | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)


def group_fields(group: AlertGroup) -> dict[str, Any]:
    """A stored group as the audit keeps it (the same fields as a draft)."""
    return {"name": group.name, "members": list(group.member_ids)}


def members_to_choose(staff: Sequence[StaffMember]) -> tuple[StaffMember, ...]:
    """Who a group may hold: active colleagues who are not administrators."""
    return tuple(s for s in staff if s.active and not s.administers)


def read_group_form(
    values: Mapping[str, Any],
    *,
    editing: AlertGroup | None,
    groups: Sequence[AlertGroup],
    staff: Sequence[StaffMember],
) -> GroupDraft:
    """The group form as a draft; InvalidInput names what to fix. Members already in the group
    who have since left or changed role may stay; new ones come from the list."""
    errors: dict[str, str] = {}
    others = [g.name for g in groups if editing is None or g.id != editing.id]
    name = checked_name(values, "name", others, errors)
    members = chosen_ids(values, "members")
    allowed = {s.id for s in members_to_choose(staff)} | set(editing.member_ids if editing else ())
    if not set(members) <= allowed:
        errors["members"] = "Choose members from the list."
    raise_if(errors)
    return GroupDraft(name, members)


def retire_problem(group: AlertGroup, retire: bool, categories: Sequence[Category]) -> str:
    """Why the group cannot be retired (or brought back) now; "" when it can."""
    if retire == group.retired:
        return "It is already retired." if retire else "It is already in use."
    using = [c.name for c in categories if group.id in c.default_alert_group_ids and not c.retired]
    if retire and using:
        return f"{', '.join(using)} alert it by default: choose other groups there first."
    return ""
