"""Pupils from a OneRoster 1.1 CSV bulk export, or from the School Data Sync v2.1 CSV set.

Both key people by `sourcedId` (the MIS id) and name the school in `orgs.csv`. OneRoster:
`users.csv` (role, orgSourcedIds, grades, identifier), `demographics.csv` (birthDate), and the
homeroom classes of `classes.csv` with `enrollments.csv` for tutor groups. SDS: `users.csv`,
`roles.csv` (role, grade, orgSourcedId), `demographics.csv` (birthDate). Header names are the
specifications' own (case-sensitive); dates are ISO 8601.
"""

import re
from collections.abc import Mapping, Sequence

from safeguarding.roster import NotARoster, RawPupil, RawRoster, Where
from safeguarding.roster_tables import Record, Table, table

ENGLISH_UPN = re.compile(r"[A-Z]\d{11}[0-9A-Z]")
ONEROSTER_USERS = ("sourcedId", "role", "givenName", "familyName", "orgSourcedIds")
SDS_USERS = ("sourcedId", "givenName", "familyName")
SDS_ROLES = ("userSourcedId", "orgSourcedId", "role")
ORGS = ("sourcedId", "type")

Files = Mapping[str, bytes]


def read_oneroster(files: Files) -> RawRoster:
    """The pupils (role `student`, not `tobedeleted`) of the export's one school."""
    _check_manifest(files)
    school = _school(files)
    users = _required(files, "users.csv", ONEROSTER_USERS)
    births = _by_id(files, "demographics.csv", "sourcedId", ("birthDate",))
    tutor_groups = _tutor_groups(files)
    fields = {"mis_id", "upn", "first_name", "last_name", "year_group"}
    fields |= {"preferred_name"} if "preferredFirstName" in users.header else set()  # 1.2's
    fields |= {"date_of_birth"} if births is not None else set()
    fields |= {"tutor_group"} if tutor_groups is not None else set()
    pupils = []
    for user in users.records:
        if user.code("role") != "student" or _deleted(user):
            continue
        if school.lower() not in _split(user.code("orgSourcedIds")):
            continue  # another organisation's pupil
        values = {
            "mis_id": _id(user, "sourcedId"),
            "upn": _upn(user),
            "first_name": user.get("givenName"),
            "last_name": user.get("familyName"),
            "preferred_name": user.get("preferredFirstName"),
            "year_group": _one_grade(user.get("grades")),
        }
        if tutor_groups is not None:
            values["tutor_group"] = tutor_groups.get(_id(user, "sourcedId"), "")
        pupils.append(_pupil(user, values, births))
    return RawRoster("oneroster", tuple(pupils), frozenset(fields), "OneRoster 1.1")


def read_sds(files: Files) -> RawRoster:
    """The pupils (role `student` in roles.csv) of the set's one school."""
    school = _school(files)
    users = _required(files, "users.csv", SDS_USERS)
    roles = _required(files, "roles.csv", SDS_ROLES)
    births = _by_id(files, "demographics.csv", "userSourcedId", ("birthDate",))
    grades: dict[str, tuple[str, Where]] = {}
    for role in roles.records:
        if role.code("role") == "student" and role.get("orgSourcedId") == school:
            primary = role.code("isPrimary") == "true"
            if primary or role.get("userSourcedId") not in grades:
                grades[role.get("userSourcedId")] = (role.get("grade"), role.where)
    fields = {"mis_id", "first_name", "last_name", "year_group"}
    fields |= {"date_of_birth"} if births is not None else set()
    pupils = []
    for user in users.records:
        grade = grades.get(_id(user, "sourcedId"))
        if grade is None:
            continue  # not a pupil of this school
        values = {
            "mis_id": _id(user, "sourcedId"),
            "first_name": user.get("givenName"),
            "last_name": user.get("familyName"),
            "year_group": grade[0] if grade else "",
        }
        found_at = {"year_group": grade[1]} if grade else {}
        pupils.append(_pupil(user, values, births, found_at))
    return RawRoster("sds", tuple(pupils), frozenset(fields), "School Data Sync v2.1")


