"""Pupils from a school's own MIS report: one CSV whose headers are matched flexibly.

SIMS, Arbor and Bromcom reports name the same things differently ("Legal Forename", "Legal
first name", "Forename"; "Reg Group", "Registration Form", "Tutor Group"). A header is matched
by its letters and digits alone, case-blind ("Date of Birth" = "DATE_OF_BIRTH" = "DOB"), against
each field's spellings in order of preference; the header row may sit under a title line or two.
Dates are as schools write them (31/01/2015), or ISO 8601.
"""

import re
from collections.abc import Mapping, Sequence

from safeguarding.roster import NotARoster, RawPupil, RawRoster
from safeguarding.roster_tables import first_rows, table

# field -> header spellings (letters and digits only, lower case), most specific first.
HEADERS: Mapping[str, tuple[str, ...]] = {
    "mis_id": (
        "misid",
        "misidentifier",
        "personid",
        "studentid",
        "pupilid",
        "arborstudentid",
        "studentmisid",
        "externalid",
        "id",
        "adno",
        "admissionnumber",
        "admissionno",
    ),
    "upn": ("upn", "uniquepupilnumber"),
    "first_name": ("legalforename", "legalfirstname", "forename", "firstname", "givenname"),
    "last_name": ("legalsurname", "legallastname", "surname", "lastname", "familyname"),
    "preferred_name": (
        "preferredforename",
        "preferredfirstname",
        "knownasforename",
        "knownasfirstname",
        "knownas",
        "chosenforename",
    ),
    "date_of_birth": ("dateofbirth", "dob", "birthdate"),
    "year_group": (
        "yeargroup",
        "ncyear",
        "nationalcurriculumyear",
        "curriculumyear",
        "yeartaughtin",
        "year",
    ),
    "tutor_group": (
        "reggroup",
        "registrationgroup",
        "regform",
        "registrationform",
        "tutorgroup",
        "formgroup",
        "form",
        "reg",
        "tutor",
        "class",
    ),
    "house": ("house", "housegroup"),
    "left_on": ("leavingdate", "dateofleaving", "dateleft", "leftdate", "dol"),
}
REQUIRED = ("first_name", "last_name", "year_group")
# Which MIS a report looks like, by a header only its reports use (for the summary).
STYLES = (
    ("SIMS", {"adno", "reggroup", "yeartaughtin", "dateofleaving"}),
    ("Arbor", {"legalfirstname", "registrationform", "arborstudentid"}),
    ("Bromcom", {"tutorgroup", "studentid"}),
)


def header_key(header: str) -> str:
    """A header as matched: its letters and digits, lower case."""
    return re.sub(r"[^0-9a-z]", "", header.lower())


def columns(header: Sequence[str]) -> dict[str, str]:
    """field -> the header that holds it (the preferred spelling where several are there)."""
    by_key = {header_key(h): h for h in reversed(header) if header_key(h)}
    found = {}
    for name, spellings in HEADERS.items():
        for spelling in spellings:
            if spelling in by_key:
                found[name] = by_key[spelling]
                break
    return found


def read_mis_report(name: str, content: bytes) -> RawRoster:
    """The report's pupils; NotARoster when no header row names the columns a roster needs."""
    at, found = _header_row(name, content)
    report = table(name, content, header_at=at)
    pupils = tuple(
        RawPupil(
            record.where,
            {field: record.get(header) for field, header in found.items()},
            unreadable=None if record.readable else record.where,
            day_first=True,
        )
        for record in report.records
    )
    keys = {header_key(h) for h in report.header}
    style = next((f"{mis} headers" for mis, marks in STYLES if marks & keys), "MIS report")
    return RawRoster("mis", pupils, frozenset(found), style)


def _header_row(name: str, content: bytes) -> tuple[int, dict[str, str]]:
    """The first row (of the first few) that names an id and every required column."""
    rows = first_rows(name, content)
    if not any(cell.strip() for cells in rows for cell in cells):
        raise NotARoster(f"{name} is empty.", "empty")
    best: dict[str, str] = {}
    for at, cells in enumerate(rows):
        found = columns(cells)
        if all(f in found for f in REQUIRED) and ("mis_id" in found or "upn" in found):
            return at, found
        best = found if len(found) > len(best) else best
    wanted = [f for f in (*REQUIRED, "mis_id") if f not in best]
    if "mis_id" in wanted and "upn" in best:
        wanted.remove("mis_id")
    missing = ", ".join(_spelling(f) for f in wanted)
    raise NotARoster(f"{name} has no column for {missing}.", "wrong_columns")


def _spelling(field: str) -> str:
    """How the summary names a missing column: 'the year group (Year Group, NC Year, ...)'."""
    examples = {
        "first_name": "the first name (Legal Forename, Legal First Name, Forename)",
        "last_name": "the last name (Legal Surname, Legal Last Name, Surname)",
        "year_group": "the year group (Year Group, NC Year, Year)",
        "mis_id": "an id (MIS ID, Person ID, Student ID, Adno, or UPN)",
    }
    return examples[field]
