"""Corrections without loss: the rules of Edit, Move to another pupil and Add linked student.

Each change keeps the incident as it was (a version snapshot), then writes the new content under
the next version number, as one case event the History shows: who changed what, and when. Only
the DSL team may, on the version their card showed; nothing is ever deleted. Reading the forms
and deciding what may change are pure (safeguarding/services/editing.py applies them).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from safeguarding.access import AccessPolicy
from safeguarding.cases import IncidentContent
from safeguarding.errors import InvalidInput
from safeguarding.incident_form import happened_at_of, ids, split_list
from safeguarding.incidents import MAX_AGENCY, MAX_LINKED, MAX_TEXT, IncidentFacts
from safeguarding.school import Category
from safeguarding.search import StudentMatch
from safeguarding.staff import StaffMember

FIELDS = ("text", "categories", "date and time", "agencies")
MAX_QUERY = 100


@dataclass(frozen=True)
class EditForm:
    """Edit: the incident's current content and what the editor may choose from."""

    facts: IncidentFacts
    text: str
    categories: tuple[Category, ...]  # those the editor may record in
    agencies: tuple[str, ...]
    hide_names: bool = False  # the editor's Hide names setting here
    values: Mapping[str, Any] = field(default_factory=dict)  # what was typed, when it came back


@dataclass(frozen=True)
class PupilPick:
    """Move ("move") or Add linked student ("link"): the pupils found by name (none already
    on the incident, none the editor may not see) and, to link, the categories to give."""

    facts: IncidentFacts
    purpose: str
    query: str
    matches: tuple[StudentMatch, ...]
    categories: tuple[Category, ...]
    hide_names: bool = False
    values: Mapping[str, Any] = field(default_factory=dict)


def read_edit(
    values: Mapping[str, Any], facts: IncidentFacts, *, now: datetime, time_zone: str
) -> IncidentContent:
    """The Edit form: text, when, agencies, and each pupil's categories."""
    errors: dict[str, str] = {}
    text = str(values.get("text") or "").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        errors["text"] = "The incident needs its text."
    elif len(text) > MAX_TEXT:
        errors["text"] = f"The text is {len(text):,} characters; the most is {MAX_TEXT:,}."
    local = facts.happened_at.astimezone(ZoneInfo(time_zone))
    same = str(values.get("date") or "") == local.date().isoformat() and str(
        values.get("time") or ""
    ) == local.strftime("%H:%M")
    # Left as it was: kept exactly (in the hour the clocks go back, 01:30 happens twice).
    happened = facts.happened_at if same else happened_at_of(values, now, time_zone, errors)
    categories = {}
    for pupil in facts.pupils:
        chosen = frozenset(ids(values.get(f"categories_{pupil.student.id}")))
        if not pupil.linked and not chosen:
            errors[f"categories_{pupil.student.id}"] = "Choose at least one category."
        categories[pupil.student.id] = chosen
    agencies = tuple(
        dict.fromkeys(a.strip()[:MAX_AGENCY] for a in split_list(values.get("agencies")))
    )
    if errors:
        raise InvalidInput(errors)
    return IncidentContent(text, happened, agencies, categories)


def content_of(facts: IncidentFacts, text: str) -> IncidentContent:
    """What an edit may change, as the incident has it now."""
    return IncidentContent(
        text,
        facts.happened_at,
        facts.agencies,
        {p.student.id: p.category_ids for p in facts.pupils},
    )


def changed_fields(
    before: IncidentContent, after: IncidentContent, policy: AccessPolicy, editor: StaffMember
) -> list[str]:
    """What an edit changes (in FIELDS' words); InvalidInput when nothing, or when a category
    is not the school's or one the editor may record in."""
    changed = []
    if before.text != after.text:
        changed.append("text")
    if dict(before.categories) != dict(after.categories):
        changed.append("categories")
    if before.happened_at != after.happened_at:
        changed.append("date and time")
    if tuple(before.agencies) != tuple(after.agencies):
        changed.append("agencies")
    if not changed:
        raise InvalidInput({"form": "Nothing was changed."})
    chosen = frozenset().union(*after.categories.values())
    added = chosen - frozenset().union(*before.categories.values())
    if not chosen <= policy.categories or added & policy.retired:
        raise InvalidInput({"form": "Choose categories from the lists."})
    if not may_record(policy, editor, chosen):
        raise InvalidInput({"form": "You may not record in one of those categories."})
    return changed


def may_record(policy: AccessPolicy, editor: StaffMember, categories: frozenset[int]) -> bool:
    """Whether the editor may record in every one of these categories (by the school's rights)."""
    return all(policy.rights(editor, c).add_incidents for c in categories)


def check_room_to_link(facts: IncidentFacts) -> None:
    """InvalidInput when the incident already links as many pupils as it may."""
    if sum(1 for p in facts.pupils if p.linked) >= MAX_LINKED:
        raise InvalidInput({"student": f"An incident can link at most {MAX_LINKED} pupils."})


def check_not_on_it(facts: IncidentFacts, student_id: int) -> None:
    """InvalidInput when the pupil chosen is already on the incident."""
    if student_id in {p.student.id for p in facts.pupils}:
        raise InvalidInput({"student": "That pupil is already on this incident."})


def check_link_categories(
    policy: AccessPolicy, editor: StaffMember, categories: frozenset[int]
) -> None:
    """A linked pupil's categories: the school's, ones the editor may record in."""
    if not categories <= policy.current or not may_record(policy, editor, categories):
        raise InvalidInput({"categories": "Choose categories from the list."})


def pick_matches(facts: IncidentFacts, found: Sequence[StudentMatch]) -> tuple[StudentMatch, ...]:
    """The pupils found, less those already on the incident."""
    on_it = {p.student.id for p in facts.pupils}
    return tuple(m for m in found if m.student_id not in on_it)
