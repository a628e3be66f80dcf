"""History: who changed a case and when, oldest first, with the reasons and the text before
each edit (the newest changes only: Teams refuses cards over 28 KB)."""

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from cards.elements import Card, adaptive_card, execute, facts, heading, text_block, text_run
from cards.pupils import pupil_name
from cards.verbs import Verb
from safeguarding.cases import CaseEvent, IncidentVersion
from safeguarding.casework import FORMER, History

HISTORY_SHOWN = 12
LONG = 1500  # characters of a reason or an old text shown


def history_card(history: History) -> Card:
    """Recorded by whom, then every change shown: what, by whom, at which version."""
    incident, names = history.facts, history.staff_names
    zone = ZoneInfo(incident.time_zone)
    events = history.events[-HISTORY_SHOWN:]
    body: list[Card] = [heading(f"History of {incident.reference}")]
    if hidden := len(history.events) - len(events):
        body.append(
            text_block(
                f"{hidden} earlier changes are in the incident's audit history.", subtle=True
            )
        )
    recorded_by = names.get(incident.recorded_by, FORMER)
    body.append(
        facts([(_when(incident.recorded_at, zone), f"Recorded by {recorded_by} (version 1)")])
    )
    before = {v.version: v for v in history.versions}
    pupils = {i: pupil_name(s, hide=history.hide_names) for i, s in history.pupils.items()}
    for event in events:
        body += _change(event, names, pupils, before.get(event.version - 1), zone)
    if not events:
        body.append(text_block("No changes since it was recorded.", subtle=True))
    return adaptive_card(
        body, [execute(Verb.INCIDENT_SHOW, "Back to the incident", incident=incident.id)]
    )


def _change(
    event: CaseEvent,
    names: Mapping[int, str],
    pupils: Mapping[int, str],
    old: IncidentVersion | None,
    zone: ZoneInfo,
) -> list[Card]:
    """One change: when, what and by whom; the reason given; the text an edit replaced."""
    who = names.get(event.actor_id, FORMER)
    what = _what(event, names, pupils)
    shown = [facts([(_when(event.at, zone), f"{what}, by {who} (version {event.version})")])]
    if event.reason:
        shown.append(text_run(f"Reason: {_shortened(event.reason)}"))
    if event.kind == "edited" and old and "text" in event.detail.get("fields", ()):
        shown.append(text_run(f"Text before this change: {_shortened(old.content.text)}"))
    return shown


def _what(event: CaseEvent, names: Mapping[int, str], pupils: Mapping[int, str]) -> str:
    if event.kind == "assigned":
        return f"Assigned to {names.get(event.assignee_id or 0, FORMER)}"
    if event.kind == "edited":
        return "Edited: " + ", ".join(event.detail.get("fields", ()))
    if event.kind == "moved":
        moved_from = pupils.get(event.detail.get("from", 0), "another pupil")
        moved_to = pupils.get(event.detail.get("to", 0), "another pupil")
        if event.detail.get("merged"):  # a pupil added by hand, found on the roster
            return f"{moved_from} merged into the roster's {moved_to}"
        return f"Moved from {moved_from} to {moved_to}"
    if event.kind == "linked":
        return f"Linked {pupils.get(event.detail.get('student', 0), 'a pupil')}"
    what = f"Status {event.status.value if event.status else ''}"
    return what + (f", outcome: {event.outcome}" if event.outcome else "")


def _shortened(text: str) -> str:
    return text if len(text) <= LONG else text[:LONG] + "…"


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")
