"""Working a case: the rules for assigning it and moving its status, one version at a time.

Every button carries the incident version its card showed. A change applies only to that
version (a conditional update), so when two people act at once one wins and the other is told
what happened ("Already assigned to Tom Okafor by Priya Raman at 10:42"), never overwritten.
The decisions here are pure: which case event comes next, or why there is none.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from safeguarding.access import AccessPolicy, Action, Decision, Record, Viewer, decide
from safeguarding.audit import AuditAction
from safeguarding.cases import CaseEvent, IncidentVersion
from safeguarding.errors import InvalidInput
from safeguarding.incidents import IncidentFacts, Status
from safeguarding.school import Student
from safeguarding.staff import StaffMember

OUTCOMES = (
    "No further action",
    "Advice and monitoring in school",
    "Early help",
    "Referred to children's social care",
    "Referred to the police",
    "Referred to the LADO",
    "Other (see the reason)",
)
MAX_REASON = 4000

# Where a case may go from each status: never back to Open; Closed reopens as Active.
MOVES = {
    Status.OPEN: (Status.ACTIVE, Status.CLOSED),
    Status.ACTIVE: (Status.CLOSED,),
    Status.CLOSED: (Status.ACTIVE,),
}
NOT_CHOSEN = "Choose a colleague from the list."
NOT_A_WORKER = "Choose a colleague who works safeguarding cases."
FORMER = "a former colleague"


@dataclass(frozen=True)
class History:
    """A case's changes, oldest first, the versions kept, and the names they need."""

    facts: IncidentFacts
    events: list[CaseEvent]
    staff_names: dict[int, str]
    versions: list[IncidentVersion]
    pupils: dict[int, Student]
    hide_names: bool = False  # the viewer's Hide names setting here


@dataclass(frozen=True)
class AssignForm:
    """Assign…: the case and the colleagues it may be assigned to."""

    facts: IncidentFacts
    workers: tuple[StaffMember, ...]


@dataclass(frozen=True)
class StatusForm:
    """Change status: the case as it is (where it may go is MOVES[facts.status]), and what
    was typed when a save comes back."""

    facts: IncidentFacts
    values: Mapping[str, Any] = field(default_factory=dict)
    outcomes: tuple[str, ...] = OUTCOMES  # the school's list of closing outcomes


@dataclass(frozen=True)
class Unchanged:
    """Nothing to change (it is so already): said above the incident."""

    notice: str


@dataclass(frozen=True)
class StatusChange:
    status: Status
    outcome: str | None = None
    reason: str = ""


def read_status_change(
    values: Mapping[str, Any], current: Status, outcomes: Sequence[str] = OUTCOMES
) -> StatusChange:
    """The Change status form: the new status, and an outcome (from the school's list) and
    reason to close or reopen."""
    errors: dict[str, str] = {}
    raw = str(values.get("status") or "")
    status = Status(raw) if raw in {s.value for s in Status} else None
    if status is None or status not in MOVES[current]:
        allowed = " or ".join(s.value for s in MOVES[current])
        errors["status"] = f"Choose {allowed}."
    outcome = str(values.get("outcome") or "").strip() or None
    reason = str(values.get("reason") or "").strip()
    if status == Status.CLOSED and outcome not in outcomes:
        errors["outcome"] = "Choose the outcome."
    if status is not None and status != Status.CLOSED and outcome:
        errors["outcome"] = "An outcome closes the case: choose Closed, or leave the outcome empty."
    if (status == Status.CLOSED or current == Status.CLOSED) and not reason:
        errors["reason"] = "Give the reason for this decision."  # closing, or reopening
    if len(reason) > MAX_REASON:
        errors["reason"] = f"Keep the reason under {MAX_REASON} characters."
    if errors:
        raise InvalidInput(errors)
    assert status is not None
    return StatusChange(status, outcome if status == Status.CLOSED else None, reason)


