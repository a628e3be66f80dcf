"""A school's roster as its MIS gives it: pupils' rows, each checked on its own.

Every source (a OneRoster or School Data Sync export, a school's own MIS report; later Microsoft
Graph's education roster) yields `RawPupil`s: text as found, and where it was found.
`check_roster` reads each into a `RosterRow` or rejects it with its file, line and reason. The
reasons never quote a name or a date of birth: they are stored and printed. A source that is
not a roster at all raises `NotARoster`, and nothing is changed.
"""

import hashlib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from safeguarding.roster_values import read_date, read_year
from safeguarding.school import ROSTER_KEY, years_text

# What a source may give; a field it does not give is left as it is on the pupils it updates.
FIELDS = frozenset(
    {
        "mis_id",
        "upn",
        "first_name",
        "last_name",
        "preferred_name",
        "date_of_birth",
        "year_group",
        "tutor_group",
        "house",
        "left_on",
    }
)
LIMITS = {
    "mis_id": 50,
    "first_name": 100,
    "last_name": 100,
    "preferred_name": 100,
    "tutor_group": 20,
    "house": 50,
}
LABELS = {
    "mis_id": "MIS id",
    "first_name": "first name",
    "last_name": "last name",
    "preferred_name": "preferred name",
    "tutor_group": "tutor group",
    "house": "house",
}
OLDEST_PUPIL_YEARS = 30
_BORN = "date_of_birth"
_UPN = re.compile(r"[A-Z0-9]{1,20}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # PostgreSQL refuses NUL; none belongs in a name


class NotARoster(Exception):
    """The source is not a pupil roster (wrong columns, empty, mostly bad): nothing changes.
    `reason` is one sentence for the school; `code` is what the audit event keeps."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason, self.code = reason, code


@dataclass(frozen=True, order=True)
class Where:
    """A line of a file (the first line of a record that spans several)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file} line {self.line}"


@dataclass(frozen=True)
class RawPupil:
    """One pupil as a source found them: field -> text. `found_at` names the file and line of
    fields read elsewhere (a date of birth from demographics.csv); `unreadable` the line whose
    text was not UTF-8. `day_first`: dates as schools write them (31/01/2015), else ISO 8601."""

    where: Where
    values: Mapping[str, str]
    found_at: Mapping[str, Where] = field(default_factory=dict)
    unreadable: Where | None = None
    day_first: bool = False


@dataclass(frozen=True)
class RawRoster:
    """What a source gave: its pupils, and which fields it has (the others are left alone)."""

    source: str  # oneroster, sds, mis (graph: the later sync)
    pupils: tuple[RawPupil, ...]
    fields: frozenset[str]
    style: str = ""  # how it was recognised, for the summary ("SIMS headers")


@dataclass(frozen=True)
class RosterRow:
    """A pupil's row that reads: what the roster says of them."""

    where: Where
    mis_id: str
    upn: str
    first_name: str
    last_name: str
    year_group: int
    preferred_name: str = ""
    date_of_birth: date | None = None
    tutor_group: str = ""
    house: str = ""
    left_on: date | None = None  # a leaving date that has come

    @property
    def key(self) -> str:
        """The UPN, or a key of Kestrel's own from the MIS id (the UPN column is unique)."""
        return self.upn or roster_key(self.mis_id)


@dataclass(frozen=True)
class Rejected:
    """A row not imported: where, and why (no name, no date of birth). The ids it had, if
    any, keep its pupil from being taken for a leaver."""

    where: Where
    reason: str
    mis_id: str = ""
    upn: str = ""

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True)
class Roster:
    """The rows that read, and the rows rejected, of one source."""

    source: str
    fields: frozenset[str]
    rows: tuple[RosterRow, ...]
    rejected: tuple[Rejected, ...]
    style: str = ""


def roster_key(mis_id: str) -> str:
    """Kestrel's key for a pupil the roster gives no UPN (20 characters, never a UPN)."""
    return ROSTER_KEY + hashlib.sha256(mis_id.encode()).hexdigest()[:16]


def check_roster(raw: RawRoster, *, today: date, year_groups: Collection[int]) -> Roster:
    """Each pupil read or rejected (an id seen before is rejected); NotARoster when there is no
    pupil, or more than half the rows are bad."""
    if not raw.pupils:
        raise NotARoster("There are no pupils in it.", "empty")
    rows: list[RosterRow] = []
    rejected: list[Rejected] = []
    seen: dict[tuple[str, str], Where] = {}
    for pupil in raw.pupils:
        found = read_pupil(pupil, today, year_groups)
        if isinstance(found, RosterRow):
            found = _first_of_its_ids(found, seen)
        (rows if isinstance(found, RosterRow) else rejected).append(found)
    if len(rejected) * 2 > len(raw.pupils):
        raise NotARoster(
            f"{len(rejected)} of its {len(raw.pupils)} pupils' rows are bad "
            f"(the first: {rejected[0]}).",
            "mostly_bad",
        )
    rejected.sort(key=lambda r: r.where)
    return Roster(raw.source, raw.fields, tuple(rows), tuple(rejected), raw.style)


