"""Who an incident's or an action's alerts go to, and who gains access through them.

Pure rules, the same for incidents and actions: the use cases load the staff the form's choice
can reach (those chosen and the members of its groups), the school's groups and exclusions
(safeguarding/services/alerting.py) and store what these decide.
"""

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime

from safeguarding.access import AccessPolicy, Action, Decision, Record, Viewer, decide
from safeguarding.errors import ConfirmGrants, InvalidInput
from safeguarding.school import AlertGroup
from safeguarding.staff import StaffMember

Recipients = dict[int, tuple[StaffMember, str]]  # staff id -> (who, why: "tagged" or "group")


@dataclass(frozen=True)
class AlertChoice:
    """Who the form asked to alert, and the groups its categories alert by default."""

    staff_ids: Set[int] = frozenset()
    group_ids: Set[int] = frozenset()
    aad_ids: Set[str] = frozenset()
    default_group_ids: Set[int] = frozenset()


def candidates(
    choice: AlertChoice, everyone: Sequence[StaffMember], groups: Sequence[AlertGroup]
) -> Recipients:
    """Chosen colleagues ("tagged") and members of chosen and default groups ("group").

    A colleague or group that is not the school's is a mistake on the form (InvalidInput).
    """
    staff = {s.id: s for s in everyone}
    by_aad = {s.aad_object_id: s for s in everyone}
    chosen = [staff[i] for i in sorted(choice.staff_ids) if i in staff]
    chosen += [by_aad[a] for a in sorted(choice.aad_ids) if a in by_aad]
    if len(chosen) < len(choice.staff_ids) + len(choice.aad_ids):
        raise InvalidInput({"alert_staff": "Choose colleagues who use Kestrel."})
    known = {g.id: g for g in groups}
    if not set(choice.group_ids) <= known.keys():
        raise InvalidInput({"alert_groups": "Choose alert groups from the list."})
    found: Recipients = {}
    for group_id in sorted((set(choice.group_ids) | set(choice.default_group_ids)) & known.keys()):
        for member in known[group_id].member_ids:
            if member in staff:
                found[member] = (staff[member], "group")
    for member in chosen:
        found[member.id] = (member, "tagged")
    return found


def kept(
    found: Recipients,
    actor: StaffMember,
    pupil_ids: Set[int],
    excluded: Mapping[int, frozenset[int]],
) -> Recipients:
    """Never the actor, anyone inactive, an administrator (who may never open what an alert
    is about), or anyone excluded from one of the pupils."""
    return {
        staff_id: (staff, why)
        for staff_id, (staff, why) in found.items()
        if staff.active
        and not staff.administers
        and staff_id != actor.id
        and not excluded.get(staff_id, frozenset()) & pupil_ids
    }


def grantees(
    recipients: Iterable[StaffMember], record: Record, policy: AccessPolicy, now: datetime
) -> list[StaffMember]:
    """Recipients who could not read the record without the alert's grant, by name."""
    return sorted(
        (
            staff
            for staff in recipients
            if decide(Viewer(staff), Action.VIEW_INCIDENT, record, policy, now) == Decision.DENY
        ),
        key=lambda s: s.display_name,
    )


def grants_token(granted: Sequence[StaffMember]) -> str:
    """What the form sends back once the recorder has seen who would gain access."""
    return ",".join(str(s.id) for s in sorted(granted, key=lambda s: s.id))


def check_confirmed(granted: Sequence[StaffMember], confirm: str) -> None:
    """ConfirmGrants until the form comes back with the token for exactly these colleagues."""
    token = grants_token(granted)
    if granted and confirm != token:
        raise ConfirmGrants([s.display_name for s in granted], token)
