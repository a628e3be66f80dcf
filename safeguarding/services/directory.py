"""Syncing staff from Microsoft Entra (`kestrel sync`, and the schedule inside `kestrel serve`):
not a press (nobody is pressing). The directory is read in full first (every page of every
group); then every school of the tenant is brought in step in one transaction, kept as a sync
run per school (the dashboard's import status) and audited. A sync that fails changes nothing
and is kept as a failed run per school, in a transaction of its own.
"""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from safeguarding.audit import AuditAction, AuditEvent
from safeguarding.clock import Clock
from safeguarding.directory import (
    Directory,
    DirectoryUnavailable,
    GroupMap,
    StaffPlan,
    StaffUpdate,
    plan_staff,
    wanted_in,
)
from safeguarding.imports import SYNC, ImportRun
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.school import School
from safeguarding.services.staffing import stop_colleague

DirectoryReader = Callable[[], Awaitable[Directory]]
SOURCE = "entra"


@dataclass(frozen=True)
class Synced:
    """What a sync did (or why it did nothing), one run per school."""

    runs: tuple[tuple[School, ImportRun], ...]
    failure: str = ""

    @property
    def succeeded(self) -> bool:
        return not self.failure


async def sync_staff(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    tenant_id: str,
    groups: GroupMap,
    read: DirectoryReader,
) -> Synced:
    """Read the directory, then apply it to every school of the tenant in one transaction."""
    started = clock.now()
    try:
        if not groups.roles:
            raise DirectoryUnavailable(
                "KESTREL_ROLE_GROUPS is not set: name the Entra groups whose members are staff "
                "(dsl=<group id>,staff=<group id>,...); nothing was changed.",
                "no_groups",
            )
        directory = await read()
        async with uow_factory() as uow:
            schools = await _schools(uow, tenant_id)
            runs = [await _apply(uow, clock, s, directory, groups, started) for s in schools]
            await uow.commit()
        return Synced(tuple(runs))
    except DirectoryUnavailable as error:
        return await _failed(uow_factory, clock, tenant_id, error, started)


async def _schools(uow: UnitOfWork, tenant_id: str) -> Sequence[School]:
    schools = [s for s in await uow.schools.list() if s.tenant_id == tenant_id]
    if not schools:
        raise DirectoryUnavailable(
            f"There is no school of tenant {tenant_id} in Kestrel: set one up first.",
            "no_school",
        )
    for school in schools:
        await uow.imports.lock_school(school.id)
    return schools


async def _apply(
    uow: UnitOfWork,
    clock: Clock,
    school: School,
    directory: Directory,
    groups: GroupMap,
    started: datetime,
) -> tuple[School, ImportRun]:
    plan = plan_staff(
        school.id, await uow.staff.list(school.id), wanted_in(directory, groups, school.id)
    )
    await _added(uow, clock, plan)
    for update in plan.updated:
        await _updated(uow, clock, school.id, update)
    run = _sync_run(school.id, started, clock, succeeded=True, **plan.counts)
    run_id = await uow.imports.add(run)
    await _audit(
        uow, clock, school.id, AuditAction.STAFF_SYNCED, ("import_run", run_id), run.counts()
    )
    return school, replace(run, id=run_id)


def _sync_run(school_id: int, started: datetime, clock: Clock, **outcome) -> ImportRun:
    """A sync kept as a full import run of this school, ending now."""
    return ImportRun(school_id, SYNC, SOURCE, started, clock.now(), full=True, **outcome)


async def _updated(uow: UnitOfWork, clock: Clock, school_id: int, update: StaffUpdate) -> None:
    """A colleague's name, email, role or active as the directory has them, audited as an
    administrator's change is (by the directory)."""
    seen = update.before.version
    if not await uow.staff.set_from_directory(
        update.before.id, seen, update.display_name, update.email, update.role, update.active
    ):
        raise DirectoryUnavailable(
            "A colleague was changed in Kestrel during the sync: run it again; nothing "
            "was changed.",
            "conflict",
        )
    if update.before.active and not update.active:
        await stop_colleague(uow, update.before.id, clock.now())
    detail = {"version": seen + 1, "changes": update.changes(), "by": SOURCE}
    await _audit(
        uow, clock, school_id, AuditAction.STAFF_CHANGED, ("staff", update.before.id), detail
    )


async def _added(uow: UnitOfWork, clock: Clock, plan: StaffPlan) -> None:
    for want in plan.added:
        user = want.user
        member = await uow.staff.ensure(
            plan.school_id, user.object_id, user.display_name, user.email, want.role
        )
        await _audit(
            uow,
            clock,
            plan.school_id,
            AuditAction.STAFF_ADDED,
            ("staff", member.id),
            {"role": want.role.value, "by": SOURCE},
        )


async def _failed(
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    tenant_id: str,
    error: DirectoryUnavailable,
    started: datetime,
) -> Synced:
    """A failed run for every school of the tenant: when, and why; nothing else changed."""
    runs = []
    async with uow_factory() as uow:
        for school in [s for s in await uow.schools.list() if s.tenant_id == tenant_id]:
            run = _sync_run(school.id, started, clock, succeeded=False, failure=error.reason[:300])
            run_id = await uow.imports.add(run)
            await _audit(
                uow,
                clock,
                school.id,
                AuditAction.STAFF_SYNC_FAILED,
                ("import_run", run_id),
                {"reason": error.code},
            )
            runs.append((school, replace(run, id=run_id)))
        await uow.commit()
    return Synced(tuple(runs), error.reason)


async def _audit(
    uow: UnitOfWork,
    clock: Clock,
    school_id: int,
    action: AuditAction,
    record: tuple[str, int],
    detail: dict,
) -> None:
    await uow.audit.append(
        AuditEvent(
            action,
            clock.now(),
            school_id=school_id,
            record_type=record[0],
            record_id=record[1],
            detail=detail,
        )
    )