def _first_of_its_ids(row: RosterRow, seen: dict[tuple[str, str], Where]) -> RosterRow | Rejected:
    """The row, or rejected when its MIS id or UPN was on an earlier row."""
    for kind, value in (("MIS id", row.mis_id), ("UPN", row.upn)):
        if value and (kind, value) in seen:
            reason = f"the same {kind} as {seen[(kind, value)]}"
            return Rejected(row.where, reason, row.mis_id, row.upn)
    for kind, value in (("MIS id", row.mis_id), ("UPN", row.upn)):
        if value:
            seen[(kind, value)] = row.where
    return row


class _Problem(ValueError):
    """Why a row cannot be used, and the field it is about (its file may be another's)."""

    def __init__(self, reason: str, field: str = "") -> None:
        super().__init__(reason)
        self.field = field


def read_pupil(pupil: RawPupil, today: date, year_groups: Collection[int]) -> RosterRow | Rejected:
    """One pupil's row, or why it cannot be used."""
    values = {k: " ".join(v.split()) for k, v in pupil.values.items()}
    mis_id, upn = values.get("mis_id", ""), values.get("upn", "").replace(" ", "").upper()
    if pupil.unreadable is not None:
        return Rejected(pupil.unreadable, "its text is not UTF-8", mis_id, upn)
    try:
        _check_text(values, mis_id, upn)
        year = _year_group(values.get("year_group", ""), year_groups)
        born = _birth_date(values.get("date_of_birth", ""), pupil.day_first, today)
        left_on = _leaving_date(values.get("left_on", ""), pupil.day_first, today)
    except _Problem as problem:
        where = pupil.found_at.get(problem.field, pupil.where)
        return Rejected(where, str(problem), mis_id, upn)
    return RosterRow(
        pupil.where,
        mis_id,
        upn,
        values["first_name"],
        values["last_name"],
        year,
        values.get("preferred_name", ""),
        born,
        values.get("tutor_group", ""),
        values.get("house", ""),
        left_on,
    )


def _check_text(values: Mapping[str, str], mis_id: str, upn: str) -> None:
    """An id, both names, nothing too long for its column, no control characters."""
    if _CONTROL.search(" ".join(values.values())):
        raise _Problem("its text has control characters")
    if not mis_id and not upn:
        raise _Problem("it has no MIS id and no UPN")
    if upn and not _UPN.fullmatch(upn):
        raise _Problem("its UPN is not letters and digits (20 at most)")
    for name in ("first_name", "last_name"):
        if not values.get(name):
            raise _Problem(f"it has no {LABELS[name]}")
    for name, limit in LIMITS.items():
        if len(values.get(name, "")) > limit:
            raise _Problem(f"its {LABELS[name]} is longer than {limit} characters")


def _year_group(text: str, year_groups: Collection[int]) -> int:
    """The year group, one of the school's (when it has any yet)."""
    year = read_year(text)
    if year is None:
        raise _Problem(f"unknown year group {text[:20]!r}", "year_group")
    if year_groups and year not in year_groups:
        known = years_text(year_groups)
        raise _Problem(f"year group {year} is not one of the school's ({known})", "year_group")
    return year


def _birth_date(text: str, day_first: bool, today: date) -> date | None:
    if not text:
        return None
    born = read_date(text, day_first=day_first)
    if born is None:
        raise _Problem(f"its date of birth is not a date ({_date_form(day_first)})", _BORN)
    if born > today:
        raise _Problem("its date of birth is in the future", _BORN)
    if born < _years_before(today, OLDEST_PUPIL_YEARS):
        raise _Problem(f"its date of birth is more than {OLDEST_PUPIL_YEARS} years ago", _BORN)
    return born


def _leaving_date(text: str, day_first: bool, today: date) -> date | None:
    """The day a pupil left, once it has come (a later one: still on roll until then)."""
    if not text:
        return None
    left = read_date(text, day_first=day_first)
    if left is None:
        raise _Problem(f"its leaving date is not a date ({_date_form(day_first)})", "left_on")
    return left if left <= today else None


def _date_form(day_first: bool) -> str:
    return "DD/MM/YYYY or YYYY-MM-DD" if day_first else "YYYY-MM-DD"


def _years_before(today: date, years: int) -> date:
    return datetime(today.year - years, today.month, 1).date()
