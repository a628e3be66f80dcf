"""The school and the reference data it configures: students, categories, alert groups."""

from dataclasses import dataclass, field
from datetime import date


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