def _pupil(
    user: Record,
    values: dict[str, str],
    births: Mapping[str, Record] | None,
    found_at: Mapping[str, Where] | None = None,
) -> RawPupil:
    """A user's row with their date of birth (and where each came from)."""
    found_at = dict(found_at or {})
    unreadable = None if user.readable else user.where
    birth = (births or {}).get(_id(user, "sourcedId"))
    if birth is not None:
        values["date_of_birth"] = birth.get("birthDate")
        found_at["date_of_birth"] = birth.where
        if not birth.readable:
            unreadable = unreadable or birth.where
    return RawPupil(user.where, values, found_at, unreadable)


def _check_manifest(files: Files) -> None:
    """A bulk OneRoster 1.1 export with users in it (a delta would make leavers of everyone)."""
    if "manifest.csv" not in files:
        return
    manifest = table("manifest.csv", files["manifest.csv"])
    properties = {r.get("propertyName"): r.get("value").strip().lower() for r in manifest.records}
    version = properties.get("oneroster.version", "1.1")
    if not version.startswith("1."):
        raise NotARoster(f"It is OneRoster {version}; Kestrel reads 1.1.", "wrong_version")
    users = properties.get("file.users", "bulk")
    if users == "delta":
        raise NotARoster("It is a delta export: export in bulk (every pupil).", "delta")
    if users == "absent":
        raise NotARoster("Its manifest says it has no users.csv.", "no_users")


def _school(files: Files) -> str:
    """The sourcedId of the one school in orgs.csv."""
    orgs = _required(files, "orgs.csv", ORGS)
    schools = [o.get("sourcedId") for o in orgs.records if o.code("type") == "school"]
    if not schools:
        raise NotARoster("orgs.csv has no organisation of type school.", "no_school")
    if len(schools) > 1:
        raise NotARoster(
            f"orgs.csv has {len(schools)} schools: export one school's pupils at a time.",
            "several_schools",
        )
    return schools[0]


def _required(files: Files, name: str, columns: Sequence[str]) -> Table:
    if name not in files:
        raise NotARoster(f"It has no {name}.", "missing_file")
    found = table(name, files[name])
    missing = [c for c in columns if c not in found.header]
    if missing:
        raise NotARoster(f"{name} has no column {', '.join(missing)}.", "wrong_columns")
    return found


def _by_id(files: Files, name: str, key: str, columns: Sequence[str]) -> dict[str, Record] | None:
    """An optional file's records by a user's id (None when the file is not there)."""
    if name not in files:
        return None
    found = _required(files, name, (key, *columns))
    return {r.get(key): r for r in found.records if r.get(key)}


def _tutor_groups(files: Files) -> dict[str, str] | None:
    """Each pupil's homeroom class (its code, else its title), when the export has classes."""
    if "classes.csv" not in files or "enrollments.csv" not in files:
        return None
    classes = _required(files, "classes.csv", ("sourcedId", "classType", "title"))
    enrollments = _required(files, "enrollments.csv", ("classSourcedId", "userSourcedId", "role"))
    homerooms = {
        c.get("sourcedId"): c.get("classCode") or c.get("title")
        for c in classes.records
        if c.code("classType") == "homeroom" and not _deleted(c)
    }
    if not homerooms:
        return None
    groups: dict[str, str] = {}
    for enrolment in enrollments.records:
        found = homerooms.get(enrolment.get("classSourcedId"))
        if found and enrolment.code("role") == "student" and not _deleted(enrolment):
            groups.setdefault(enrolment.get("userSourcedId"), found)
    return groups


def _upn(user: Record) -> str:
    """The UPN: in `userIds` as {UPN:...}, or the `identifier` when it has a UPN's shape."""
    for entry in re.findall(r"\{([^}]*)\}", user.get("userIds")):
        kind, _, value = entry.partition(":")
        if kind.strip().upper() == "UPN":
            return value.strip()
    identifier = user.get("identifier").strip().upper()
    return identifier if ENGLISH_UPN.fullmatch(identifier) else ""


def _one_grade(grades: str) -> str:
    """The pupil's grade (the text as it was when it lists different ones)."""
    found = {g.strip() for g in _split(grades) if g.strip()}
    return found.pop() if len(found) == 1 else grades


def _split(listed: str) -> list[str]:
    return [part.strip() for part in listed.split(",")]


def _id(record: Record, name: str) -> str:
    """An id as written, even on a record whose other text was not UTF-8 (so that its pupil
    is known, and not taken for a leaver)."""
    return record.values.get(name, "").strip()


def _deleted(record: Record) -> bool:
    return record.code("status") == "tobedeleted"
