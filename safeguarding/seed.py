"""Seeding a school's reference data (the demo school, or a school's first set-up) idempotently."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from safeguarding.errors import InvalidInput
from safeguarding.school import Student
from safeguarding.staff import Role


@dataclass(frozen=True)
class StaffSeed:
    aad_object_id: str
    display_name: str
    email: str
    role: Role


@dataclass(frozen=True)
class CategorySeed:
    name: str
    colour: str
    urgent: bool
    restricted: bool
    default_alert_groups: tuple[str, ...]


@dataclass(frozen=True)
class SchoolSeed:
    name: str
    tenant_id: str
    time_zone: str
    staff: tuple[StaffSeed, ...]
    alert_groups: Mapping[str, tuple[str, ...]]  # group name -> member emails
    categories: tuple[CategorySeed, ...]
    students: tuple[Student, ...]
    # A trust's people: a row with this role in every school of the tenant (a trust DSL).
    trust_staff: tuple[StaffSeed, ...] = ()


@dataclass(frozen=True)
class SeedResult:
    school_id: int
    staff: int
    students: int
    categories: int
    alert_groups: int


def parse_school_seed(data: Mapping[str, Any]) -> SchoolSeed:
    """Read a school seed from plain data (the demo YAML); raises InvalidInput naming the field."""
    try:
        school = data["school"]
        staff = tuple(_staff(row) for row in data["staff"])
        trust_staff = tuple(_staff(row) for row in data.get("trust_staff", ()))
        emails = {s.email for s in staff + trust_staff}
        groups = {g["name"]: tuple(g["members"]) for g in data["alert_groups"]}
        for name, members in groups.items():
            if unknown := set(members) - emails:
                raise InvalidInput({f"alert_groups.{name}": f"unknown staff {sorted(unknown)}"})
        categories = tuple(_category(row, groups) for row in data["categories"])
        students = tuple(_student(row) for row in data["students"])
        return SchoolSeed(
            name=str(school["name"]),
            tenant_id=str(school["tenant_id"]).lower(),
            time_zone=str(school["time_zone"]),
            staff=staff,
            alert_groups=groups,
            categories=categories,
            students=students,
            trust_staff=trust_staff,
        )
    except KeyError as error:
        raise InvalidInput({"seed": f"missing field {error.args[0]!r}"}) from error
    except (TypeError, ValueError) as error:
        raise InvalidInput({"seed": f"{type(error).__name__}: {error}"}) from error


def _staff(row: Mapping[str, Any]) -> StaffSeed:
    return StaffSeed(
        aad_object_id=str(row["aad_object_id"]).lower(),
        display_name=str(row["name"]),
        email=str(row["email"]).lower(),
        role=Role(row["role"]),
    )


def _category(row: Mapping[str, Any], groups: Mapping[str, Sequence[str]]) -> CategorySeed:
    defaults = tuple(row.get("default_alert_groups", ()))
    if unknown := set(defaults) - set(groups):
        raise InvalidInput({f"categories.{row['name']}": f"unknown alert groups {sorted(unknown)}"})
    return CategorySeed(
        name=str(row["name"]),
        colour=str(row["colour"]),
        urgent=bool(row.get("urgent", False)),
        restricted=bool(row.get("restricted", False)),
        default_alert_groups=defaults,
    )


def _student(row: Mapping[str, Any]) -> Student:
    year = int(row["year"])
    if not 1 <= year <= 14:
        raise ValueError(f"year group {year} out of range for {row['upn']}")
    dob = row.get("dob")
    return Student(
        id=0,
        school_id=0,
        upn=str(row["upn"]),
        first_name=str(row["first"]),
        last_name=str(row["last"]),
        preferred_name=str(row.get("preferred", "")),
        year_group=year,
        tutor_group=str(row["tutor"]),
        house=str(row.get("house", "")),
        mis_id=str(row.get("mis_id", "")),
        date_of_birth=dob if isinstance(dob, date) else date.fromisoformat(dob) if dob else None,
    )
