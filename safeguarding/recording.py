"""Recording a concern outside Teams (seeding, benches, tests that need an incident): the same
use case as incident.record (services/recording.py:store_incident), in one unit of work."""

from dataclasses import dataclass
from datetime import timedelta

from safeguarding.clock import Clock
from safeguarding.errors import Conflict
from safeguarding.incidents import IncidentDraft
from safeguarding.ports import UnitOfWorkFactory
from safeguarding.services.press import Rules
from safeguarding.services.recording import Recorded, recorded_before, store_incident
from safeguarding.services.scripted import run_as
from safeguarding.staff import StaffMember


@dataclass(frozen=True)
class Recording:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    escalate_after: timedelta = timedelta(minutes=15)  # urgent concerns nobody has read

    async def record(
        self, actor: StaffMember, draft: IncidentDraft, conversation_type: str
    ) -> Recorded:
        """Store the incident once (the form's key makes a second send return the first)."""
        rules = Rules(escalate_after=self.escalate_after)
        run = (self.uow_factory, self.clock, actor, conversation_type)
        try:
            return await run_as(*run, store_incident, draft, rules=rules)
        except Conflict:  # the same key committed meanwhile by a parallel send
            found = await run_as(*run, recorded_before, draft.key, rules=rules)
            if found is None:
                raise
            return found
