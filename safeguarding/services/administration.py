"""Administration inside a press: the `admin` command, the card's sections, the guard every
administration use case starts with, and what changed since a card was shown.

Every section's change is audited with its before and after (ids and names, never content) in
the press's transaction, and read from the database on the next press: nothing is cached.
"""

from safeguarding.administration import AdminHome, Section, administers, sections_for, what_changed
from safeguarding.outcomes import Done
from safeguarding.services.press import Press


async def open_admin(press: Press) -> Done[bool]:
    """The `admin` command: whether this member of staff may open the administration card."""
    return Done(bool(sections_for(press.staff)))


async def show_admin(press: Press) -> Done[AdminHome]:
    """The administration card's sections (administrators, and the DSL team for access)."""
    sections = sections_for(press.staff)
    if not sections:
        await press.refuse("admin.show")
    pending = await press.uow.proposals.pending(press.staff.school_id)
    return Done(AdminHome(sections, len(pending), press.staff.leads_safeguarding))


async def guard(press: Press, section: Section, verb: str) -> None:
    """Refused (audited, NotAvailable) unless this member of staff may use the section."""
    if not administers(press.staff, section):
        await press.refuse(verb)


async def changes_since(press: Press, record: tuple[str, int], seen: int) -> str:
    """What was changed on this record after the version a card showed (from the audit)."""
    events = await press.uow.audit.for_records(press.staff.school_id, [record], 20)
    names = {s.id: s.display_name for s in await press.uow.staff.list(press.staff.school_id)}
    return what_changed(events, seen, names, press.school.time_zone)
