"""`kestrel sync`: staff (and, asked, pupils) from Microsoft Graph, now, once."""

import argparse
import sys

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.console import Refusal, on_database
from bot.directory_sync import SyncOutcome, entra_token, run_sync
from bot.keyring import load_audit_keys
from bot.settings import Settings
from safeguarding.clock import SystemClock
from storage.uow import unit_of_work_factory


def add_sync_parser(commands: argparse._SubParsersAction) -> None:
    """The `sync` command and its options."""
    sync = commands.add_parser(
        "sync", help="staff (and roles) from Microsoft Entra; pupils from Graph's education roster"
    )
    sync.add_argument(
        "--pupils",
        action="store_true",
        help="also the pupils of Graph's education roster (School Data Sync; KESTREL_SDS=1)",
    )
    sync.set_defaults(run=sync_now)


def sync_now(args: argparse.Namespace) -> int:
    """Sync once; the counts on stdout, or why nothing changed on stderr (exit 1)."""
    # The database, the audit keys and the app registration; the rest of serving's settings
    # (public URL, checkpoints) are not needed to sync.
    settings = Settings.from_env(local=True)
    if not (settings.app_id and settings.app_password and settings.app_tenant_id):
        raise Refusal(
            "set MicrosoftAppId, MicrosoftAppPassword and MicrosoftAppTenantId (the bot's app "
            "registration) to read the directory from Microsoft Graph"
        )
    audit_keys = load_audit_keys(settings)
    # (MSAL's HTTPS trust: the system's, or requests' REQUESTS_CA_BUNDLE when it is set.)
    tokens = entra_token(settings)

    async def work(engine: AsyncEngine) -> SyncOutcome:
        clock = SystemClock()
        uow_factory = unit_of_work_factory(engine, clock, audit_keys=audit_keys)
        return await run_sync(
            settings, uow_factory, clock, tokens, pupils=args.pupils or settings.sds
        )

    outcome = on_database(settings.database_url, work)
    print("\n".join(outcome.lines), file=sys.stderr if outcome.failure else sys.stdout)
    return 1 if outcome.failure else 0
