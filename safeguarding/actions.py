"""Adding an action outside Teams (seeding, benches, tests that need one): the same use case as
action.add (services/actions.py:store_action), in one unit of work."""

from dataclasses import dataclass

from safeguarding.access import Action
from safeguarding.action_form import read_action_form
from safeguarding.case_actions import ActionDraft, AddedAction
from safeguarding.clock import Clock
from safeguarding.errors import Conflict
from safeguarding.ports import UnitOfWorkFactory
from safeguarding.services.actions import action_added_before, store_action
from safeguarding.services.press import Press
from safeguarding.services.scripted import run_as
from safeguarding.services.viewing import allowed
from safeguarding.staff import StaffMember

__all__ = ["Actions", "read_action_form"]


@dataclass(frozen=True)
class Actions:
    uow_factory: UnitOfWorkFactory
    clock: Clock

    async def add(
        self, actor: StaffMember, incident_id: int, draft: ActionDraft, conversation: str
    ) -> AddedAction:
        """Store the action once (the form's key makes a second send return the first)."""
        run = (self.uow_factory, self.clock, actor, conversation)
        try:
            return await run_as(*run, _add, incident_id, draft)
        except Conflict:  # the same key committed meanwhile by a parallel send
            found = await run_as(*run, action_added_before, incident_id, draft.key)
            if found is None:
                raise
            return found


async def _add(press: Press, incident_id: int, draft: ActionDraft) -> AddedAction:
    facts = await allowed(press, incident_id, Action.VIEW_INCIDENT, "action.add")
    return await store_action(press, facts, draft)
