"""Who may see what: one decision for (member of staff, action, record), used by every service.

The rules, in order:
1. An exclusion (own child, relative, named in an allegation) hides a pupil's records from that
   member of staff entirely, whatever their role, grants or elevation.
2. Recording needs the right to add to every chosen category.
3. Reading needs role (or personal) rights on every category of the incident, and a pupil in the
   member of staff's year/tutor-group scope; an alert grants one incident without them; its
   author sees its status. Restricted categories and historic incidents need elevated access
   (a recent second factor), except through a grant.
4. An administrator keeps the set-up and never sees safeguarding content: whatever the stored
   rights or an alert's grant say, they only record (and see their own records' status).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from safeguarding.staff import Role, StaffMember


class Action(StrEnum):
    VIEW_STUDENT = "view_student"  # open a pupil's record (overview, chronology)
    VIEW_INCIDENT = "view_incident"  # read an incident in full
    VIEW_INCIDENT_STATUS = "view_incident_status"  # its reference and status only
    ADD_INCIDENT = "add_incident"  # record a concern in these categories
    WORK_CASE = "work_case"  # assign, change status (adding an action needs VIEW_INCIDENT)


class Decision(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    NEEDS_ELEVATION = "needs_elevation"


@dataclass(frozen=True)
class Rights:
    """What a role (or one named member of staff) may do within one category."""

    view_students: bool = False
    view_incidents: bool = False
    add_incidents: bool = False


NONE = Rights()
ALL = Rights(True, True, True)
RECORD_ONLY = Rights(add_incidents=True)


def default_rights(role: Role, restricted: bool) -> Rights:
    """Day-one rights: leads see all, viewers the unrestricted, everyone else records."""
    if role in (Role.DSL, Role.DEPUTY_DSL):
        return ALL
    if role == Role.VIEWER:
        return RECORD_ONLY if restricted else ALL
    return RECORD_ONLY  # staff and administrators record; they do not browse records


@dataclass(frozen=True)
class Scope:
    """Year and tutor groups a member of staff is limited to; empty means the whole school."""

    year_groups: frozenset[int] = frozenset()
    tutor_groups: frozenset[str] = frozenset()

    def covers(self, pupil: "Pupil") -> bool:
        """Whether this pupil is within the scope."""
        if not self.year_groups and not self.tutor_groups:
            return True
        return pupil.year_group in self.year_groups or pupil.tutor_group in self.tutor_groups


@dataclass(frozen=True)
class AccessPolicy:
    """A school's configured rules (storage loads them; defaults apply where none are set)."""

    categories: frozenset[int] = frozenset()  # every category id of the school
    restricted: frozenset[int] = frozenset()  # those needing elevated access
    retired: frozenset[int] = frozenset()  # kept on old records; nothing new goes in them
    by_role: Mapping[tuple[int, Role], Rights] = field(default_factory=dict)
    by_staff: Mapping[tuple[int, int], Rights] = field(default_factory=dict)
    scopes: Mapping[int, Scope] = field(default_factory=dict)
    historic_after: timedelta = timedelta(days=365)

    def rights(self, staff: StaffMember, category_id: int) -> Rights:
        """A member of staff's rights in a category: personal first, then role, then defaults."""
        found = self.by_staff.get((category_id, staff.id))
        if found is None:
            found = self.by_role.get((category_id, staff.role)) or default_rights(
                staff.role, category_id in self.restricted
            )
        return Rights(add_incidents=found.add_incidents) if staff.administers else found

    @property
    def current(self) -> frozenset[int]:
        """The categories new records may use (not retired)."""
        return self.categories - self.retired


@dataclass(frozen=True)
class Pupil:
    student_id: int
    year_group: int
    tutor_group: str


@dataclass(frozen=True)
class Record:
    """The facts about a record that access depends on (no content)."""

    pupils: tuple[Pupil, ...]
    categories: frozenset[int] = frozenset()
    incident_id: int | None = None
    recorded_by: int | None = None
    happened_at: datetime | None = None
    granted_to: frozenset[int] = frozenset()  # alerted colleagues, grant not withdrawn


