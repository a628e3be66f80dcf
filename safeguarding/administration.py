"""Administration: who may change which part of the school's set-up, the rules every name in it
follows, and how a change reads (its audit detail, and the sentence a stale card is told).

Administrators keep the set-up (categories, lists, the school's settings); whatever touches
access (rights, scopes, alert groups, roles, the triage channel) is theirs and the DSL team's.
Nothing here reads a safeguarding record: administration never shows one.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from safeguarding.audit import AuditEvent
from safeguarding.errors import InvalidInput
from safeguarding.staff import StaffMember

MAX_NAME = 100
# Names appear in cards where Teams reads markdown: characters that would make a link or
# formatting out of one are refused.
MARKUP = frozenset("[]<>*_`~|\\")


class Section(StrEnum):
    CATEGORIES = "categories"
    RIGHTS = "rights"
    STAFF = "staff"  # roles, active, and year or tutor group scopes
    GROUPS = "groups"
    LISTS = "lists"
    SCHOOL = "school"  # name, time zone, escalation, year groups, terms, the triage channel


TITLES = {
    Section.CATEGORIES: "Categories",
    Section.RIGHTS: "Rights",
    Section.STAFF: "Staff and scopes",
    Section.GROUPS: "Alert groups",
    Section.LISTS: "Lists",
    Section.SCHOOL: "School",
}
# The DSL team may use these too: each decides who sees what (the School section only for
# its triage channel).
TOUCHES_ACCESS = frozenset({Section.RIGHTS, Section.STAFF, Section.GROUPS, Section.SCHOOL})


@dataclass(frozen=True)
class AdminHome:
    """The sections this member of staff may use, and the proposals waiting for the DSL team."""

    sections: tuple[Section, ...]
    pending: int
    decides: bool  # a member of the DSL team: they confirm proposals


def sections_for(staff: StaffMember) -> tuple[Section, ...]:
    """The sections of the administration card this member of staff may use, in order."""
    return tuple(section for section in Section if administers(staff, section))


def administers(staff: StaffMember, section: Section) -> bool:
    """Administrators use every section; the DSL team those that touch access."""
    if not staff.active:
        return False
    return staff.administers or (staff.leads_safeguarding and section in TOUCHES_ACCESS)


def checked_name(
    values: Mapping[str, Any], field: str, taken: Iterable[str], errors: dict[str, str]
) -> str:
    """A name typed in `field`, trimmed; a message by the field when it is empty, too long or
    already used (`taken`, compared without case)."""
    name = " ".join(str(values.get(field) or "").split())
    used = {t.casefold() for t in taken}
    if not name:
        errors[field] = "Give it a name."
    elif len(name) > MAX_NAME:
        errors[field] = f"Keep the name under {MAX_NAME} characters."
    elif MARKUP & set(name):
        errors[field] = "Leave these out of a name: " + " ".join(sorted(MARKUP)) + "."
    elif name.casefold() in used:
        errors[field] = f'"{name}" is already used: choose another name.'
    return name


def toggled(values: Mapping[str, Any], field: str) -> bool:
    """An Input.Toggle's value (it sends "true" or "false")."""
    return str(values.get(field, "false")).lower() == "true"


def chosen_ids(values: Mapping[str, Any], field: str) -> tuple[int, ...]:
    """Ids picked in a multi-select (comma-joined text); anything else is left out."""
    raw = values.get(field)
    parts = str(raw).split(",") if isinstance(raw, str | int) else []
    found = [int(p) for p in (p.strip() for p in parts) if p.isascii() and p.isdecimal()]
    return tuple(sorted({i for i in found if 0 < i < 2**31}))


def raise_if(errors: dict[str, str]) -> None:
    """InvalidInput with every message, if there is any."""
    if errors:
        raise InvalidInput(errors)


def differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """What changed, field by field, as the audit keeps it: {field: [before, after]}."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def change_detail(version: int, changes: Mapping[str, Any]) -> dict[str, Any]:
    """An administration change's audit detail: the version it made, and each field's before
    and after (a stale card is told these)."""
    return {"version": version, "changes": dict(changes)}


def what_changed(
    events: Sequence[AuditEvent], since: int, names: Mapping[int, str], time_zone: str
) -> str:
    """The changes made after the version a card showed (`since`), newest first, as one
    sentence each: who, when, and each field's before and after."""
    zone, said = ZoneInfo(time_zone), []
    for event in events:
        version = event.detail.get("version")
        if not isinstance(version, int) or version <= since:
            continue
        who = names.get(event.actor_staff_id or 0, "a colleague")
        said.append(f"{who} changed it at {_when(event.occurred_at, zone)}{_fields(event)}.")
    return " ".join(said) or "It was changed since this card was shown."


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M on %-d %b")


def _fields(event: AuditEvent) -> str:
    changes = event.detail.get("changes")
    if not isinstance(changes, dict) or not changes:
        return ""
    parts = [
        f"{field.replace('_', ' ')} {_shown(b)} to {_shown(a)}" for field, (b, a) in changes.items()
    ]
    return ": " + "; ".join(parts)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    return "none" if value in (None, "") else str(value)
