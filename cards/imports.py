"""The roster's import status at the top of the DSL team's and administrators' dashboards, with
the pupils added by hand that wait to be merged (no pupil named: the count and a button)."""

from zoneinfo import ZoneInfo

from cards.elements import Card, action_set, execute, text_block, text_run, warning
from cards.verbs import Verb
from safeguarding.imports import Health, ImportHealth


def import_status(health: ImportHealth, zone: ZoneInfo) -> list[Card]:
    """Import status: Healthy, Stale or Failed (when, and why), and the pupils to merge."""
    last = health.last
    when = last.finished_at.astimezone(zone).strftime("%d/%m %H:%M") if last else ""
    if health.status == Health.FAILED:
        cards = [warning(f"**Import status: Failed** at {when}"), text_run(health.why)]
    elif last is None:
        cards = [warning("**Import status: Stale** (no import yet)")]
    else:
        words = f"**Import status: {health.status.value}** (last {last.kind} {when})"
        cards = [text_block(words) if health.status == Health.HEALTHY else warning(words)]
    if health.provisional:
        count = health.provisional
        waiting = (
            "1 pupil added by hand waits" if count == 1 else f"{count} pupils added by hand wait"
        )
        cards += [
            text_block(f"{waiting} to be merged into the roster's.", subtle=True),
            action_set(execute(Verb.STUDENT_PROVISIONAL, "Review pupils added by hand")),
        ]
    return cards
