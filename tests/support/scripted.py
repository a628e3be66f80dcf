"""Setting up records for a test as staff would make them: the same use cases as the buttons,
each in one press for a known member of staff (AsStaff: nobody to identify)."""

from collections.abc import Sequence
from typing import Any

from safeguarding.access import Action
from safeguarding.case_actions import ActionDraft, AddedAction
from safeguarding.errors import Conflict
from safeguarding.files import AttachResult, IncomingFile
from safeguarding.incidents import IncidentDraft
from safeguarding.services.actions import action_added_before, store_action
from safeguarding.services.attachments import attach_files
from safeguarding.services.press import AsStaff, Press, Rules, UseCase, run_press
from safeguarding.services.recording import Recorded, recorded_before, store_incident
from safeguarding.services.viewing import allowed
from safeguarding.staff import StaffMember


async def run_as(
    uow_factory, clock, who: StaffMember, use_case: UseCase, *args: Any, rules: Rules | None = None
) -> Any:
    """What `use_case(press, *args)` returns, pressed by `who` in its 1:1 chat."""
    pressed = await run_press(uow_factory, clock, rules or Rules(), AsStaff(who), use_case, *args)
    return pressed.outcome


async def record_as(
    uow_factory, clock, who: StaffMember, draft: IncidentDraft, *, rules: Rules | None = None
) -> Recorded:
    """Record an incident (the form's key makes a second send return the first)."""
    try:
        return await run_as(uow_factory, clock, who, store_incident, draft, rules=rules)
    except Conflict:  # the same key committed meanwhile by a parallel send
        found = await run_as(uow_factory, clock, who, recorded_before, draft.key, rules=rules)
        if found is None:
            raise
        return found


async def add_action_as(
    uow_factory, clock, who: StaffMember, incident_id: int, draft: ActionDraft
) -> AddedAction:
    """Add an action to an incident `who` may read (once per form key)."""
    return await run_as(uow_factory, clock, who, _add_action, incident_id, draft)


async def _add_action(press: Press, incident_id: int, draft: ActionDraft) -> AddedAction:
    facts = await allowed(press, incident_id, Action.VIEW_INCIDENT, "action.add")
    return await store_action(press, facts, draft)


async def attach_as(
    uow_factory, clock, who: StaffMember, files: Sequence[IncomingFile]
) -> AttachResult | None:
    """Files sent in `who`'s chat, onto the incident whose attach window is open (if any)."""
    return (await run_as(uow_factory, clock, who, attach_files, files)).view


__all__ = ["action_added_before", "add_action_as", "attach_as", "record_as", "run_as"]
