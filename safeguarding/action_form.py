"""The Add action form as data: what it offers, and reading what comes back (every problem at
once, by field, so the form can come back with what was typed and a message by each field)."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from safeguarding.case_actions import PLANNER_AHEAD, ActionDraft
from safeguarding.errors import InvalidInput
from safeguarding.incident_form import (
    FormOptions,
    form_key,
    happened_at_of,
    ids,
    is_id,
    text_of,
)
from safeguarding.incidents import MAX_AGENCY, IncidentFacts
from safeguarding.staff import StaffMember

_KEY = re.compile(r"[A-Za-z0-9_-]{8,64}")


@dataclass(frozen=True)
class ActionForm:
    """The Add action form: options, the user's values and the server's messages."""

    facts: IncidentFacts
    now: datetime
    options: FormOptions
    planners: Sequence[StaffMember] = ()  # who may be reminded (oneself too)
    values: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    grants: Sequence[str] = ()
    confirm: str = ""


def read_action_form(values: Mapping[str, Any], *, now: datetime, time_zone: str) -> ActionDraft:
    """The Add action form as a draft; InvalidInput names every wrong field."""
    errors: dict[str, str] = {}
    key = form_key(values)
    if not _KEY.fullmatch(key):
        errors["form"] = "This form is out of date. Please open Add action again."
    text = text_of(values, errors, "Say what was done (who, what, and what was decided).")
    happened = happened_at_of(values, now, time_zone, errors, what="action")
    planner_date, planner_staff = _planner(values, now, time_zone, errors)
    if errors:
        raise InvalidInput(errors)
    return ActionDraft(
        key=key,
        text=text.text,
        original=text.original,
        happened_at=happened,
        time_zone=time_zone,
        category_ids=frozenset(ids(values.get("categories"))),
        agency=str(values.get("agency") or "").strip()[:MAX_AGENCY],
        planner_date=planner_date,
        planner_staff_id=planner_staff,
        alert_staff_ids=frozenset(ids(values.get("alert_staff"))),
        alert_group_ids=frozenset(ids(values.get("alert_groups"))),
        confirm=str(values.get("confirm", ""))[:200],
    )


def _planner(
    values: Mapping[str, Any], now: datetime, time_zone: str, errors: dict[str, str]
) -> tuple[date | None, int | None]:
    day_text = str(values.get("planner_date") or "").strip()
    who = str(values.get("planner_staff") or "").strip()
    if not day_text and not who:
        return None, None
    today = now.astimezone(ZoneInfo(time_zone)).date()
    day = None
    try:
        day = date.fromisoformat(day_text) if day_text else None
    except ValueError:
        errors["planner_date"] = "Enter the planner date as a date (for example 2026-12-01)."
    if day_text and day is None:
        return None, None
    if day is None:
        errors["planner_date"] = "Choose the day to be reminded."
    elif day < today:
        errors["planner_date"] = "Choose today or a later day for the reminder."
    elif day > today + PLANNER_AHEAD:
        errors["planner_date"] = "Choose a day within the next three years."
    if not is_id(who):
        errors["planner_staff"] = "Choose who is reminded on that day."
        return day, None
    return day, int(who)
