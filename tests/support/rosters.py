"""A realistic OneRoster 1.1 bulk export, built deterministically (never committed): a school's
pupils with UPNs, dates of birth and homerooms, its teachers and guardians, another school's
pupil, scheduled classes, and, when asked, deliberate bad rows, each with the file, line and
reason the import must report. Also used by bench/roster.py."""

import csv
import io
import random
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

from bench.search import FIRST as SEARCH_FIRST
from bench.search import LAST as SEARCH_LAST

# The search bench's names (accents, apostrophes), and a few more.
FIRST = [*SEARCH_FIRST, "Grace", "Samuel", "Ruby", "Kwame", "Imogen", "Dylan", "Sofia", "Lucas"]
LAST = [*SEARCH_LAST, "Taylor", "Smith-Jones", "Ahmed", "Evans", "Murphy", "Clarke", "Singh"]
YEARS = range(7, 14)
SCHOOL, OTHER_SCHOOL = "org-1", "org-2"


@dataclass(frozen=True)
class Pupil:
    """One pupil as the MIS holds them."""

    sourced_id: str
    upn: str
    given: str
    family: str
    year: int
    born: date
    tutor: str
    preferred: str = ""


@dataclass(frozen=True)
class BadRow:
    """A deliberate bad row, and what the import must say of it."""

    file: str
    line: int
    reason: str  # a part of the reason


@dataclass
class OneRosterExport:
    pupils: list[Pupil]
    bad: list[BadRow] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)

    def write(self, folder: Path) -> Path:
        """The export as a folder of CSV files."""
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in self.files.items():
            (folder / name).write_bytes(content)
        return folder

    def zipped(self, path: Path) -> Path:
        """The export as a zip (in a folder inside it, as some connectors make them)."""
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in self.files.items():
                archive.writestr(f"oneroster/{name}", content)
        return path


def school_pupils(count: int, *, seed: int = 13) -> list[Pupil]:
    """`count` pupils: every tenth with a preferred name, UPNs of the English shape."""
    rng = random.Random(seed)
    pupils = []
    for n in range(count):
        year = YEARS[n % len(YEARS)]
        born = date(2026 - year - 5, 9, 1) + timedelta(days=rng.randrange(365))
        given = rng.choice(FIRST)
        pupils.append(
            Pupil(
                sourced_id=f"S{100000 + n}",
                upn=f"K{(930000000 + n * 7919) % 10**11:011d}{n % 10}",
                given=given,
                family=rng.choice(LAST),
                year=year,
                born=born,
                tutor=f"{year}{'ABCDE'[n % 5]}",
                preferred=given[:3] if n % 10 == 0 else "",
            )
        )
    return pupils


def oneroster_export(pupils: list[Pupil], *, bad_rows: bool = False) -> OneRosterExport:
    """The export of these pupils (with bad rows added after them, if asked)."""
    users = [_header_users()]
    demographics = [["sourcedId", "status", "dateLastModified", "birthDate", "sex"]]
    enrollments = [_header_enrollments()]
    for n, pupil in enumerate(pupils):
        users.append(_user(pupil))
        demographics.append([pupil.sourced_id, "", "", pupil.born.isoformat(), "other"])
        enrollments.append([f"e{n}", "", "", f"home-{pupil.tutor}", SCHOOL, pupil.sourced_id])
        enrollments[-1] += ["student", "false", "", ""]
    users += _others()
    export = OneRosterExport(list(pupils))
    if bad_rows:
        _add_bad_rows(export, users, demographics, pupils)
    export.files = {
        "manifest.csv": _csv(_manifest()),
        "orgs.csv": _csv(_orgs()),
        "users.csv": _csv(users),
        "demographics.csv": _csv(demographics),
        "classes.csv": _csv(_classes(pupils)),
        "enrollments.csv": _csv(enrollments),
    }
    if bad_rows:  # a given name that is not UTF-8 (Latin-1 bytes), on its own line
        line = export.bad[-1].line
        rows = export.files["users.csv"].split(b"\r\n")
        rows[line - 1] = rows[line - 1].replace("Zoë-Bad".encode(), "Zo\xeb".encode("latin-1"))
        export.files["users.csv"] = b"\r\n".join(rows)
    return export


def changed(pupils: list[Pupil], every: int) -> list[Pupil]:
    """The same pupils with one in `every` renamed and moved to another tutor group."""
    return [
        replace(p, family=p.family + "-Hale", tutor=p.tutor[:-1] + "Z") if n % every == 0 else p
        for n, p in enumerate(pupils)
    ]


