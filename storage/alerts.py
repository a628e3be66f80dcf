"""The alert outbox in SQL: leased claims (SKIP LOCKED on PostgreSQL), outcomes, reads."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import DateTime, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.alerts import Delivery
from safeguarding.chats import ChatAddress
from storage.models import AlertRow, ChatAddressRow, StaffRow
from storage.repositories import plain_execute, plain_rows, plain_scalar

NOTICE = "not_reached"  # a notice that an alert could not be delivered


class SqlAlerts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(
        self, now: datetime, lease_until: datetime, limit: int, holder: str = ""
    ) -> Sequence[Delivery]:
        """Due, unleased alerts, oldest first, leased to `holder` until `lease_until`."""
        due = (
            select(AlertRow)
            .where(
                AlertRow.state == "queued",
                or_(AlertRow.next_attempt_at.is_(None), AlertRow.next_attempt_at <= now),
                or_(AlertRow.claimed_until.is_(None), AlertRow.claimed_until < now),
            )
            .order_by(AlertRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # PostgreSQL: each row to one sender
        )
        rows = list(await self.session.scalars(due))
        if not rows:
            return []
        for row in rows:
            row.claimed_until, row.claimed_by = lease_until, holder or None
        await self.session.flush()
        names = await self._names({r.raised_by for r in rows})
        unreached = await self._unreached({r.incident_id for r in rows if r.reason == NOTICE})
        chats = await self._chats({r.staff_id for r in rows})
        aad = await self._aad({r.staff_id for r in rows if r.staff_id not in chats})
        schools = {r.school_id for r in rows if r.staff_id not in chats}
        school_chats = {school: await self._any_chat(school) for school in schools}
        return [
            Delivery(
                r.id,
                r.incident_id,
                r.staff_id,
                names.get(r.raised_by, "a colleague"),
                chats.get(r.staff_id),
                r.attempts,
                r.reason,
                unreached.get(r.incident_id, ""),
                aad.get(r.staff_id, ""),
                school_chats.get(r.school_id),
                r.action_id,
                r.school_id,
            )
            for r in rows
        ]

    async def renew(self, holder: str, lease_until: datetime) -> int:
        """Extend every lease `holder` still has (it is alive and sending); how many."""
        renewed = await self.session.execute(
            update(AlertRow)
            .where(
                AlertRow.claimed_by == holder,
                AlertRow.state == "queued",
                AlertRow.claimed_until.is_not(None),
            )
            .values(claimed_until=lease_until)
        )
        return renewed.rowcount

    async def release(self, holder: str) -> int:
        """Give up every lease `holder` has: a restarted process's alerts are due again at
        once, for it or any other sender; how many."""
        released = await self.session.execute(
            update(AlertRow)
            .where(AlertRow.claimed_by == holder, AlertRow.state == "queued")
            .values(claimed_until=None, claimed_by=None)
        )
        return released.rowcount

    async def claim_stale(self, now: datetime, limit: int) -> Sequence[tuple[Delivery, str, bool]]:
        """Sent alerts whose case changed since: (delivery, message id, read), each taken by
        one sender (the mark is cleared now; a failed update sets it again, for later)."""
        due = (
            select(AlertRow)
            .where(
                AlertRow.stale.is_(True),
                AlertRow.state == "sent",
                or_(AlertRow.refresh_after.is_(None), AlertRow.refresh_after <= now),
            )
            .order_by(AlertRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(await self.session.scalars(due))
        if not rows:
            return []
        for row in rows:
            row.stale = False
        await self.session.flush()
        names = await self._names({r.raised_by for r in rows})
        unreached = await self._unreached({r.incident_id for r in rows if r.reason == NOTICE})
        chats = await self._chats({r.staff_id for r in rows})
        return [
            (
                Delivery(
                    r.id,
                    r.incident_id,
                    r.staff_id,
                    names.get(r.raised_by, "a colleague"),
                    _in_conversation(chats.get(r.staff_id), r.conversation_id or ""),
                    r.refresh_attempts,
                    r.reason,
                    unreached.get(r.incident_id, ""),
                    action_id=r.action_id,
                    school_id=r.school_id,
                ),
                r.message_id or "",
                r.read_at is not None,
            )
            for r in rows
            if r.message_id and r.conversation_id
        ]

    async def mark_stale(self, alert_id: int, retry_at: datetime | None = None) -> None:
        """To refresh (again); `retry_at` after a failed refresh, which counts as an attempt."""
        values: dict[str, object] = {"stale": True, "refresh_after": retry_at}
        if retry_at is not None:
            values["refresh_attempts"] = AlertRow.refresh_attempts + 1
        await self._set(alert_id, **values)

    async def mark_sent(
        self, alert_id: int, message_id: str, conversation_id: str, at: datetime
    ) -> None:
        """The first delivery recorded wins: a later copy (a send whose lease ran out) never
        replaces the message id, so that copy is the one that stands aside on refresh."""
        await self.session.execute(
            update(AlertRow)
            .where(AlertRow.id == alert_id, AlertRow.state == "queued")
            .values(
                state="sent",
                message_id=message_id[:200],
                conversation_id=conversation_id[:400],
                sent_at=at,
                claimed_until=None,
                claimed_by=None,
            )
        )

    async def message_of(self, alert_id: int, staff_id: int) -> str | None:
        """The recorded Teams message id of this colleague's alert, once sent."""
        return await self.session.scalar(
            select(AlertRow.message_id).where(
                AlertRow.id == alert_id, AlertRow.staff_id == staff_id, AlertRow.state == "sent"
            )
        )

    async def mark_retry(self, alert_id: int, at: datetime, why: str) -> None:
        await self._set(
            alert_id,
            attempts=AlertRow.attempts + 1,
            next_attempt_at=at,
            failure=why,
            claimed_until=None,
            claimed_by=None,
        )

    async def mark_undeliverable(self, alert_id: int, why: str, at: datetime) -> bool:
        """Only a queued alert: a copy failing after another sender delivered it changes
        nothing. True if it was marked."""
        changed = await self.session.execute(
            update(AlertRow)
            .where(AlertRow.id == alert_id, AlertRow.state == "queued")
            .values(**_undeliverable(why, at))
        )
        return changed.rowcount == 1

    async def stop_for(self, staff_id: int, why: str, at: datetime) -> int:
        """A colleague deactivated: their alerts still queued are never sent; how many."""
        changed = await self.session.execute(
            update(AlertRow)
            .where(AlertRow.staff_id == staff_id, AlertRow.state == "queued")
            .values(**_undeliverable(why, at))
        )
        return changed.rowcount

    async def own(self, alert_id: int, staff_id: int) -> tuple[int, str | None] | None:
        """The alert's incident and message, if it is this colleague's (None for anyone else's
        or none at all); nothing locked."""
        found = await plain_rows(self.session, _OWN, {"alert": alert_id, "staff": staff_id})
        return (found[0][0], found[0][1]) if found else None

    async def mark_read(self, alert_id: int, at: datetime) -> None:
        """Read (the first time counts)."""
        await plain_execute(self.session, _MARK_READ, {"alert": alert_id, "at": at})

    async def read_all_for(self, incident_id: int, staff_id: int, at: datetime) -> list[int]:
        """Mark this colleague's unread alerts about an incident read; their ids."""
        ids = list(
            await self.session.scalars(
                select(AlertRow.id).where(
                    AlertRow.incident_id == incident_id,
                    AlertRow.staff_id == staff_id,
                    AlertRow.read_at.is_(None),
                    or_(AlertRow.reason != "reminder", AlertRow.state == "sent"),
                )
            )
        )
        if ids:
            await self.session.execute(
                update(AlertRow).where(AlertRow.id.in_(ids)).values(read_at=at)
            )
        return ids

    async def unread_for(self, incident_id: int, staff_id: int) -> int | None:
        """This colleague's newest unread alert about this incident, if any."""
        wanted = {"incident": incident_id, "staff": staff_id}
        return await plain_scalar(self.session, _UNREAD_FOR, wanted)

    async def _set(self, alert_id: int, **values: object) -> None:
        await self.session.execute(update(AlertRow).where(AlertRow.id == alert_id).values(**values))

    async def notice_for(self, incident_id: int, staff_id: int) -> tuple[int, bool] | None:
        """This colleague's "not reached" notice about an incident (one at most): its id and
        whether it has been sent."""
        row = (
            await self.session.execute(
                select(AlertRow.id, AlertRow.message_id).where(
                    AlertRow.incident_id == incident_id,
                    AlertRow.staff_id == staff_id,
                    AlertRow.reason == NOTICE,
                )
            )
        ).first()
        return None if row is None else (row[0], row[1] is not None)

    async def _unreached(self, incident_ids: set[int]) -> dict[int, str]:
        """Per incident, everyone its alerts could not reach, by name ("A, B and C")."""
        if not incident_ids:
            return {}
        rows = await self.session.execute(
            select(AlertRow.incident_id, StaffRow.display_name)
            .join(StaffRow, StaffRow.id == AlertRow.staff_id)
            .where(
                AlertRow.incident_id.in_(incident_ids),
                AlertRow.state == "undeliverable",
                AlertRow.reason != NOTICE,
            )
            .order_by(StaffRow.display_name)
        )
        found: dict[int, list[str]] = {}
        for incident_id, name in rows:
            if name not in found.setdefault(incident_id, []):
                found[incident_id].append(name)
        return {i: _listed(names) for i, names in found.items()}

    async def _names(self, staff_ids: set[int]) -> dict[int, str]:
        rows = await self.session.execute(
            select(StaffRow.id, StaffRow.display_name).where(StaffRow.id.in_(staff_ids))
        )
        return {row[0]: row[1] for row in rows}

    async def _aad(self, staff_ids: set[int]) -> dict[int, str]:
        if not staff_ids:
            return {}
        rows = await self.session.execute(
            select(StaffRow.id, StaffRow.aad_object_id).where(StaffRow.id.in_(staff_ids))
        )
        return {row[0]: row[1] for row in rows}

    async def _any_chat(self, school_id: int) -> ChatAddress | None:
        """Any colleague's chat in this school: its Teams service, bot and tenant."""
        row = await self.session.scalar(
            select(ChatAddressRow)
            .join(StaffRow, StaffRow.id == ChatAddressRow.staff_id)
            .where(StaffRow.school_id == school_id)
            .order_by(ChatAddressRow.updated_at.desc())
            .limit(1)
        )
        if row is None:
            return None
        return ChatAddress(
            row.conversation_id, row.service_url, row.tenant_id, row.bot_id, row.user_id
        )

    async def _chats(self, staff_ids: set[int]) -> dict[int, ChatAddress]:
        rows = await self.session.scalars(
            select(ChatAddressRow).where(ChatAddressRow.staff_id.in_(staff_ids))
        )
        return {
            r.staff_id: ChatAddress(
                r.conversation_id, r.service_url, r.tenant_id, r.bot_id, r.user_id
            )
            for r in rows
        }


