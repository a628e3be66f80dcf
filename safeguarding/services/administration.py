"""Administration inside a press: the `admin` command, the card's sections, the guard every
administration use case starts with, and what changed since a card was shown.

Every section's change is audited with its before and after (ids and names, never content) in
the press's transaction, and read from the database on the next press: nothing is cached.
"""

from collections.abc import Iterable
from typing import Protocol, TypeVar

from safeguarding.administration import AdminHome, Section, administers, sections_for, what_changed
from safeguarding.outcomes import Done
from safeguarding.services.press import Press


async def open_admin(press: Press) -> Done[str]:
    """The `admin` command: `open` (its stub), `not_yours` (no section for this member of
    staff), or `personal_only` (typed outside their 1:1 chat with Kestrel)."""
    if not sections_for(press.staff):
        return Done("not_yours")
    return Done("open" if press.conversation == "personal" else "personal_only")


async def show_admin(press: Press) -> Done[AdminHome]:
    """The administration card's sections (administrators, and the DSL team for access)."""
    sections = sections_for(press.staff)
    if not sections or press.conversation != "personal":
        await press.refuse("admin.show")
    pending = await press.uow.proposals.pending(press.staff.school_id)
    return Done(AdminHome(sections, len(pending), press.staff.leads_safeguarding))


async def guard(press: Press, section: Section, verb: str) -> None:
    """Refused (audited, NotAvailable) unless this member of staff may use the section, in
    their 1:1 chat (the cards name restricted categories: never in a shared conversation)."""
    if not administers(press.staff, section) or press.conversation != "personal":
        await press.refuse(verb)


class HasId(Protocol):
    id: int


R = TypeVar("R", bound=HasId)


async def one_of(press: Press, records: Iterable[R], record: tuple[str, int], verb: str) -> R:
    """The school's record of that id (`records` are the school's own); refused and audited
    when the card named another, whatever it is."""
    found = next((r for r in records if r.id == record[1]), None)
    if found is None:
        await press.refuse(verb, record)
    return found


async def changes_since(press: Press, record: tuple[str, int], seen: int) -> str:
    """What was changed on this record after the version a card showed (from the audit)."""
    events = await press.uow.audit.for_records(press.staff.school_id, [record], 20)
    names = await press.uow.staff.names(press.staff.school_id)
    return what_changed(events, seen, names, press.school.time_zone)
