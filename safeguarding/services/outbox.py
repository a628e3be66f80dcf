"""The outbox the alert sender works through (the sender is not a press: each step is its own
small transaction, and a failed delivery never undoes the record).

Delivery is at least once: a row is leased to one sender (named by `holder`, stable across its
restarts), sent, then marked sent with the Teams message id. Leases are short and renewed while
the sender lives: one that dies mid-fan-out leaves them to expire within seconds (or takes them
back at once when it restarts), and the rows are sent again by whoever claims them next.
Shown once: a copy whose id was never recorded turns itself into a pointer to the recorded
message when Teams refreshes it (services/viewing.py).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from safeguarding.alerts import LEASE, MAX_ATTEMPTS, Delivery
from safeguarding.audit import AuditAction, AuditEvent
from safeguarding.chats import ChatAddress
from safeguarding.clock import Clock
from safeguarding.incidents import QueuedAlert
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.services.trusts import schools_in_trusts, with_hints


@dataclass(frozen=True)
class Outbox:
    uow_factory: UnitOfWorkFactory
    clock: Clock
    holder: str = ""  # this sender's name on its leases (KESTREL_INSTANCE)

    async def claim(self, limit: int) -> list[Delivery]:
        """Lease up to `limit` alerts that are due (rows other senders hold are skipped)."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            found = await uow.alerts.claim(now, now + LEASE, limit, self.holder)
            await uow.commit()
            return with_hints(found, await schools_in_trusts(uow)) if found else []

    async def renew_leases(self) -> int:
        """This sender is alive: its leases last another LEASE; how many it holds."""
        async with self.uow_factory() as uow:
            renewed = await uow.alerts.renew(self.holder, self.clock.now() + LEASE)
            await uow.commit()
        return renewed

    async def release_leases(self) -> int:
        """Give back every lease this sender's name holds (at start: those of its previous
        life, killed mid-fan-out; at shutdown: its own); how many."""
        async with self.uow_factory() as uow:
            released = await uow.alerts.release(self.holder)
            await uow.commit()
        return released

    async def stale_messages(self, limit: int) -> list[tuple[Delivery, str, bool]]:
        """Alert messages to refresh because their case changed: (delivery, message id, read);
        `delivery.attempts` counts the refreshes that failed so far."""
        async with self.uow_factory() as uow:
            found = await uow.alerts.claim_stale(self.clock.now(), limit)
            await uow.commit()
            if not found:
                return []
            trusts = await schools_in_trusts(uow)
        return [(with_hints([d], trusts)[0], message, read) for d, message, read in found]

    async def still_stale(self, delivery: Delivery, after: timedelta) -> bool:
        """The update did not go through: try again later, unless it has failed MAX_ATTEMPTS
        times (the stub then stays as it was; its refresh still shows the case as it is)."""
        if delivery.attempts + 1 >= MAX_ATTEMPTS:
            return False
        async with self.uow_factory() as uow:
            await uow.alerts.mark_stale(delivery.alert_id, self.clock.now() + after)
            await uow.commit()
        return True

    async def sent(
        self,
        delivery: Delivery,
        message_id: str,
        conversation_id: str,
        started: ChatAddress | None = None,
    ) -> None:
        """Delivered: the Teams message id is kept (to update it, and never to send twice);
        a chat Kestrel had to start is kept as this colleague's address."""
        async with self.uow_factory() as uow:
            if started is not None:
                await uow.chats.save(delivery.staff_id, started, self.clock.now())
            await uow.alerts.mark_sent(
                delivery.alert_id, message_id, conversation_id, self.clock.now()
            )
            await uow.commit()

    async def retry(self, delivery: Delivery, after: timedelta, why: str) -> bool:
        """Try again later; after MAX_ATTEMPTS it is undeliverable. True if it will be retried."""
        if delivery.attempts + 1 >= MAX_ATTEMPTS:
            await self.undeliverable(delivery, f"gave up: {why}"[:40])
            return False
        async with self.uow_factory() as uow:
            await uow.alerts.mark_retry(delivery.alert_id, self.clock.now() + after, why[:40])
            await uow.commit()
        return True

    async def undeliverable(self, delivery: Delivery, why: str) -> None:
        """It cannot reach this colleague (not installed, gone, or attempts exhausted): the
        person who raised the incident and the DSL team are told who was not reached."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            marked = await uow.alerts.mark_undeliverable(delivery.alert_id, why[:40], now)
            if marked and delivery.reason != "not_reached":  # (a failed notice is not noticed)
                await self._tell_not_reached(uow, delivery, now)
            await uow.commit()

    async def _tell_not_reached(self, uow: UnitOfWork, delivery: Delivery, now: datetime) -> None:
        school_id = await uow.incidents.school_of(delivery.incident_id)
        facts = await uow.incidents.facts(school_id, delivery.incident_id) if school_id else None
        if facts is None:
            return
        pupils = {p.student.id for p in facts.pupils}
        told = {
            s.id
            for s in await uow.staff.list(facts.school_id)
            if s.active and (s.leads_safeguarding or s.id == facts.recorded_by)
        } - {delivery.staff_id}
        for staff_id in sorted(told):
            if await uow.access.excluded_students(staff_id) & pupils:
                continue
            # One notice per incident and person: it names everyone not reached when it is
            # sent, and one already sent is refreshed in place to name the newcomer too.
            existing = await uow.alerts.notice_for(delivery.incident_id, staff_id)
            if existing is not None:
                alert_id, sent = existing
                if sent:
                    await uow.alerts.mark_stale(alert_id)
                continue
            notice = QueuedAlert(
                facts.school_id,
                delivery.incident_id,
                staff_id,
                facts.recorded_by,
                "not_reached",
                now,
                concerning_staff_id=delivery.staff_id,
            )
            await uow.incidents.queue_alert(notice)

    async def escalate_due(self, limit: int = 20) -> int:
        """Urgent incidents whose alerts nobody read in time go to the DSL and deputies, once."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            due = await uow.incidents.due_escalations(now, limit)
            for incident_id, school_id in due:
                alerted = await self._escalate(uow, incident_id, school_id, now)
                await uow.incidents.stop_escalation(incident_id)
                await uow.audit.append(
                    AuditEvent(
                        AuditAction.INCIDENT_ESCALATED,
                        now,
                        school_id=school_id,
                        record_type="incident",
                        record_id=incident_id,
                        detail={"alerted": alerted},
                    )
                )
            await uow.commit()
        return len(due)

    async def _escalate(
        self, uow: UnitOfWork, incident_id: int, school_id: int, now: datetime
    ) -> list[int]:
        facts = await uow.incidents.facts(school_id, incident_id)
        if facts is None:
            return []
        pupils = {p.student.id for p in facts.pupils}
        alerted = []
        for lead in await uow.staff.list(school_id):
            if not (lead.active and lead.leads_safeguarding):
                continue
            if await uow.access.excluded_students(lead.id) & pupils:
                continue  # never alerted about a pupil they are excluded from
            alert = QueuedAlert(
                school_id, incident_id, lead.id, facts.recorded_by, "escalation", now
            )
            await uow.incidents.queue_alert(alert)
            alerted.append(lead.id)
        return alerted