def _add_bad_rows(export, users, demographics, pupils) -> None:
    """One bad row of each kind, after the good ones; `users` lines are 1-based with the header."""
    base = pupils[0]

    def add(pupil: Pupil, reason: str, *, grades: str | None = None, born: str | None = None):
        row = _user(pupil)
        if grades is not None:
            row[14] = grades
        users.append(row)
        demographics.append([pupil.sourced_id, "", "", born or pupil.born.isoformat(), ""])
        file = "demographics.csv" if born else "users.csv"
        line = len(demographics) if born else len(users)
        export.bad.append(BadRow(file, line, reason))

    add(replace(base, sourced_id="", upn=""), "no MIS id and no UPN")
    add(replace(base, sourced_id="B1", upn=""), "date of birth is not a date", born="2013-02-30")
    add(replace(base, sourced_id="B2", upn=""), "date of birth is in the future", born="2031-05-01")
    add(replace(base, sourced_id="B3", upn=""), "unknown year group", grades="19")
    add(replace(base, upn=""), f"the same MIS id as users.csv line {2}")
    add(replace(base, sourced_id="B4", upn="", given="Zoë-Bad"), "not UTF-8")


def _user(p: Pupil) -> list[str]:
    user_ids = f"{{UPN:{p.upn}}}" if p.upn else ""
    return [
        p.sourced_id, "active", "2026-11-01", "true", SCHOOL, "student", p.sourced_id.lower(),
        user_ids, p.given, p.family, "", "", "", "", f"{p.year:02d}", "",
    ]  # fmt: skip


def _others() -> list[list[str]]:
    """Teachers, a guardian, another school's pupil and a deleted pupil: none imported."""
    rows = []
    for n in range(40):
        rows.append([f"T{n}", "", "", "true", SCHOOL, "teacher", f"t{n}", "", "Tea", f"Cher{n}"])
    rows.append(["G1", "", "", "true", SCHOOL, "guardian", "g1", "", "Gu", "Ardian"])
    rows.append(["X1", "", "", "true", OTHER_SCHOOL, "student", "x1", "", "Oth", "Er"])
    rows.append(["D1", "tobedeleted", "", "true", SCHOOL, "student", "d1", "", "Gone", "Away"])
    return [row + [""] * (16 - len(row)) for row in rows]


def _header_users() -> list[str]:
    return [
        "sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role",
        "username", "userIds", "givenName", "familyName", "middleName", "identifier", "email",
        "sms", "grades", "password",
    ]  # fmt: skip


def _header_enrollments() -> list[str]:
    return [
        "sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId",
        "userSourcedId", "role", "primary", "beginDate", "endDate",
    ]  # fmt: skip


def _manifest() -> list[list[str]]:
    rows = [["propertyName", "value"], ["manifest.version", "1.0"], ["oneroster.version", "1.1"]]
    for name in ("orgs", "users", "demographics", "classes", "enrollments"):
        rows.append([f"file.{name}", "bulk"])
    for name in ("academicSessions", "categories", "courses", "lineItems", "results"):
        rows.append([f"file.{name}", "absent"])
    return rows


def _orgs() -> list[list[str]]:
    return [
        [
            "sourcedId",
            "status",
            "dateLastModified",
            "name",
            "type",
            "identifier",
            "parentSourcedId",
        ],
        ["trust-1", "", "", "Kestrel Trust", "district", "", ""],
        [SCHOOL, "", "", "Kestrel Demo Academy", "school", "100001", "trust-1"],
        [OTHER_SCHOOL, "", "", "Kestrel Trust central team", "department", "", "trust-1"],
    ]


def _classes(pupils: list[Pupil]) -> list[list[str]]:
    header = [
        "sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId",
        "classCode", "classType", "location", "schoolSourcedId", "termSourcedIds",
    ]  # fmt: skip
    tutors = sorted({p.tutor for p in pupils})
    rows = [header]
    rows += [
        [f"home-{t}", "", "", f"Tutor group {t}", "", "", t, "homeroom", "", SCHOOL, ""]
        for t in tutors
    ]
    rows += [["maths-7", "", "", "Maths 7", "07", "c1", "7Ma1", "scheduled", "", SCHOOL, "t1"]]
    return rows


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")