@dataclass(frozen=True)
class Viewer:
    """The member of staff asking, with what changes per request."""

    staff: StaffMember
    excluded_from: frozenset[int] = frozenset()  # student ids
    elevated: bool = False


@dataclass(frozen=True)
class ViewerAccess:
    """What decisions for one member of staff are made from, as stored (one read a press):
    the school's rules, the pupils they are excluded from, until when they are elevated."""

    policy: AccessPolicy
    excluded: frozenset[int]  # student ids
    elevated_until: datetime | None = None


def decide(
    viewer: Viewer, action: Action, record: Record, policy: AccessPolicy, now: datetime
) -> Decision:
    """The one access decision every service, list and search goes through."""
    staff = viewer.staff
    if not staff.active or any(p.student_id in viewer.excluded_from for p in record.pupils):
        return Decision.DENY
    if action == Action.ADD_INCIDENT:
        return _allow(all(policy.rights(staff, c).add_incidents for c in record.categories))
    in_scope = any(policy.scopes.get(staff.id, Scope()).covers(p) for p in record.pupils)
    if action == Action.VIEW_STUDENT:
        viewable = staff.leads_safeguarding or any(
            policy.rights(staff, c).view_students for c in policy.categories
        )
        return _allow(viewable and in_scope)
    readable = _readable(viewer, record, policy, in_scope)
    granted = staff.id in record.granted_to and not staff.administers
    if action == Action.VIEW_INCIDENT_STATUS:
        return _allow(readable or record.recorded_by == staff.id or granted)
    if action == Action.WORK_CASE and not staff.leads_safeguarding:
        return Decision.DENY
    if granted and action == Action.VIEW_INCIDENT:
        return Decision.ALLOW
    if not readable:
        return Decision.DENY
    return (
        Decision.ALLOW
        if viewer.elevated or not _sensitive(record, policy, now)
        else (Decision.NEEDS_ELEVATION)
    )


def _readable(viewer: Viewer, record: Record, policy: AccessPolicy, in_scope: bool) -> bool:
    rights = [policy.rights(viewer.staff, c) for c in record.categories]
    return in_scope and bool(rights) and all(r.view_incidents for r in rights)


def _sensitive(record: Record, policy: AccessPolicy, now: datetime) -> bool:
    historic = record.happened_at is not None and now - record.happened_at > policy.historic_after
    return historic or bool(record.categories & policy.restricted)


def _allow(condition: bool) -> Decision:
    return Decision.ALLOW if condition else Decision.DENY


@dataclass(frozen=True)
class ReadingRules:
    """`decide(VIEW_INCIDENT)` for one viewer, reduced to what a query can test each incident
    against: storage decides a pupil's whole chronology in SQL (to order and page it there), and
    the page it returns is decided again, entry by entry, by `decide`."""

    staff_id: int
    active: bool
    excluded: frozenset[int]  # student ids
    whole_school: bool  # no year or tutor-group scope
    year_groups: frozenset[int]
    tutor_groups: frozenset[str]
    readable: frozenset[int]  # the categories they may read incidents in
    every_category: bool  # `readable` is every category of the school (retired ones too)
    restricted: frozenset[int]
    historic_before: datetime  # happened before this: historic
    elevated: bool
    grants_count: bool  # an alert's grant opens an incident (never for an administrator)


def reading_rules(viewer: Viewer, policy: AccessPolicy, now: datetime) -> ReadingRules:
    """The rules `decide` applies to reading an incident, for this viewer now."""
    staff = viewer.staff
    scope = policy.scopes.get(staff.id, Scope())
    readable = frozenset(c for c in policy.categories if policy.rights(staff, c).view_incidents)
    return ReadingRules(
        staff_id=staff.id,
        active=staff.active,
        excluded=viewer.excluded_from,
        whole_school=not scope.year_groups and not scope.tutor_groups,
        year_groups=scope.year_groups,
        tutor_groups=scope.tutor_groups,
        readable=readable,
        every_category=readable == policy.categories,
        restricted=policy.restricted,
        historic_before=now - policy.historic_after,
        elevated=viewer.elevated,
        grants_count=not staff.administers,
    )