def _in_conversation(address: ChatAddress | None, conversation_id: str) -> ChatAddress | None:
    """The colleague's chat address, pointed at the conversation the alert went to."""
    if address is None:
        return None
    return ChatAddress(
        conversation_id, address.service_url, address.tenant_id, address.bot_id, address.user_id
    )


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _undeliverable(why: str, at: datetime) -> dict:
    """An alert that will never be sent, and why (its lease let go)."""
    return {
        "state": "undeliverable",
        "failure": why,
        "claimed_until": None,
        "claimed_by": None,
        "next_attempt_at": at,
    }


# Every view of an incident asks (the Mark as read button): built once.
_UNREAD_FOR = (
    select(AlertRow.id)
    .where(
        AlertRow.incident_id == bindparam("incident"),
        AlertRow.staff_id == bindparam("staff"),
        AlertRow.read_at.is_(None),
        or_(AlertRow.reason != "reminder", AlertRow.state == "sent"),
    )
    .order_by(AlertRow.id.desc())
    .limit(1)
)
_OWN = select(AlertRow.incident_id, AlertRow.message_id).where(
    AlertRow.id == bindparam("alert"), AlertRow.staff_id == bindparam("staff")
)
_MARK_READ = (
    update(AlertRow)
    .where(AlertRow.id == bindparam("alert"))
    .values(read_at=func.coalesce(AlertRow.read_at, bindparam("at", type_=DateTime(timezone=True))))
)
