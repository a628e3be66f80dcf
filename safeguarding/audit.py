"""Audit events: who did what to which record, when, and from which kind of conversation.

Events carry ids and short codes only, never pupil names or incident text. Each school's events
form a chain of HMAC-SHA-256 links under a key held outside the database, so an edited, removed,
reordered or forged event is detected (`kestrel audit verify`).
"""

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from safeguarding.staff import StaffMember


class AuditAction(StrEnum):
    IDENTITY_REFUSED = "identity.refused"
    ACCESS_REFUSED = "access.refused"
    SCHOOL_SEEDED = "school.seeded"
    ELEVATION_PROMPTED = "elevation.prompted"
    ELEVATION_ENROLMENT_STARTED = "elevation.enrolment_started"
    ELEVATION_GRANTED = "elevation.granted"
    ELEVATION_FAILED = "elevation.failed"
    ELEVATION_LOCKED_OUT = "elevation.locked_out"
    ELEVATION_RESET = "elevation.reset"
    EXCLUSION_SET = "exclusion.set"
    EXCLUSION_LIFTED = "exclusion.lifted"
    EXCLUSIONS_VIEWED = "exclusions.viewed"
    SETTINGS_CHANGED = "settings.changed"
    INCIDENT_RECORDED = "incident.recorded"
    ACCESS_GRANTED = "access.granted"
    STUDENT_PROVISIONAL = "student.provisional"
    ATTACHMENT_ADDED = "attachment.added"
    ATTACHMENT_OPENED = "attachment.opened"
    BODY_MAP_VIEWED = "body_map.viewed"
    INCIDENT_VIEWED = "incident.viewed"
    INCIDENT_STATUS_VIEWED = "incident.status_viewed"
    ACCESS_WITHDRAWN = "access.withdrawn"
    AUDIT_VIEWED = "audit.viewed"
    ALERT_READ = "alert.read"
    DASHBOARD_VIEWED = "dashboard.viewed"
    INCIDENT_ESCALATED = "incident.escalated"
    CASE_ASSIGNED = "case.assigned"
    CASE_STATUS_CHANGED = "case.status_changed"
    CASE_HISTORY_VIEWED = "case.history_viewed"
    ACTION_ADDED = "action.added"
    STUDENT_VIEWED = "student.viewed"
    INCIDENT_EDITED = "incident.edited"
    INCIDENT_MOVED = "incident.moved"
    INCIDENT_LINKED = "incident.linked"
    CHRONOLOGY_EXPORTED = "chronology.exported"
    TRIAGE_CHOSEN = "triage.chosen"
    TRIAGE_STOPPED = "triage.stopped"
    TRIAGE_VIEWED = "triage.viewed"
    ROSTER_IMPORTED = "roster.imported"
    ROSTER_IMPORT_FAILED = "roster.import_failed"
    # Staff from Microsoft Entra: a sync (counts), a colleague it added, a sync refused.
    STAFF_SYNCED = "staff.synced"
    STAFF_ADDED = "staff.added"
    STAFF_SYNC_FAILED = "staff.sync_failed"
    PROVISIONAL_VIEWED = "students.provisional_viewed"
    MERGE_VIEWED = "student.merge_viewed"
    STUDENT_MERGED = "student.merged"
    AUDIT_REKEYED = "audit.rekeyed"
    # Administration: each with the version it made and the fields' before and after.
    CATEGORY_ADDED = "category.added"
    CATEGORY_CHANGED = "category.changed"
    CATEGORY_RETIRED = "category.retired"
    CATEGORY_RESTORED = "category.restored"
    RIGHTS_CHANGED = "rights.changed"
    RIGHTS_PROPOSED = "rights.proposed"
    RIGHTS_DECLINED = "rights.declined"
    STAFF_CHANGED = "staff.changed"
    SCOPE_CHANGED = "scope.changed"
    GROUP_ADDED = "alert_group.added"
    GROUP_CHANGED = "alert_group.changed"
    GROUP_RETIRED = "alert_group.retired"
    GROUP_RESTORED = "alert_group.restored"
    LIST_CHANGED = "list.changed"
    SCHOOL_CHANGED = "school.changed"
    TERM_ADDED = "term.added"
    TERM_REMOVED = "term.removed"
    # A trust's colleague chose the school they work in (in the school left and the one chosen).
    SCHOOL_SWITCHED = "school.switched"


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


GENESIS = "0" * 64


def chain_hash(previous_hash: str, fields: dict[str, Any], key: bytes | None) -> str:
    """The link of one audit event: HMAC-SHA-256 under `key` over the previous link, then its
    canonical fields (plain SHA-256 when `key` is None: links written before keyed audit).

    `fields` holds the stored values (chain, seq, occurred_at as UTC ISO text, actor, action,
    record, conversation type, detail); changing any of them, or the order, breaks the chain,
    and without the key nobody can compute a link that holds.
    """
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    message = f"{previous_hash}\n{canonical}".encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def canonical_time(moment: datetime) -> str:
    """A timestamp as hashed: UTC, microseconds, no offset (naive values are UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


def staff_event(
    actor: StaffMember,
    action: AuditAction,
    at: datetime,
    conversation_type: str,
    *,
    record_type: str | None = None,
    record_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """An event done by a member of staff, in their school."""
    return AuditEvent(
        action,
        at,
        school_id=actor.school_id,
        actor_staff_id=actor.id,
        record_type=record_type,
        record_id=record_id,
        conversation_type=conversation_type,
        detail=detail or {},
    )
