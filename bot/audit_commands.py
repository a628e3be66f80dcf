"""`kestrel audit verify | checkpoint | rekey`, and the serving process's check at start that
every audit chain is keyed."""

import sys

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.console import Refusal, on_database
from bot.keyring import load_audit_keys
from bot.settings import Settings
from safeguarding.clock import SystemClock
from storage.audit_checkpoints import Written, read_checkpoints, write_checkpoint
from storage.audit_keys import AuditKeys
from storage.audit_rekey import Rekeyed, RekeyRefused, chains_to_rekey, rekey_chain
from storage.audit_verify import AuditReport, verify_audit_log


def verify(settings: Settings) -> int:
    """Check every chain, checkpoint and record; 1 (and every problem named) if any fails."""
    keys = load_audit_keys(settings, create=False)
    path = settings.audit_checkpoints
    # Read before the database: a checkpoint written meanwhile never runs ahead of the heads.
    checkpoints = read_checkpoints(path, keys) if path else None

    async def work(engine: AsyncEngine) -> AuditReport:
        async with AsyncSession(engine) as session:
            return await verify_audit_log(session, keys, checkpoints)

    report = on_database(settings.database_url, work)
    for problem in report.problems:
        print(f"audit log BROKEN: {problem.text}", file=sys.stderr)
    if not report.intact:
        return 1
    print(
        f"audit log intact: {report.events} events in {report.chains} chains, "
        f"held against {report.checkpoints} checkpoints in {path}"
    )
    return 0


def checkpoint(settings: Settings) -> int:
    """Append the chains' signed heads to the checkpoint file; 1 if a chain was left out."""
    keys = load_audit_keys(settings, create=False)
    written = _checkpoint(settings, keys)
    for reason in written.left_out:
        print(f"not checkpointed: {reason}", file=sys.stderr)
    if written.written:
        print(f"checkpoint of {written.heads} chains written to {settings.audit_checkpoints}")
    else:
        print(f"no chain moved since the last checkpoint in {settings.audit_checkpoints}")
    return 1 if written.left_out else 0


def rekey(settings: Settings) -> int:
    """Key the links written before keyed audit (once, after upgrading), then checkpoint."""
    keys = load_audit_keys(settings, create=False)
    try:
        done = _rekey(settings, keys)
    except RekeyRefused as refused:
        print(f"audit rekey refused: {refused} (see `kestrel audit verify`)", file=sys.stderr)
        return 1
    for chain in done:
        print(
            f"chain {chain.chain}: {chain.plain} plain links keyed with {keys.current!r} "
            f"({chain.relinked} links re-linked)"
        )
    if not done:
        print("every audit chain is keyed already")
        return 0
    return checkpoint(settings)


def require_keyed_audit(settings: Settings) -> None:
    """Before serving: a chain with links from before keyed audit stops a real server (the
    operator runs `kestrel audit rekey`); local mode keys them itself."""
    chains = on_database(settings.database_url, chains_to_rekey)
    if not chains:
        return
    if not settings.local:
        raise Refusal(
            f"{len(chains)} audit chains have links from before keyed audit: run "
            "`kestrel audit rekey` once (with KESTREL_AUDIT_KEYS set), then start again"
        )
    _rekey(settings, load_audit_keys(settings))


def unkeyed_notice(engine_url: str) -> str | None:
    """What `kestrel migrate` says when chains still need `kestrel audit rekey`."""
    chains = on_database(engine_url, chains_to_rekey)
    if not chains:
        return None
    return (
        f"{len(chains)} audit chains have links from before keyed audit: run "
        "`kestrel audit rekey` once, with KESTREL_AUDIT_KEYS set (kestrel serve refuses to "
        "start until then)"
    )


def _rekey(settings: Settings, keys: AuditKeys) -> list[Rekeyed]:
    async def work(engine: AsyncEngine) -> list[Rekeyed]:
        clock = SystemClock()
        return [
            await rekey_chain(engine, keys, c, clock.now()) for c in await chains_to_rekey(engine)
        ]

    return on_database(settings.database_url, work)


def _checkpoint(settings: Settings, keys: AuditKeys) -> Written:
    path = settings.audit_checkpoints
    if path is None:
        raise Refusal("KESTREL_AUDIT_CHECKPOINTS is not set")

    async def work(engine: AsyncEngine) -> Written:
        return await write_checkpoint(engine, keys, path, SystemClock().now())

    return on_database(settings.database_url, work)
