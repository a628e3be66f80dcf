"""Who an incident's or an action's alerts go to: the same rules for both."""

from collections.abc import Set

from safeguarding.errors import InvalidInput
from safeguarding.ports import UnitOfWork
from safeguarding.staff import StaffMember


async def alert_recipients(
    uow: UnitOfWork,
    actor: StaffMember,
    *,
    staff_ids: Set[int],
    group_ids: Set[int],
    pupil_ids: Set[int],
    aad_ids: Set[str] = frozenset(),
    default_group_ids: Set[int] = frozenset(),
) -> dict[int, tuple[StaffMember, str]]:
    """Chosen colleagues ("tagged") and members of chosen and default groups ("group").

    Never the actor, anyone inactive, or anyone excluded from one of the pupils, whatever was
    chosen; a colleague or group that is not the school's is a mistake on the form.
    """
    everyone = {s.id: s for s in await uow.staff.list(actor.school_id)}
    by_aad = {s.aad_object_id: s for s in everyone.values()}
    chosen = [everyone[i] for i in sorted(staff_ids) if i in everyone]
    chosen += [by_aad[a] for a in sorted(aad_ids) if a in by_aad]
    if len(chosen) < len(staff_ids) + len(aad_ids):
        raise InvalidInput({"alert_staff": "Choose colleagues who use Kestrel."})
    groups = {g.id: g for g in await uow.alert_groups.list(actor.school_id)}
    if not set(group_ids) <= groups.keys():
        raise InvalidInput({"alert_groups": "Choose alert groups from the list."})
    found: dict[int, tuple[StaffMember, str]] = {}
    for group_id in sorted((set(group_ids) | set(default_group_ids)) & groups.keys()):
        for member in groups[group_id].member_ids:
            if member in everyone:
                found[member] = (everyone[member], "group")
    for staff in chosen:
        found[staff.id] = (staff, "tagged")
    kept = {}
    for staff_id, (staff, why) in found.items():
        excluded = await uow.access.excluded_students(staff_id)
        if staff.active and staff_id != actor.id and not excluded & pupil_ids:
            kept[staff_id] = (staff, why)
    return kept