def assignee_name(actor_id: int, assignee_id: int, workers: Sequence[StaffMember]) -> str:
    """Who the case goes to, as the notice names them ("you" for oneself)."""
    if assignee_id == actor_id:
        return "you"
    return next((s.display_name for s in workers if s.id == assignee_id), "the colleague chosen")


def next_assignment(
    facts: IncidentFacts,
    actor_id: int,
    assignee_id: int | None,
    workers: Sequence[StaffMember],
    now: datetime,
) -> CaseEvent | Unchanged:
    """The assignment to apply to the case as it is; Unchanged when it is theirs already;
    InvalidInput (for the form's `staff`) when nobody, or nobody who may work it, was chosen."""
    if assignee_id is None:
        raise InvalidInput({"staff": NOT_CHOSEN})
    who = assignee_name(actor_id, assignee_id, workers)
    if assignee_id == facts.assignee_id:  # never re-versioned for nothing
        return Unchanged(f"It is already assigned to {who}.")
    if assignee_id not in {s.id for s in workers}:
        raise InvalidInput({"staff": NOT_A_WORKER})
    return CaseEvent(facts.id, facts.version + 1, "assigned", actor_id, now, assignee_id)


def next_status(
    facts: IncidentFacts, change: StatusChange, actor_id: int, now: datetime
) -> CaseEvent:
    """The status event to apply to the case as it is; InvalidInput when it may not go there."""
    if change.status not in MOVES[facts.status]:
        raise InvalidInput({"status": f"The case is {facts.status.value} now."})
    return CaseEvent(
        facts.id,
        facts.version + 1,
        "status",
        actor_id,
        now,
        status=change.status,
        outcome=change.outcome,
        reason=change.reason,
    )


def what_happened(facts: IncidentFacts, last: CaseEvent | None, names: Mapping[int, str]) -> str:
    """The newest change, as a sentence for the colleague whose card was out of date."""
    if last is None:
        return "The case changed since this card was shown."
    who = names.get(last.actor_id, FORMER)
    at = last.at.astimezone(ZoneInfo(facts.time_zone)).strftime("%H:%M on %-d %b")
    if last.kind == "assigned":
        return f"Already assigned to {names.get(last.assignee_id or 0, FORMER)} by {who} at {at}."
    if last.kind in ("edited", "moved", "linked"):
        return f"Already {last.kind} by {who} at {at}: this is the incident as it is now."
    status = last.status.value if last.status else facts.status.value
    return f"Already marked {status} by {who} at {at}."


def event_audit(
    facts: IncidentFacts, event: CaseEvent, outcomes: Sequence[str] = OUTCOMES
) -> tuple[AuditAction, dict[str, Any]]:
    """The audit event for an assignment or a status change (an outcome by its index in the
    school's list, whose changes are audited with the list before and after)."""
    detail: dict[str, Any] = {"version": event.version}
    if event.kind == "assigned":
        return AuditAction.CASE_ASSIGNED, detail | {"assignee": event.assignee_id}
    detail |= {"from": facts.status.value, "to": event.status and event.status.value}
    if event.outcome:
        detail["outcome"] = outcomes.index(event.outcome) if event.outcome in outcomes else None
    return AuditAction.CASE_STATUS_CHANGED, detail


def case_workers(
    staff: Sequence[StaffMember],
    excluded: Mapping[int, frozenset[int]],
    record: Record,
    policy: AccessPolicy,
    now: datetime,
) -> list[StaffMember]:
    """The DSL team who could work this case, by name: never one excluded from a pupil, or one
    whose year groups or category rights would keep them out of it (elevation assumed)."""
    workers = [
        member
        for member in staff
        if member.active
        and member.leads_safeguarding
        and decide(
            Viewer(member, excluded.get(member.id, frozenset()), elevated=True),
            Action.WORK_CASE,
            record,
            policy,
            now,
        )
        == Decision.ALLOW
    ]
    return sorted(workers, key=lambda s: s.display_name)
