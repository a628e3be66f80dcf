"""Audit events: who did what to which record, when, and from which kind of conversation.

Events carry ids and short codes only, never pupil names or incident text.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class AuditAction(StrEnum):
    IDENTITY_REFUSED = "identity.refused"
    SCHOOL_SEEDED = "school.seeded"


@dataclass(frozen=True)
class AuditEvent:
    action: AuditAction
    occurred_at: datetime
    school_id: int | None = None
    actor_staff_id: int | None = None
    record_type: str | None = None
    record_id: int | None = None
    conversation_type: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
