"""Viewing an incident: the access decision, elevation where the rules need it, an audit event."""

from dataclasses import dataclass, replace
from datetime import datetime

from safeguarding.access import AccessPolicy, Action, Decision, Record, Viewer, decide
from safeguarding.case_actions import ActionEntry
from safeguarding.incidents import (
    AttachmentInfo,
    Evidence,
    IncidentFacts,
    Marker,
    Status,
)
from safeguarding.school import Category


@dataclass(frozen=True)
class IncidentView:
    facts: IncidentFacts
    text: str
    evidence: Evidence | None
    markers: tuple[Marker, ...]
    attachments: tuple[AttachmentInfo, ...]
    categories: dict[int, Category]
    staff_names: dict[int, str]
    unread_alert: int | None = None  # the viewer's own unread alert about it (Mark as read)
    actions: tuple[ActionEntry, ...] = ()  # follow-ups, in the order they happened
    actions_held: int = 0  # actions in a restricted category: shown once the code is entered
    can_work: bool = False  # may assign it and change its status (the DSL team)
    viewer_id: int = 0
    pupil_records: tuple[int, ...] = ()  # the incident's pupils whose records they may open
    can_attach: bool = False  # may send files for it (its recorder, or the DSL team)
    oversees: bool = False  # the DSL team: audit history, pupil report, withdrawing grants
    pasted: bool = False  # its text was an HTML email's: the original is kept as evidence


@dataclass(frozen=True)
class IncidentStatus:
    """What the recorder of an incident they may not read learns: its reference and status."""

    reference: str
    status: Status


@dataclass(frozen=True)
class PastedOriginal:
    """An HTML email as it was pasted into an incident's text (or an action's), shown as text."""

    reference: str
    incident_id: int
    action_id: int | None
    source: str


@dataclass(frozen=True)
class AlertCopy:
    """A second message of one alert (a send whose message id was lost): it stands aside."""

    reference: str
    incident_id: int


def action_decision(
    viewer: Viewer,
    policy: AccessPolicy,
    facts: IncidentFacts,
    categories: frozenset[int],
    now: datetime,
) -> Decision:
    """An action is read with its incident: the decision on the incident's categories and the
    action's own (a restricted category on an action restricts that action)."""
    record = facts.record()
    if not categories <= record.categories:
        record = replace(record, categories=record.categories | categories)
    return decide(viewer, Action.VIEW_INCIDENT, record, policy, now)


def pupil_records(
    viewer: Viewer, policy: AccessPolicy, facts: IncidentFacts, now: datetime
) -> tuple[int, ...]:
    """The incident's pupils whose records this viewer may open."""
    return tuple(
        p.student_id
        for p in facts.record().pupils
        if decide(viewer, Action.VIEW_STUDENT, Record(pupils=(p,)), policy, now) == Decision.ALLOW
    )
