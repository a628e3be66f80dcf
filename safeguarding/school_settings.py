"""A school's own settings: its name, time zone (an IANA name), how long an urgent concern may
go unread before the DSL team are alerted again, its year groups and its term dates."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from safeguarding.administration import checked_name, raise_if
from safeguarding.school import School

YEARS = tuple(range(1, 15))  # as pupils' records hold them (Year 1 to Year 14)
MAX_MINUTES = 240
UNKNOWN_ZONE = "Give an IANA time zone name, for example Europe/London."


@dataclass(frozen=True)
class Term:
    id: int
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class SchoolDraft:
    name: str
    time_zone: str
    escalate_minutes: int | None
    year_groups: tuple[int, ...]

    def fields(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "time_zone": self.time_zone,
            "escalate_minutes": self.escalate_minutes,
            "year_groups": list(self.year_groups),
        }


@dataclass(frozen=True)
class TermDraft:
    name: str
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class TriageInfo:
    chosen_by: str
    chosen_at: datetime


@dataclass(frozen=True)
class SchoolView:
    """The school's settings as they are (or as typed), its terms, the pupils' year groups,
    the escalation the process would use, the triage channel, and whether this member of staff
    may change the settings (administrators) or only the triage channel (the DSL team)."""

    school: School
    terms: tuple[Term, ...]
    roster_years: tuple[int, ...]
    default_minutes: int
    triage: TriageInfo | None
    setup: bool
    values: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)


def school_fields(school: School) -> dict[str, Any]:
    """The stored settings as the audit keeps them (the same fields as a draft)."""
    return {
        "name": school.name,
        "time_zone": school.time_zone,
        "escalate_minutes": school.escalate_minutes,
        "year_groups": list(school.year_groups),
    }


@cache
def time_zones() -> frozenset[str]:
    """Every IANA time zone name this machine knows (the tz database, not configuration)."""
    return frozenset(available_timezones())


def read_school_form(values: Mapping[str, Any]) -> SchoolDraft:
    """The School card's settings; InvalidInput names every field to fix."""
    errors: dict[str, str] = {}
    name = checked_name(values, "name", (), errors)
    zone = str(values.get("time_zone") or "").strip()
    if zone not in time_zones():
        errors["time_zone"] = UNKNOWN_ZONE
    minutes = _minutes(values, errors)
    years = _years(values, errors)
    raise_if(errors)
    return SchoolDraft(name, zone, minutes, years)


def read_term(values: Mapping[str, Any], terms: Sequence[Term]) -> TermDraft:
    """A new term: a name, its first and last days, overlapping no other term."""
    errors: dict[str, str] = {}
    name = checked_name(values, "term_name", (t.name for t in terms), errors)
    starts, ends = _day(values, "term_starts", errors), _day(values, "term_ends", errors)
    if starts and ends and ends < starts:
        errors["term_ends"] = "The last day comes after the first."
    elif starts and ends:
        clash = next((t for t in terms if starts <= t.ends_on and t.starts_on <= ends), None)
        if clash is not None:
            errors["term_starts"] = (
                f"It overlaps {clash.name} ({clash.starts_on:%-d %b %Y} to "
                f"{clash.ends_on:%-d %b %Y}): terms cannot overlap."
            )
    raise_if(errors)
    assert starts and ends
    return TermDraft(name, starts, ends)


def _minutes(values: Mapping[str, Any], errors: dict[str, str]) -> int | None:
    raw = str(values.get("escalate_minutes") or "").strip().removesuffix(".0")
    if not raw:
        return None  # the process's setting
    if raw.isascii() and raw.isdecimal() and 1 <= int(raw[:6]) <= MAX_MINUTES:
        return int(raw)
    errors["escalate_minutes"] = f"Give the minutes as a number from 1 to {MAX_MINUTES}, or none."
    return None


def _years(values: Mapping[str, Any], errors: dict[str, str]) -> tuple[int, ...]:
    raw = values.get("year_groups")
    parts = [p.strip() for p in raw.split(",") if p.strip()] if isinstance(raw, str) else []
    if not all(p in {str(y) for y in YEARS} for p in parts):
        errors["year_groups"] = "Choose year groups from the list."
        return ()
    return tuple(sorted({int(p) for p in parts}))


def _day(values: Mapping[str, Any], field: str, errors: dict[str, str]) -> date | None:
    raw = str(values.get(field) or "").strip()
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else _missing(field, errors)
    except ValueError:
        return _missing(field, errors)


def _missing(field: str, errors: dict[str, str]) -> None:
    errors[field] = "Choose a date."
    return None
