"""What `kestrel sync` reads from Microsoft Graph: the members of every mapped group (users
only, through nested groups), and a school's pupils from Graph's education roster (School Data
Sync). Everything is read, every page, before anything is changed."""

from urllib.parse import quote

from bot.graph import Graph
from safeguarding.directory import (
    Directory,
    DirectoryUnavailable,
    DirectoryUser,
    GroupMap,
    user_from_graph,
)
from safeguarding.roster import RawPupil, RawRoster, Where
from safeguarding.school import School

USER_FIELDS = "id,displayName,mail,userPrincipalName,accountEnabled,userType"
EDUCATION_FIELDS = "id,displayName,givenName,surname,primaryRole,student"
UPN_SHAPE = 13  # a pupil's Unique Pupil Number: a letter and twelve digits


async def read_directory(graph: Graph, groups: GroupMap) -> Directory:
    """Each mapped group's users (transitive: members of nested groups too)."""
    members = {}
    for group in groups.groups:
        path = (
            f"/v1.0/groups/{quote(group, safe='')}/transitiveMembers/microsoft.graph.user"
            f"?$select={USER_FIELDS}&$top=999"
        )
        members[group] = await _users(graph, path, group)
    return Directory(members)


async def _users(graph: Graph, path: str, group: str) -> tuple[DirectoryUser, ...]:
    users = []
    try:
        async for page in graph.pages(path):
            users += [u for entry in page if (u := user_from_graph(entry)) is not None]
    except DirectoryUnavailable as error:
        if error.code != "not_found":
            raise
        raise DirectoryUnavailable(
            f"Microsoft Graph has no group {group[:40]}: check KESTREL_ROLE_GROUPS and "
            "KESTREL_SCHOOL_GROUPS; nothing was changed.",
            "not_found",
        ) from error
    return tuple(users)


async def read_education(graph: Graph, school: School, match: str = "") -> RawRoster:
    """The pupils of the education school matching `match` (its externalId or id) or, with
    none given, named as the Kestrel school is (or the only one there is)."""
    found = await _education_school(graph, school, match)
    pupils = []
    path = f"/v1.0/education/schools/{quote(found, safe='')}/users?$select={EDUCATION_FIELDS}"
    async for page in graph.pages(path):
        for entry in page:
            if str(entry.get("primaryRole", "")).lower() == "student":
                pupils.append(_pupil(entry, len(pupils) + 1))
    fields = {"mis_id", "first_name", "last_name", "year_group", "date_of_birth"}
    if any("upn" in p.values for p in pupils):
        fields.add("upn")
    return RawRoster("graph", tuple(pupils), frozenset(fields), "Microsoft Graph education")


async def _education_school(graph: Graph, school: School, match: str) -> str:
    schools = []
    async for page in graph.pages("/v1.0/education/schools?$select=id,displayName,externalId"):
        schools += page
    for entry in schools:
        ids = {str(entry.get("externalId") or ""), str(entry.get("id") or "")} - {""}
        named = str(entry.get("displayName") or "").casefold() == school.name.casefold()
        if (match and match in ids) or (not match and named):
            return str(entry["id"])
    if not match and len(schools) == 1:
        return str(schools[0]["id"])
    raise DirectoryUnavailable(
        f"No school in Microsoft Graph's education roster matches school {school.id} "
        f"({len(schools)} there): set KESTREL_SDS_SCHOOLS to <school id>=<externalId>; "
        "nothing was changed.",
        "no_education_school",
    )


def _pupil(entry: dict, line: int) -> RawPupil:
    student = entry.get("student") if isinstance(entry.get("student"), dict) else {}
    values = {
        "mis_id": str(student.get("externalId") or ""),
        "first_name": str(entry.get("givenName") or ""),
        "last_name": str(entry.get("surname") or ""),
        "year_group": str(student.get("grade") or ""),
        "date_of_birth": str(student.get("birthDate") or ""),
    }
    number = str(student.get("studentNumber") or "").replace(" ", "").upper()
    if len(number) == UPN_SHAPE and number[0].isalpha() and number[1:].isdecimal():
        values["upn"] = number
    return RawPupil(Where("education users", line), values)
