"""Importing a school's roster (`kestrel import pupils`): not a press (nobody is pressing), and
one unit of work for the whole roster: all of a valid file, or nothing. A roster that cannot
be used is kept as a failed run (the dashboard says when and why), in a transaction of its own.

The reader is any function giving a `RawRoster`: the files of an export or a report today;
Microsoft Graph's education roster for the later sync (`kind` SYNC) goes through the same path.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from safeguarding.audit import AuditAction, AuditEvent
from safeguarding.clock import Clock
from safeguarding.errors import DomainError
from safeguarding.imports import IMPORT, ImportRun, finished_run
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.roster import NotARoster, RawRoster, check_roster
from safeguarding.roster_changes import plan_changes
from safeguarding.school import School

RosterReader = Callable[[], RawRoster]


class NoSuchSchool(DomainError):
    """The school to import into is not there (or not chosen among several): one line."""


@dataclass(frozen=True)
class ImportOptions:
    """Which school, whether the file is the whole roster (`full`: the others have left), year
    groups the school has not had before, and whether this is an import or a sync."""

    school_id: int | None = None
    full: bool = False
    new_year_groups: frozenset[int] = frozenset()
    kind: str = IMPORT


@dataclass(frozen=True)
class Imported:
    """What an import did, for the summary the command prints."""

    school: School
    run: ImportRun
    style: str = ""  # how the source was recognised ("SIMS headers")


async def import_pupils(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    read: RosterReader,
    options: ImportOptions = ImportOptions(),
) -> Imported:
    """Read, check and apply a roster in one transaction, kept as a run and audited (ids and
    counts only). A roster that is not one changes nothing and is kept as a failed run."""
    started = clock.now()
    raw: RawRoster | None = None
    refused: NotARoster | None = None
    try:
        raw = read()
    except NotARoster as error:
        refused = error
    async with uow_factory() as uow:
        school = await _school(uow, options.school_id)
        await uow.imports.lock_school(school.id)
        if raw is not None:
            try:
                imported = await _apply(uow, clock, school, raw, options, started)
            except NotARoster as error:
                refused = error
        if refused is not None:
            imported = await _failed(uow, clock, school, refused, raw, options, started)
        await uow.commit()
    return imported


async def _apply(
    uow: UnitOfWork,
    clock: Clock,
    school: School,
    raw: RawRoster,
    options: ImportOptions,
    started: datetime,
) -> Imported:
    today = clock.now().astimezone(ZoneInfo(school.time_zone)).date()
    known = set(await uow.students.year_groups(school.id))
    years = known | options.new_year_groups if known else set()  # a first roster brings its own
    roster = check_roster(raw, today=today, year_groups=years)
    pupils = await uow.students.roster(school.id)
    changes = plan_changes(school.id, pupils, roster, full=options.full, today=today)
    await uow.students.apply_roster(changes)
    run = finished_run(
        school.id,
        options.kind,
        raw.source,
        changes,
        full=options.full,
        started_at=started,
        finished_at=clock.now(),
    )
    run_id = await uow.imports.add(run)
    detail = {"source": raw.source, "full": options.full, **run.counts()}
    await _audit(uow, clock, school, AuditAction.ROSTER_IMPORTED, run_id, detail)
    return Imported(school, replace(run, id=run_id), raw.style)


async def _failed(
    uow: UnitOfWork,
    clock: Clock,
    school: School,
    refused: NotARoster,
    raw: RawRoster | None,
    options: ImportOptions,
    started: datetime,
) -> Imported:
    """A run that changed nothing: when, and why (no pupil's data is in a reason)."""
    source = raw.source if raw is not None else ""
    run = ImportRun(
        school.id,
        options.kind,
        source,
        started,
        clock.now(),
        succeeded=False,
        full=options.full,
        failure=refused.reason[:300],
    )
    run_id = await uow.imports.add(run)
    detail = {"source": source, "reason": refused.code}
    await _audit(uow, clock, school, AuditAction.ROSTER_IMPORT_FAILED, run_id, detail)
    return Imported(school, replace(run, id=run_id), raw.style if raw is not None else "")


async def _school(uow: UnitOfWork, school_id: int | None) -> School:
    """The school asked for; with none asked, the only one there is."""
    if school_id is not None:
        school = await uow.schools.by_id(school_id)
        if school is None:
            raise NoSuchSchool(f"there is no school {school_id}")
        return school
    schools = await uow.schools.list()
    if len(schools) == 1:
        return schools[0]
    if not schools:
        raise NoSuchSchool("there is no school yet: set one up first (`kestrel demo --file`)")
    listed = ", ".join(f"{s.id} ({s.name})" for s in schools)
    raise NoSuchSchool(f"there are {len(schools)} schools: choose one with --school ({listed})")


async def _audit(
    uow: UnitOfWork, clock: Clock, school: School, action: AuditAction, run_id: int, detail: dict
) -> None:
    await uow.audit.append(
        AuditEvent(
            action,
            clock.now(),
            school_id=school.id,
            record_type="import_run",
            record_id=run_id,
            detail=detail,
        )
    )
