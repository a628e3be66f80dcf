"""One directory sync, as `kestrel sync` and the schedule inside `kestrel serve` both run it:
staff from Microsoft Entra (every school of the tenant, one transaction), then, when asked,
each school's pupils from Graph's education roster through the roster import (one transaction
per school). A failure stops the sync there, so the newest sync run says it."""

import asyncio
from dataclasses import dataclass

import aiohttp

from bot.directory_reader import read_directory, read_education
from bot.graph import EntraToken, Graph, Sleep
from bot.settings import Settings
from safeguarding.clock import Clock
from safeguarding.directory import DirectoryUnavailable, GroupMap
from safeguarding.imports import SYNC, ImportRun
from safeguarding.ports import UnitOfWorkFactory
from safeguarding.roster import NotARoster, RawRoster
from safeguarding.school import School
from safeguarding.services.directory import sync_staff
from safeguarding.services.roster import ImportOptions, import_pupils


@dataclass(frozen=True)
class SyncOutcome:
    """What the sync printed (counts per school: never a name) and why it failed, if it did."""

    lines: tuple[str, ...]
    failure: str = ""
    schools: tuple[int, ...] = ()


def entra_token(settings: Settings, verify: bool | str = True) -> EntraToken:
    """The process's one token source (its MSAL application and cache)."""
    return EntraToken(
        settings.app_id,
        settings.app_password.reveal(),
        settings.app_tenant_id,
        settings.entra_authority,
        settings.graph_url,
        verify=verify,
        timeout=settings.outbound_timeout,
    )


async def run_sync(
    settings: Settings,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    tokens: EntraToken,
    *,
    pupils: bool,
    sleep: Sleep = asyncio.sleep,
) -> SyncOutcome:
    """Staff, then (with `pupils`) each school's pupils; counts, or the first failure."""
    groups = GroupMap(settings.role_groups, settings.school_groups)
    async with aiohttp.ClientSession() as http:
        graph = Graph(settings.graph_url, tokens, http, sleep=sleep)
        synced = await sync_staff(
            uow_factory,
            clock,
            settings.app_tenant_id,
            groups,
            lambda: read_directory(graph, groups),
        )
        schools = tuple(school.id for school, _ in synced.runs)
        if not synced.succeeded:
            return SyncOutcome((f"kestrel: staff not synced: {synced.failure}",), synced.failure)
        lines = [_staff_line(school, run) for school, run in synced.runs]
        if pupils:
            for school, _ in synced.runs:
                line, failure = await _pupils(settings, uow_factory, clock, graph, school)
                lines.append(line)
                if failure:
                    return SyncOutcome(tuple(lines), failure, schools)
    return SyncOutcome(tuple(lines), "", schools)


def _staff_line(school: School, run: ImportRun) -> str:
    counts = ", ".join(f"{name} {n}" for name, n in run.counts().items() if name != "rejected")
    return f"synced staff of {school.name} (school {school.id}) from Microsoft Entra: {counts}"


async def _pupils(
    settings: Settings, uow_factory: UnitOfWorkFactory, clock: Clock, graph: Graph, school: School
) -> tuple[str, str]:
    """One school's pupils from Graph's education roster, through the roster import (the whole
    roster: pupils no longer in it have left)."""
    match = dict(settings.sds_schools).get(school.id, "")
    try:
        raw = await read_education(graph, school, match)
    except DirectoryUnavailable as error:
        refused = NotARoster(error.reason, error.code)

        def read() -> RawRoster:
            raise refused

    else:

        def read() -> RawRoster:
            return raw

    options = ImportOptions(school.id, full=True, kind=SYNC)
    run = (await import_pupils(uow_factory, clock, read, options)).run
    where = f"{school.name} (school {school.id})"
    if not run.succeeded:
        return f"kestrel: pupils of {where} not synced: {run.failure}", run.failure
    counts = ", ".join(f"{name} {count}" for name, count in run.counts().items())
    line = f"synced pupils of {where} from Microsoft Graph's education roster: {counts}"
    return line, ""
