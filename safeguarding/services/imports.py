"""The roster's import health inside a press: for the DSL team and administrators' dashboards."""

from collections.abc import Collection, Sequence

from safeguarding.imports import ImportHealth, ImportRun, import_health
from safeguarding.merging import may_merge
from safeguarding.services.press import Press


async def import_status(
    press: Press, newest: Sequence[ImportRun], waiting: Collection[int]
) -> ImportHealth | None:
    """Healthy, Stale or Failed (when and why) from the newest run of each kind, and how many
    of the pupils added by hand that wait to be merged (`waiting`, their ids) this member of
    staff may see; None for those who do not keep the roster in step."""
    if not may_merge(press.staff):
        return None
    hidden = await press.uow.access.excluded_students(press.staff.id)
    shown = len([student_id for student_id in waiting if student_id not in hidden])
    return import_health(newest, press.now, press.rules.import_stale_after, shown)
