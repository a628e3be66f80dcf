"""The school and the reference data it configures: students, categories, alert groups."""

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class School:
    id: int
    name: str
    tenant_id: str
    time_zone: str


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


@dataclass(frozen=True)
class AlertGroup:
    id: int
    school_id: int
    name: str
    member_ids: tuple[int, ...] = ()
