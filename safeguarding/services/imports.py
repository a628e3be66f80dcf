"""The roster's import health inside a press: for the DSL team and administrators' dashboards."""

from safeguarding.imports import ImportHealth, import_health
from safeguarding.merging import may_merge
from safeguarding.services.press import Press


async def import_status(press: Press) -> ImportHealth | None:
    """Healthy, Stale or Failed (when and why), and how many pupils added by hand wait to be
    merged; None for those who do not keep the roster in step."""
    if not may_merge(press.staff):
        return None
    uow, school_id = press.uow, press.staff.school_id
    hidden = await uow.access.excluded_students(press.staff.id)
    waiting = [s for s in await uow.students.provisional(school_id) if s.id not in hidden]
    runs = await uow.imports.newest(school_id)
    return import_health(runs, press.now, press.rules.import_stale_after, len(waiting))
