"""Alerts: the outbox the sender works through, and a colleague marking an alert as read.

Delivery is at least once: a row is leased to one sender, sent, then marked sent with the
Teams message id; a sender that dies mid-fan-out leaves its leases to expire, and the rows are
sent again by whoever claims them next. Shown once: a copy whose id was never recorded turns
itself into a pointer to the recorded message when Teams refreshes it (`is_copy`). What an
alert says carries no pupil and no text.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from safeguarding.audit import AuditAction, AuditEvent, staff_event
from safeguarding.chats import ChatAddress
from safeguarding.clock import Clock
from safeguarding.incidents import QueuedAlert, reference
from safeguarding.ports import UnitOfWork, UnitOfWorkFactory
from safeguarding.refusals import refuse
from safeguarding.staff import StaffMember

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=2)
LONGEST_RETRY = timedelta(minutes=10)


@dataclass(frozen=True)
class Delivery:
    """One alert to send: to whom, where, about which incident, raised by whom."""

    alert_id: int
    incident_id: int
    staff_id: int
    raised_by: str
    address: ChatAddress | None
    attempts: int
    # tagged, group, escalation (urgent, unread), not_reached, assigned, reminder (planner)
    reason: str = "tagged"
    concerning: str = ""  # not_reached: who could not be reached
    # No chat yet: Kestrel starts one (Teams allows it where the app is installed for them),
    # with their Entra id and the school's Teams service (from any colleague's chat).
    aad_object_id: str = ""
    school_chat: ChatAddress | None = None
    action_id: int | None = None  # about an action on the incident

    @property
    def reference(self) -> str:
        return reference(self.incident_id)


@dataclass(frozen=True)
class UnreadAlert:
    alert_id: int
    incident_id: int
    raised_by: str
    created_at: datetime


@dataclass(frozen=True)
class ReadAlert:
    incident_id: int
    message_id: str | None

    @property
    def reference(self) -> str:
        return reference(self.incident_id)


def retry_delay(attempts: int, retry_after: float | None, rng: random.Random) -> timedelta:
    """The server's Retry-After when it gives one (plus a little jitter, so a crowd of retries
    does not arrive together); otherwise exponential backoff with full jitter."""
    if retry_after is not None:
        wait = min(max(retry_after, 0.0), LONGEST_RETRY.total_seconds())
        return timedelta(seconds=wait + rng.uniform(0.0, 0.5))
    ceiling = min(FIRST_RETRY * 2**attempts, LONGEST_RETRY)
    return timedelta(seconds=rng.uniform(FIRST_RETRY.total_seconds(), ceiling.total_seconds()))


@dataclass(frozen=True)
class Outbox:
    uow_factory: UnitOfWorkFactory
    clock: Clock

    async def claim(self, limit: int) -> list[Delivery]:
        """Lease up to `limit` alerts that are due (rows other senders hold are skipped)."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            found = await uow.alerts.claim(now, now + LEASE, limit)
            await uow.commit()
        return list(found)

    async def stale_messages(self, limit: int) -> list[tuple[Delivery, str, bool]]:
        """Alert messages to refresh because their case changed: (delivery, message id, read);
        `delivery.attempts` counts the refreshes that failed so far."""
        async with self.uow_factory() as uow:
            found = await uow.alerts.claim_stale(self.clock.now(), limit)
            await uow.commit()
        return list(found)

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

    async def is_copy(self, actor: StaffMember, alert_id: int, message_id: str) -> bool:
        """True for a second message of one alert: Teams took a send whose message id was never
        recorded (a crash, or a lease that ran out), and the alert went again. Teams has no
        idempotency key, so delivery is at least once; this is how it is shown once."""
        async with self.uow_factory() as uow:
            recorded = await uow.alerts.message_of(alert_id, actor.id)
        return bool(recorded and message_id and recorded != message_id)

    async def acknowledge(self, actor: StaffMember, alert_id: int, conversation: str) -> ReadAlert:
        """Mark as read: only the alert's own colleague may; recorded once, audited."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            found = await uow.alerts.mark_read(alert_id, actor.id, now)
            if found is None:
                await refuse(
                    uow,
                    actor,
                    "alert.read",
                    conversation,
                    now,
                    record_type="alert",
                    record_id=alert_id,
                )
            incident_id, message_id = found
            await uow.incidents.stop_escalation(incident_id)  # somebody has it now
            await uow.audit.append(
                staff_event(
                    actor,
                    AuditAction.ALERT_READ,
                    now,
                    conversation,
                    record_type="incident",
                    record_id=incident_id,
                    detail={"alert": alert_id},
                )
            )
            await uow.commit()
        return ReadAlert(incident_id, message_id)


async def read_by_acting(
    uow: UnitOfWork, actor: StaffMember, incident_id: int, now: datetime, conversation: str
) -> None:
    """Acting on a case (assigning, a status, an action, an edit) acknowledges one's own alerts
    about it: they leave the dashboard, stop its escalation, and are audited as read."""
    read = await uow.alerts.read_all_for(incident_id, actor.id, now)
    if not read:
        return
    await uow.incidents.stop_escalation(incident_id)
    await uow.audit.append(
        staff_event(
            actor,
            AuditAction.ALERT_READ,
            now,
            conversation,
            record_type="incident",
            record_id=incident_id,
            detail={"alerts": read, "by_acting": True},
        )
    )
