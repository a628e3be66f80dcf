"""The directory sync inside `kestrel serve`: every KESTREL_SYNC_HOURS, by one process at a time
(a lease row per tenant, taken by an atomic UPDATE: the alert leases' pattern, on SQLite and
PostgreSQL alike). A failed sync sends the school's administrators one Teams message (through
the Bot Connector, as alerts are sent), and not again until a sync succeeds."""

import asyncio
import logging
from datetime import timedelta

from botbuilder.core import TurnContext

from bot.directory_sync import SyncOutcome, entra_token, run_sync
from bot.graph import EntraToken, Sleep
from bot.proactive import Outcome, reference
from bot.settings import Settings
from cards.directory import sync_failed_card
from safeguarding.chats import ChatAddress
from safeguarding.clock import Clock
from safeguarding.ports import UnitOfWorkFactory
from safeguarding.services.directory_schedule import claim_sync, failure_told, finish_sync

log = logging.getLogger("kestrel.sync")
LEASE = timedelta(minutes=30)  # longer than a sync's bounded waits; a process that dies frees it
CHECK_EVERY = 60.0  # seconds between looking whether the sync is due


class ScheduledSync:
    """One process's part in the schedule; its MSAL application (token cache) lives with it."""

    def __init__(
        self,
        settings: Settings,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        adapter,
        tokens: EntraToken | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.settings, self.uow_factory, self.clock = settings, uow_factory, clock
        self.adapter, self.sleep = adapter, sleep
        self.tokens = tokens or entra_token(settings)
        self.holder = settings.instance_name

    async def run_once(self) -> SyncOutcome | None:
        """The sync, if it is due and this process took it; None otherwise."""
        tenant, now = self.settings.app_tenant_id, self.clock.now()
        if not await claim_sync(self.uow_factory, tenant, self.holder, now, now + LEASE):
            return None
        outcome: SyncOutcome | None = None
        try:
            outcome = await run_sync(
                self.settings,
                self.uow_factory,
                self.clock,
                self.tokens,
                pupils=self.settings.sds,
                sleep=self.sleep,
            )
        finally:
            failed = outcome is None or bool(outcome.failure)
            next_due = self.clock.now() + timedelta(hours=self.settings.sync_hours)
            to_tell = await finish_sync(
                self.uow_factory,
                tenant,
                self.holder,
                next_due,
                self.clock.now() if failed else None,
            )
        if to_tell:
            await self._tell(to_tell)
        log.info("directory sync %s", "failed" if failed else "done")
        return outcome

    async def run_forever(self) -> None:
        """The background loop (started by the app); never dies of one failed round."""
        while True:
            try:
                await self.run_once()
            except Exception as error:  # noqa: BLE001 - the database or Graph may be back
                log.error("directory sync round failed (%s)", type(error).__name__)
            await asyncio.sleep(CHECK_EVERY)

    async def _tell(self, addresses: list[ChatAddress]) -> None:
        """One message to each administrator; the failure counts as told when one arrived."""
        when = self.clock.now().strftime("%d/%m %H:%M UTC")
        told = 0
        for address in addresses:
            try:
                await asyncio.wait_for(self._send(address, when), self.settings.outbound_timeout)
                told += 1
            except Exception as error:  # noqa: BLE001 - tried again after the next failure
                log.warning("could not tell an administrator (%s)", type(error).__name__)
        if told:
            await failure_told(self.uow_factory, self.settings.app_tenant_id, self.clock.now())

    async def _send(self, address: ChatAddress, when: str) -> None:
        outcome = Outcome()
        card = sync_failed_card(when)

        async def callback(context: TurnContext) -> None:
            await outcome.send(context, card)

        await self.adapter.continue_conversation(reference(address), callback, self.settings.app_id)
        outcome.result()
