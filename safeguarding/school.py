"""The school and the reference data it configures: students, categories, alert groups."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

# Kestrel's own keys in the UPN column (which must be unique): a real UPN never has a hyphen.
PROVISIONAL_KEY, ROSTER_KEY = "PROV-", "MIS-"
KEYS_NOT_UPNS = (PROVISIONAL_KEY, ROSTER_KEY)


@dataclass(frozen=True)
class School:
    id: int
    name: str
    tenant_id: str
    time_zone: str
    escalate_minutes: int | None = None  # None: the process's setting (KESTREL_ESCALATE_MINUTES)
    year_groups: tuple[int, ...] = ()  # none set: the year groups of the school's pupils
    version: int = 1  # +1 on every change of these settings (two administrators at once)


@dataclass(frozen=True)
class Student:
    id: int
    school_id: int
    upn: str
    first_name: str
    last_name: str
    year_group: int
    tutor_group: str
    house: str = ""
    preferred_name: str = ""
    mis_id: str = ""
    date_of_birth: date | None = None
    provisional: bool = False
    left_on: date | None = None  # a leaver: kept with every record, no longer offered to record
    merged_into: int | None = None  # a provisional pupil merged into the roster's (this id)

    @property
    def left(self) -> bool:
        """Whether the pupil has left the school (the roster said so, or stopped listing them)."""
        return self.left_on is not None

    @property
    def known_upn(self) -> str:
        """The pupil's UPN, or "" where Kestrel holds a key of its own instead (a pupil added
        by hand, or a roster that gives no UPN)."""
        return "" if self.upn.startswith(KEYS_NOT_UPNS) else self.upn


@dataclass(frozen=True)
class Category:
    id: int
    school_id: int
    name: str
    colour: str
    urgent: bool = False
    restricted: bool = False
    parent_id: int | None = None
    default_alert_group_ids: tuple[int, ...] = field(default=())
    position: int = 0  # where it comes in lists (then by name)
    retired: bool = False  # kept on old records, no longer offered on forms
    version: int = 1  # +1 on every change of the category or its rights


@dataclass(frozen=True)
class AlertGroup:
    id: int
    school_id: int
    name: str
    member_ids: tuple[int, ...] = ()
    retired: bool = False  # alerts nobody, offered nowhere; kept for the record
    version: int = 1


def years_text(year_groups: Iterable[int]) -> str:
    """'7 to 13' for a run of years, '1, 3 and 5' otherwise."""
    years = sorted(set(year_groups))
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]} to {years[-1]}"
    words = [str(y) for y in years]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
