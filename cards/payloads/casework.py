"""Payloads of the casework buttons: assigning, and choosing a pupil to move to or link."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from cards.payloads.base import CaseRef, chosen_id
from safeguarding.incident_form import ids


@dataclass(frozen=True)
class Assignee:
    """Assign to me (no `staff` sent) or Assign… (`staff`: the colleague chosen, None when the
    choice is not an id), on the case at the version its card showed."""

    incident: int
    version: int
    to_me: bool
    staff: int | None = None
    code: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        case = CaseRef.parse(data)
        if case is None:
            return None
        chosen = data.get("staff")
        return cls(
            case.incident, case.version, chosen is None, chosen_id(chosen), case.code, case.values
        )


@dataclass(frozen=True)
class PupilChoice:
    """Move to another pupil or Add linked student: the name searched for, the pupil chosen
    (None when not an id) and, to link, their categories; on the case at its card's version."""

    incident: int
    version: int
    query: str = ""
    student: int | None = None
    categories: frozenset[int] = frozenset()
    code: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Self | None:
        case = CaseRef.parse(data)
        if case is None:
            return None
        query = str(data.get("pupil_query") or "").strip()[:100]
        chosen = frozenset(ids(data.get("categories")))
        student = chosen_id(data.get("student"))
        return cls(case.incident, case.version, query, student, chosen, case.code, case.values)
