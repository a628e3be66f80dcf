"""The triage channel and its posts in SQL: the channel per school, and an outbox of stubs
(leased claims, SKIP LOCKED on PostgreSQL, as the alerts' own)."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.chats import ChatAddress
from safeguarding.incidents import Status
from safeguarding.staff import Role
from safeguarding.triage import MAX_VIEWERS, ChannelPost, TriageStub
from storage.models import (
    CaseEventRow,
    ChatAddressRow,
    IncidentRow,
    SchoolRow,
    StaffRow,
    TriageChannelRow,
    TriagePostRow,
)
from storage.repositories import plain_rows, utc


class SqlTriage:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def channel(self, school_id: int) -> ChatAddress | None:
        rows = await plain_rows(self.session, _CHANNEL, {"school": school_id})
        return _address(rows[0]) if rows else None

    async def chosen(self, school_id: int) -> tuple[int, datetime] | None:
        """Who chose the school's triage channel, and when (None: there is none)."""
        row = await self.session.get(TriageChannelRow, school_id)
        return (row.set_by, utc(row.set_at)) if row is not None else None

    async def set_channel(
        self, school_id: int, address: ChatAddress, by: int, at: datetime
    ) -> None:
        """This channel is the school's triage channel now (replacing any other)."""
        row = await self.session.get(TriageChannelRow, school_id)
        if row is None:
            row = TriageChannelRow(school_id=school_id)
            self.session.add(row)
        row.conversation_id, row.service_url = address.conversation_id, address.service_url
        row.tenant_id, row.bot_id = address.tenant_id, address.bot_id
        row.set_by, row.set_at = by, at
        await self.session.flush()

    async def clear_channel(self, school_id: int) -> ChatAddress | None:
        """No triage channel any more; the one there was, if any."""
        row = await self.session.get(TriageChannelRow, school_id)
        if row is None:
            return None
        address = _address(row)
        await self.session.execute(
            delete(TriageChannelRow).where(TriageChannelRow.school_id == school_id)
        )
        return address

    async def queue_post(
        self, school_id: int, incident_id: int, address: ChatAddress, at: datetime
    ) -> None:
        self.session.add(
            TriagePostRow(
                school_id=school_id,
                incident_id=incident_id,
                conversation_id=address.conversation_id,
                service_url=address.service_url,
                tenant_id=address.tenant_id,
                bot_id=address.bot_id,
                state="queued",
                created_at=at,
            )
        )
        await self.session.flush()

    async def mark_stale(self, incident_id: int) -> None:
        """The case changed: its post (once sent) is updated by the sender."""
        await self.session.execute(
            update(TriagePostRow)
            .where(TriagePostRow.incident_id == incident_id, TriagePostRow.state == "sent")
            .values(stale=True, refresh_after=None)
        )

    async def claim(
        self, now: datetime, lease_until: datetime, limit: int, holder: str = ""
    ) -> list[ChannelPost]:
        """Due, unleased posts, oldest first, leased to `holder` until `lease_until`."""
        due = (
            select(TriagePostRow)
            .where(
                TriagePostRow.state == "queued",
                or_(TriagePostRow.next_attempt_at.is_(None), TriagePostRow.next_attempt_at <= now),
                _unleased(now),
            )
            .order_by(TriagePostRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(await self.session.scalars(due))
        for row in rows:
            row.claimed_until, row.claimed_by = lease_until, holder or None
        await self.session.flush()
        return await self._posts(rows, attempts=lambda r: r.attempts)

    async def claim_stale(
        self, now: datetime, lease_until: datetime, limit: int, holder: str = ""
    ) -> list[ChannelPost]:
        """Sent posts whose case changed since, each leased to one sender while it updates
        them: the mark is cleared now (a change meanwhile sets it again); an update whose
        lease lapsed (its sender died mid-update) is due again, as is a failed one, later."""
        due = (
            select(TriagePostRow)
            .where(
                TriagePostRow.state == "sent",
                or_(TriagePostRow.stale.is_(True), TriagePostRow.claimed_until.is_not(None)),
                or_(TriagePostRow.refresh_after.is_(None), TriagePostRow.refresh_after <= now),
                _unleased(now),
            )
            .order_by(TriagePostRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(await self.session.scalars(due))
        for row in rows:
            row.stale, row.claimed_until, row.claimed_by = False, lease_until, holder or None
        await self.session.flush()
        return await self._posts(rows, attempts=lambda r: r.refresh_attempts)

    async def renew(self, holder: str, lease_until: datetime) -> int:
        """Extend every lease `holder` still has (it is alive and posting); how many."""
        renewed = await self.session.execute(
            update(TriagePostRow)
            .where(TriagePostRow.claimed_by == holder, TriagePostRow.claimed_until.is_not(None))
            .values(claimed_until=lease_until)
        )
        return renewed.rowcount

    async def release(self, holder: str) -> int:
        """Give up every lease `holder` has: a restarted process's posts are due again at once,
        for it or any other sender (an update it had in flight is marked to do again); how
        many."""
        held = (TriagePostRow.claimed_by == holder, TriagePostRow.claimed_until.is_not(None))
        updates = await self.session.execute(
            update(TriagePostRow)
            .where(*held, TriagePostRow.state == "sent")
            .values(stale=True, claimed_until=None, claimed_by=None)
        )
        posts = await self.session.execute(
            update(TriagePostRow).where(*held).values(claimed_until=None, claimed_by=None)
        )
        return updates.rowcount + posts.rowcount

    async def mark_sent(self, post_id: int, message_id: str, at: datetime) -> None:
        """Posted: the first recorded message id wins (a late copy never replaces it)."""
        await self.session.execute(
            update(TriagePostRow)
            .where(TriagePostRow.id == post_id, TriagePostRow.state == "queued")
            .values(
                state="sent",
                message_id=message_id,
                sent_at=at,
                claimed_until=None,
                claimed_by=None,
            )
        )

    async def mark_retry(self, post_id: int, at: datetime, why: str) -> None:
        await self._set(
            post_id,
            attempts=TriagePostRow.attempts + 1,
            next_attempt_at=at,
            claimed_until=None,
            claimed_by=None,
            failure=why,
        )

    async def mark_undeliverable(self, post_id: int, why: str) -> None:
        await self._set(
            post_id, state="undeliverable", failure=why, claimed_until=None, claimed_by=None
        )

    async def mark_updated(self, post_id: int) -> None:
        """The update went through: no longer anyone's lease (a change meanwhile is still
        marked, and updated next round)."""
        await self._set(post_id, claimed_until=None, claimed_by=None)

    async def mark_refresh_failed(self, post_id: int, retry_at: datetime) -> None:
        await self._set(
            post_id,
            stale=True,
            refresh_after=retry_at,
            refresh_attempts=TriagePostRow.refresh_attempts + 1,
            claimed_until=None,
            claimed_by=None,
        )

    async def _set(self, post_id: int, **values: object) -> None:
        await self.session.execute(
            update(TriagePostRow).where(TriagePostRow.id == post_id).values(**values)
        )

    async def _posts(self, rows: Sequence[TriagePostRow], attempts) -> list[ChannelPost]:
        """The posts with what their stubs say now, and who sees a view of their own."""
        if not rows:
            return []
        stubs = {r.incident_id: await self.stub(r.incident_id) for r in rows}
        zones = await self._zones({r.school_id for r in rows})
        viewers = {s: await self._viewers(s) for s in {r.school_id for r in rows}}
        return [
            ChannelPost(
                r.id,
                ChatAddress(r.conversation_id, r.service_url, r.tenant_id, r.bot_id, ""),
                stubs[r.incident_id],
                zones[r.school_id],
                viewers[r.school_id],
                attempts(r),
                r.message_id or "",
                r.school_id,
            )
            for r in rows
        ]

    async def stub(self, incident_id: int) -> TriageStub:
        """What the channel may be told of this incident now (no pupil, no category, no text)."""
        incident = await self.session.get(IncidentRow, incident_id)
        assert incident is not None  # incidents are never deleted
        names = await self._names({incident.recorded_by, incident.assignee_id})
        assigned_at = closed_at = None
        events = await self.session.execute(
            select(CaseEventRow.kind, CaseEventRow.at, CaseEventRow.status)
            .where(
                CaseEventRow.incident_id == incident_id,
                CaseEventRow.kind.in_(("assigned", "status")),
            )
            .order_by(CaseEventRow.version)
        )
        for kind, at, status in events:
            if kind == "assigned":
                assigned_at = utc(at)
            elif status == Status.CLOSED.value:
                closed_at = utc(at)
        return TriageStub(
            incident_id,
            utc(incident.recorded_at),
            names.get(incident.recorded_by, "a colleague"),
            Status(incident.status),
            names.get(incident.assignee_id, "") if incident.assignee_id else "",
            assigned_at if incident.assignee_id else None,
            closed_at if incident.status == Status.CLOSED.value else None,
        )

    async def _names(self, staff_ids: set[int | None]) -> dict[int, str]:
        wanted = {i for i in staff_ids if i is not None}
        rows = await self.session.execute(
            select(StaffRow.id, StaffRow.display_name).where(StaffRow.id.in_(wanted))
        )
        return {key: value for key, value in rows}

    async def _zones(self, school_ids: set[int]) -> dict[int, str]:
        rows = await self.session.execute(
            select(SchoolRow.id, SchoolRow.time_zone).where(SchoolRow.id.in_(school_ids))
        )
        return {key: value for key, value in rows}

    async def _viewers(self, school_id: int) -> tuple[str, ...]:
        """The active DSL team's bot-scoped user ids (from their 1:1 chats), at most 60."""
        rows = await self.session.scalars(
            select(ChatAddressRow.user_id)
            .join(StaffRow, StaffRow.id == ChatAddressRow.staff_id)
            .where(
                StaffRow.school_id == school_id,
                StaffRow.active.is_(True),
                StaffRow.role.in_((Role.DSL.value, Role.DEPUTY_DSL.value)),
                ChatAddressRow.user_id != "",
            )
            .order_by(StaffRow.id)
            .limit(MAX_VIEWERS)
        )
        return tuple(rows)


def _unleased(now: datetime):
    return or_(TriagePostRow.claimed_until.is_(None), TriagePostRow.claimed_until < now)


def _address(row: TriageChannelRow | Row) -> ChatAddress:
    return ChatAddress(row.conversation_id, row.service_url, row.tenant_id, row.bot_id, "")


_CHANNEL = select(
    TriageChannelRow.conversation_id,
    TriageChannelRow.service_url,
    TriageChannelRow.tenant_id,
    TriageChannelRow.bot_id,
).where(TriageChannelRow.school_id == bindparam("school"))
