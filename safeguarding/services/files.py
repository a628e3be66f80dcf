"""Opening a file through a signed link, inside its press: the body map's markers and an
incident's attachment, each decided again for the link's member of staff and audited."""

import hashlib

from safeguarding.access import Action, Decision
from safeguarding.audit import AuditAction
from safeguarding.errors import NotAvailable
from safeguarding.files import OpenedFile
from safeguarding.incidents import IncidentFacts, Marker
from safeguarding.outcomes import Done
from safeguarding.services.press import Press
from safeguarding.services.viewing import decision_on, refuse_incident


async def open_body_map(press: Press, incident_id: int) -> Done[tuple[Marker, ...]]:
    """The markers to draw, if the link's member of staff may still read the incident now."""
    await _readable(press, incident_id, "body_map")
    markers = tuple(await press.uow.incidents.markers(incident_id))
    await press.audit(AuditAction.BODY_MAP_VIEWED, ("incident", incident_id))
    return Done(markers)


async def open_attachment(press: Press, attachment_id: int) -> Done[OpenedFile]:
    """A file, if the link's member of staff may still read its incident now; its SHA-256 is
    checked (a file missing or altered at rest is never served); the download is audited."""
    found = await press.uow.attachments.info(attachment_id)
    if found is None:
        raise NotAvailable()
    incident_id, info = found
    await _readable(press, incident_id, "attachment.open")
    content = await press.uow.attachments.content(attachment_id)  # decided first, then read
    if content is None or hashlib.sha256(content).hexdigest() != info.sha256:
        raise NotAvailable()
    detail = {"attachment": attachment_id}
    await press.audit(AuditAction.ATTACHMENT_OPENED, ("incident", incident_id), detail)
    return Done(OpenedFile(info.name, info.kind, content))


async def _readable(press: Press, incident_id: int, verb: str) -> IncidentFacts:
    """The incident, if this member of staff may read it in full now (refused and audited
    otherwise: a link never asks for a code)."""
    facts = await press.uow.incidents.facts(press.school.id, incident_id)
    if facts is None:
        raise NotAvailable()
    action = Action.VIEW_INCIDENT
    if await decision_on(press.uow, press.staff, facts, action, press.now) != Decision.ALLOW:
        await refuse_incident(press, incident_id, verb)
    return facts
