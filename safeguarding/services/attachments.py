"""Files on an incident inside a press: the attach window, and the files sent while it is open.

Files are downloaded from Teams between two presses, never inside a transaction: the first
(`attach_window`) says whether a window is open at all, the second (`attach_files`) decides
again and keeps what came (the documented exception to one press per turn).
"""

from collections.abc import Sequence

from safeguarding.access import Action, Decision
from safeguarding.audit import AuditAction
from safeguarding.files import (
    ATTACH_WINDOW,
    AttachResult,
    AttachWindow,
    ChatOnly,
    IncomingFile,
    check_file,
    stored_file,
)
from safeguarding.incidents import reference
from safeguarding.outcomes import Done
from safeguarding.services.press import Press
from safeguarding.services.viewing import decision_on, refuse_incident


async def open_attach_window(press: Press, incident_id: int) -> Done[str | ChatOnly]:
    """Attach files (incident.attach): files sent in the next 15 minutes go on this incident
    (its recorder, or the DSL team); refused and audited for anyone else."""
    if press.conversation != "personal":
        return Done(ChatOnly())
    if not await may_attach(press, AttachWindow(incident_id)):
        await refuse_incident(press, incident_id, "incident.attach")
    await press.uow.attachments.open_window(press.staff.id, incident_id, press.now + ATTACH_WINDOW)
    return Done(reference(incident_id))


async def attach_window(press: Press) -> Done[AttachWindow | None]:
    """Where files sent now would go (before they are downloaded); None: nowhere."""
    if press.conversation != "personal":
        return Done(None)
    found = await press.uow.attachments.window_of(press.staff.id, press.now)
    return Done(AttachWindow(*found) if found else None)


async def attach_files(press: Press, files: Sequence[IncomingFile]) -> Done[AttachResult | None]:
    """Check and keep each downloaded file on the open window's incident; None when the window
    closed meanwhile, or access has changed since it opened."""
    uow, actor = press.uow, press.staff
    found = await uow.attachments.window_of(actor.id, press.now)
    window = AttachWindow(*found) if found else None
    if window is None or not await may_attach(press, window):
        return Done(None)
    outcomes = []
    for incoming in files:
        outcome = check_file(incoming, press.rules.max_attachment_bytes)
        outcomes.append(outcome)
        if outcome.refused or incoming.content is None:
            continue
        stored = stored_file(incoming, outcome, window, actor.id)
        attachment_id = await uow.attachments.add(stored, press.now)
        detail = {"attachment": attachment_id, "sha256": stored.sha256, "action": window.action_id}
        await press.audit(AuditAction.ATTACHMENT_ADDED, ("incident", window.incident_id), detail)
    return Done(AttachResult(reference(window.incident_id), tuple(outcomes)))


async def may_attach(press: Press, window: AttachWindow) -> bool:
    """Its recorder, the DSL team, or the author of the action the files go with; never
    anyone excluded from one of its pupils."""
    uow, actor = press.uow, press.staff
    facts = await uow.incidents.facts(actor.school_id, window.incident_id)
    action_id = window.action_id
    author = await uow.actions.author(action_id) if action_id is not None else None
    allowed = facts is not None and (
        facts.recorded_by == actor.id or actor.leads_safeguarding or author == actor.id
    )
    if facts is None or not allowed:
        return False
    status = Action.VIEW_INCIDENT_STATUS
    return await decision_on(uow, actor, facts, status, press.now) == Decision.ALLOW
