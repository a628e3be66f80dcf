"""Case changes in SQL: a conditional update per version, the events kept as the history."""

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.casework import CaseEvent
from safeguarding.incidents import Status
from storage.encryption import Keyring
from storage.models import AlertRow, CaseEventRow, IncidentRow
from storage.repositories import utc


def reason_context(incident_id: int, version: int) -> str:
    return f"incident:{incident_id}:case:{version}:reason"


class SqlCases:
    def __init__(self, session: AsyncSession, keyring: Keyring | None) -> None:
        self.session, self.keyring = session, keyring

    async def apply(self, event: CaseEvent) -> bool:
        """Make the change only if the incident is still at the version before it; False if a
        concurrent change got there first (on PostgreSQL the second update waits, then finds
        the version moved on)."""
        values: dict[str, object] = {"version": event.version}
        if event.kind == "assigned":
            values["assignee_id"] = event.assignee_id
        else:
            assert event.status is not None
            values |= {"status": event.status.value, "outcome": event.outcome}
        changed = await self.session.execute(
            update(IncidentRow)
            .where(IncidentRow.id == event.incident_id, IncidentRow.version == event.version - 1)
            .values(**values)
        )
        if changed.rowcount != 1:
            return False
        reason = None
        if event.reason:
            if self.keyring is None:
                raise RuntimeError("no encryption keyring configured")
            context = reason_context(event.incident_id, event.version)
            reason = self.keyring.encrypt(event.reason, context)
        self.session.add(
            CaseEventRow(
                incident_id=event.incident_id,
                version=event.version,
                kind=event.kind,
                actor_id=event.actor_id,
                at=event.at,
                assignee_id=event.assignee_id,
                status=event.status.value if event.status else None,
                outcome=event.outcome,
                reason_ciphertext=reason,
            )
        )
        await self.session.flush()
        return True

    async def mark_alerts_stale(self, incident_id: int) -> None:
        """The case's sent alert messages are refreshed by the sender (a fresh stub)."""
        await self.session.execute(
            update(AlertRow)
            .where(AlertRow.incident_id == incident_id, AlertRow.state == "sent")
            .values(stale=True)
        )

    async def last_event(self, incident_id: int) -> CaseEvent | None:
        row = await self.session.scalar(
            select(CaseEventRow)
            .where(CaseEventRow.incident_id == incident_id)
            .order_by(CaseEventRow.version.desc())
            .limit(1)
        )
        return self._event(row, decrypt=False) if row is not None else None

    async def events(self, incident_id: int) -> Sequence[CaseEvent]:
        rows = await self.session.scalars(
            select(CaseEventRow)
            .where(CaseEventRow.incident_id == incident_id)
            .order_by(CaseEventRow.version)
        )
        return [self._event(row, decrypt=True) for row in rows]

    def _event(self, row: CaseEventRow, *, decrypt: bool) -> CaseEvent:
        reason = ""
        if decrypt and row.reason_ciphertext and self.keyring is not None:
            context = reason_context(row.incident_id, row.version)
            reason = self.keyring.decrypt(row.reason_ciphertext, context)
        return CaseEvent(
            incident_id=row.incident_id,
            version=row.version,
            kind=row.kind,
            actor_id=row.actor_id,
            at=utc(row.at),
            assignee_id=row.assignee_id,
            status=Status(row.status) if row.status else None,
            outcome=row.outcome,
            reason=reason,
        )
