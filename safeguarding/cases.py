"""A case's record: the events that changed it and the versions kept before each correction.

Value types only (the ports store and load them): every change to a case is a `CaseEvent` at the
next version; a correction (edit, move, link) is a `Change` that also keeps the incident as it
was (`IncidentVersion`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from safeguarding.incidents import Status


@dataclass(frozen=True)
class CaseEvent:
    """One change to a case: who, when, and what it became (the reason only when decrypted)."""

    incident_id: int
    version: int
    kind: str  # assigned, status, edited, moved, linked
    actor_id: int
    at: datetime
    assignee_id: int | None = None
    status: Status | None = None
    outcome: str | None = None
    reason: str = ""
    detail: dict = field(default_factory=dict)  # edited: fields; moved/linked: pupil ids


@dataclass(frozen=True)
class IncidentContent:
    """What an edit may change (the pupils' categories by pupil id)."""

    text: str
    happened_at: datetime
    agencies: tuple[str, ...]
    categories: Mapping[int, frozenset[int]]


@dataclass(frozen=True)
class IncidentVersion:
    """The incident as it was at `version` (before the change that made the next one)."""

    version: int
    content: IncidentContent
    linked: frozenset[int] = frozenset()  # the linked pupils then
    monitoring: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Change:
    """A correction: its case event and what it changes (one of content, moved_to, linked,
    merged)."""

    event: CaseEvent
    content: IncidentContent | None = None  # edited
    moved_to: int | None = None  # the new main pupil
    linked: tuple[int, frozenset[int]] | None = None  # a new linked pupil and their categories
    merged: tuple[int, int] | None = None  # a provisional pupil (from, to): main or linked
    detail: dict[str, Any] = field(default_factory=dict)
