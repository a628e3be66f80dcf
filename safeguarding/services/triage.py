"""The DSL team's triage channel inside a press: choosing it (`triage here`, `triage off`), a
viewer's own view of a concern's post there, and the post queued with each new concern."""

from dataclasses import dataclass

from safeguarding.audit import AuditAction
from safeguarding.chats import ChatAddress
from safeguarding.dashboard import NEW, DashboardLine
from safeguarding.outcomes import Done
from safeguarding.services.dashboard import lines_for
from safeguarding.services.press import Press
from safeguarding.triage import TriageStub


@dataclass(frozen=True)
class TriageChoice:
    """What `triage here` / `triage off` did: `on` (posts go here now), `off` (no channel), or
    why nothing changed: `dsl_only` (refused and audited), `not_channel` (typed outside a
    team's channel), `usage`."""

    outcome: str
    school: str = ""


@dataclass(frozen=True)
class TriageView:
    """A concern's post as this viewer sees it: the stub, and its details (`line`) only for
    a member of the DSL team who may see the incident."""

    stub: TriageStub
    time_zone: str
    line: DashboardLine | None = None


async def choose_triage_channel(
    press: Press, words: str, channel: ChatAddress | None
) -> Done[TriageChoice]:
    """`triage here` in a team's channel makes it the school's triage channel; `triage off`
    stops it. The DSL team only (refused and audited for anyone else)."""
    wanted = words.strip().lower()
    if wanted not in ("here", "off"):
        return Done(TriageChoice("usage"))
    if not press.staff.leads_safeguarding:
        await press.audit(AuditAction.ACCESS_REFUSED, None, {"verb": "triage.set"})
        return Done(TriageChoice("dsl_only"))
    school = press.school
    if wanted == "off":
        stopped = await press.uow.triage.clear_channel(school.id)
        if stopped is not None:
            await press.audit(AuditAction.TRIAGE_STOPPED, ("school", school.id))
        return Done(TriageChoice("off", school.name))
    if press.conversation != "channel" or channel is None:
        return Done(TriageChoice("not_channel", school.name))
    await press.uow.triage.set_channel(school.id, channel, press.staff.id, press.now)
    await press.audit(AuditAction.TRIAGE_CHOSEN, ("school", school.id))
    return Done(TriageChoice("on", school.name))


async def show_triage_post(press: Press, incident_id: int) -> Done[TriageView]:
    """The post's view for this member of staff (its refresh, or Open): the DSL team see the
    concern as on their New concerns, audited; anyone else, the stub as it is stored."""
    facts = await press.uow.incidents.facts(press.staff.school_id, incident_id)
    if facts is None:
        await press.refuse("triage.show", ("incident", incident_id))
    stub = await press.uow.triage.stub(incident_id)
    zone = press.school.time_zone
    if not press.staff.leads_safeguarding:
        return Done(TriageView(stub, zone))
    line = (await lines_for(press, [incident_id], {}))(incident_id, NEW)
    if line.pupil is None:  # excluded from the pupil, or a category beyond their rights
        return Done(TriageView(stub, zone))
    await press.audit(AuditAction.TRIAGE_VIEWED, ("incident", incident_id))
    return Done(TriageView(stub, zone, line))


async def post_to_triage(press: Press, incident_id: int) -> bool:
    """A new concern goes to the school's triage channel, if it has one (in the recording's
    transaction: the sender posts it after commit). Whether it will be posted."""
    channel = await press.uow.triage.channel(press.staff.school_id)
    if channel is None:
        return False
    await press.uow.triage.queue_post(press.staff.school_id, incident_id, channel, press.now)
    return True
