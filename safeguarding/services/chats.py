"""Presses with nothing to show: noting a chat, forgetting it, refusing a button."""

from safeguarding.audit import AuditAction
from safeguarding.identity import Identified
from safeguarding.services.press import Press


async def note_chat(press: Press) -> Identified:
    """Who this is (the press keeps their chat address on the way): for turns with no verb."""
    return press.who


async def forget_chat(press: Press) -> None:
    """Kestrel was removed from this member of staff's Teams: no address any more (for any of
    their schools: one chat served them all)."""
    for staff_id in press.who.staff_ids or (press.staff.id,):
        await press.uow.chats.delete(staff_id)


async def refuse_verb(press: Press, verb: str) -> None:
    """A button or command that cannot be served (unknown, malformed, posted where it may not
    be): an access.refused event naming the verb, ids only, never the payload."""
    await press.audit(AuditAction.ACCESS_REFUSED, detail={"verb": verb[:40]})
