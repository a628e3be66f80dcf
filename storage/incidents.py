"""Incidents in SQL: the text, evidence and body-map notes encrypted and bound to the incident."""

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.errors import Conflict
from safeguarding.incidents import (
    Content,
    Evidence,
    IncidentFacts,
    Marker,
    NewIncident,
    QueuedAlert,
)
from storage.encryption import Keyring
from storage.incident_facts import incident_facts
from storage.models import (
    AlertRow,
    BodyMapMarkerRow,
    IncidentCategoryRow,
    IncidentGrantRow,
    IncidentRow,
    IncidentStudentRow,
)
from storage.repositories import plain_execute, plain_execute_many, plain_rows


def text_context(incident_id: int) -> str:
    return f"incident:{incident_id}:text"


def evidence_context(incident_id: int) -> str:
    return f"incident:{incident_id}:evidence"


def original_context(incident_id: int) -> str:
    return f"incident:{incident_id}:original"


def marker_context(incident_id: int, number: int) -> str:
    return f"incident:{incident_id}:marker:{number}"


class SqlIncidents:
    def __init__(self, session: AsyncSession, keyring: Keyring | None) -> None:
        self.session, self._keyring = session, keyring

    @property
    def keyring(self) -> Keyring:
        # Never fall back to plain text: without keys incidents cannot be stored at all.
        if self._keyring is None:
            raise RuntimeError("no encryption keyring configured")
        return self._keyring

    async def by_key(self, school_id: int, key: str) -> tuple[int, int] | None:
        rows = await plain_rows(self.session, _BY_KEY, {"school": school_id, "key": key})
        return (rows[0][0], rows[0][1]) if rows else None

    async def add(self, incident: NewIncident) -> int:
        """Store an incident; Conflict when its idempotency key was stored meanwhile. Core
        statements (no ORM objects): the row, its sealed texts once the id they are bound to
        exists, then its pupils, their categories and its body-map markers."""
        draft, keyring = incident.draft, self.keyring
        row = {
            "school_id": incident.school_id,
            "recorded_by": incident.recorded_by,
            "recorded_at": incident.recorded_at,
            "happened_at": draft.happened_at,
            "time_zone": draft.time_zone,
            "status": draft.status.value,
            "assignee_id": draft.assignee_id,
            "agencies": list(draft.agencies),
            "version": 1,
            "idempotency_key": draft.key,
            "escalate_at": incident.escalate_at,
            "text_ciphertext": "",  # sealed below, once the id it is bound to exists
        }
        try:
            incident_id = (await plain_execute(self.session, _ADD, row)).scalar()
        except IntegrityError as error:
            raise Conflict() from error
        evidence, original = None, None
        if draft.evidence is not None:
            evidence = json.dumps(asdict(draft.evidence))
            evidence = keyring.encrypt(evidence, evidence_context(incident_id))
        if draft.original:
            original = keyring.encrypt(draft.original, original_context(incident_id))
        text = keyring.encrypt(draft.text, text_context(incident_id))
        sealed = {"incident": incident_id, "text": text, "evidence": evidence, "original": original}
        await plain_execute(self.session, _SEAL, sealed)
        pupils = [
            {
                "incident_id": incident_id,
                "student_id": pupil.student_id,
                "linked": pupil.linked,
                "monitoring": pupil.monitoring,
            }
            for pupil in incident.pupils
        ]
        await plain_execute_many(self.session, _ADD_PUPIL, pupils)
        categories = [
            {"incident_id": incident_id, "student_id": pupil.student_id, "category_id": category}
            for pupil in incident.pupils
            for category in sorted(pupil.category_ids)
        ]
        await plain_execute_many(self.session, _ADD_CATEGORY, categories)
        markers = [
            {
                "incident_id": incident_id,
                "number": marker.number,
                "side": marker.side,
                "region": marker.region,
                "note_ciphertext": keyring.encrypt(
                    marker.note, marker_context(incident_id, marker.number)
                ),
            }
            for marker in draft.markers
        ]
        await plain_execute_many(self.session, _ADD_MARKER, markers)
        return incident_id

    async def grant(self, incident_id: int, staff_id: int, by: int, at: datetime) -> None:
        granted = {"incident_id": incident_id, "staff_id": staff_id, "granted_by": by}
        await plain_execute(self.session, _GRANT, {**granted, "granted_at": at})

    async def queue_alert(self, alert: QueuedAlert) -> None:
        queued = {
            "school_id": alert.school_id,
            "incident_id": alert.incident_id,
            "staff_id": alert.staff_id,
            "raised_by": alert.raised_by,
            "reason": alert.reason,
            "state": "queued",
            "created_at": alert.created_at,
            "attempts": 0,
            "concerning_staff_id": alert.concerning_staff_id,
            "action_id": alert.action_id,
            # a planner reminder waits for its day
            "next_attempt_at": alert.created_at if alert.reason == "reminder" else None,
            "stale": False,
            "refresh_attempts": 0,
        }
        await plain_execute(self.session, _QUEUE_ALERT, queued)

    async def queued_alerts(self, incident_id: int) -> Sequence[QueuedAlert]:
        rows = await self.session.scalars(
            select(AlertRow).where(AlertRow.incident_id == incident_id).order_by(AlertRow.id)
        )
        return [
            QueuedAlert(r.school_id, r.incident_id, r.staff_id, r.raised_by, r.reason, r.created_at)
            for r in rows
        ]

    async def school_of(self, incident_id: int) -> int | None:
        row = await self.session.get(IncidentRow, incident_id)
        return row.school_id if row is not None else None

    async def markers(self, incident_id: int) -> Sequence[Marker]:
        """The body-map markers with their notes decrypted, by number."""
        return (await self.markers_of([incident_id])).get(incident_id, [])

    async def markers_of(self, incident_ids: Sequence[int]) -> dict[int, list[Marker]]:
        """These incidents' body-map markers, notes decrypted, by number (one query)."""
        found: dict[int, list[Marker]] = {}
        if not incident_ids:
            return found
        for r in await plain_rows(self.session, _MARKERS, {"ids": list(incident_ids)}):
            note = self.keyring.decrypt(r.note_ciphertext, marker_context(r.incident_id, r.number))
            found.setdefault(r.incident_id, []).append(Marker(r.number, r.side, r.region, note))
        return found

    async def facts(self, school_id: int, incident_id: int) -> IncidentFacts | None:
        """The incident's facts with its pupils and live grants (no content decrypted)."""
        return (await self.facts_of(school_id, [incident_id])).get(incident_id)

    async def facts_of(
        self, school_id: int, incident_ids: Sequence[int]
    ) -> dict[int, IncidentFacts]:
        """Facts of several incidents of this school in four queries (lists and dashboards)."""
        return await incident_facts(self.session, school_id, incident_ids)

    async def due_escalations(self, now: datetime, limit: int) -> list[tuple[int, int]]:
        """(incident, school) of urgent incidents due for escalation, locked for this sender."""
        rows = await self.session.execute(
            select(IncidentRow.id, IncidentRow.school_id)
            .where(IncidentRow.escalate_at <= now)
            .order_by(IncidentRow.escalate_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [(row[0], row[1]) for row in rows]

    async def lock(self, incident_id: int) -> None:
        """Hold the incident's row until the press ends, as a change of the case does, before
        writing any of its alerts (PostgreSQL; SQLite's writes hold the whole database). A
        change locks the incident and then its alerts; an alert's write can lock the incident
        too (the triggers that keep its alerted flags): taken the other way round, the two at
        once on one incident deadlock."""
        if self.session.get_bind().dialect.name == "postgresql":
            await plain_execute(self.session, _LOCK, {"id": incident_id})

    async def stop_escalation(self, incident_id: int) -> None:
        """Escalated, or somebody read an alert about it: it will not escalate (again)."""
        await self.session.execute(
            update(IncidentRow).where(IncidentRow.id == incident_id).values(escalate_at=None)
        )

    async def texts_of(self, incident_ids: Sequence[int]) -> dict[int, str]:
        """These incidents' texts, decrypted (only what a page shows)."""
        if not incident_ids:
            return {}
        rows = await plain_rows(self.session, _TEXTS, {"ids": list(incident_ids)})
        return {i: self.keyring.decrypt(c, text_context(i)) for i, c in rows}

    async def text(self, incident_id: int) -> str:
        row = await self.session.get(IncidentRow, incident_id)
        assert row is not None
        return self.keyring.decrypt(row.text_ciphertext, text_context(incident_id))

    async def content(self, incident_id: int) -> Content:
        """The card's text and evidence, decrypted, and whether it was pasted: one read."""
        text, evidence, pasted = (await plain_rows(self.session, _CONTENT, {"id": incident_id}))[0]
        return Content(
            self.keyring.decrypt(text, text_context(incident_id)),
            self._evidence(incident_id, evidence),
            bool(pasted),
        )

    def _evidence(self, incident_id: int, ciphertext: str | None) -> Evidence | None:
        if not ciphertext:
            return None
        found = json.loads(self.keyring.decrypt(ciphertext, evidence_context(incident_id)))
        return Evidence(found["message_id"], found["author"], found["sent_at"])

    async def original(self, incident_id: int) -> str | None:
        """The HTML email pasted as the incident's text, as pasted (None: it was typed)."""
        row = await self.session.get(IncidentRow, incident_id)
        if row is None or not row.original_ciphertext:
            return None
        return self.keyring.decrypt(row.original_ciphertext, original_context(row.id))

    async def of_student(self, student_id: int) -> Sequence[int]:
        """The incidents a pupil is on (main or linked), newest first."""
        rows = await self.session.scalars(
            select(IncidentStudentRow.incident_id)
            .where(IncidentStudentRow.student_id == student_id)
            .order_by(IncidentStudentRow.incident_id.desc())
        )
        return list(rows)

    async def withdraw_grant(self, incident_id: int, staff_id: int, by: int, at: datetime) -> bool:
        """End a live grant; False when there is none."""
        rows = await self.session.scalars(
            select(IncidentGrantRow).where(
                IncidentGrantRow.incident_id == incident_id,
                IncidentGrantRow.staff_id == staff_id,
                IncidentGrantRow.withdrawn_at.is_(None),
            )
        )
        found = list(rows)
        for row in found:
            row.withdrawn_by, row.withdrawn_at = by, at
        await self.session.flush()
        return bool(found)

    async def reencrypt_all(self) -> int:
        """Re-encrypt every incident ciphertext made by an older key (key rotation)."""
        keyring, changed = self.keyring, 0
        for row in await self.session.scalars(select(IncidentRow)):
            changed += keyring.rotate_fields(
                row,
                [
                    ("text_ciphertext", text_context(row.id)),
                    ("evidence_ciphertext", evidence_context(row.id)),
                    ("original_ciphertext", original_context(row.id)),
                ],
            )
        for marker in await self.session.scalars(select(BodyMapMarkerRow)):
            context = marker_context(marker.incident_id, marker.number)
            changed += keyring.rotate_fields(marker, [("note_ciphertext", context)])
        await self.session.flush()
        return changed


# What every view of an incident reads besides its facts, built once with bound parameters.
_IDS = bindparam("ids", expanding=True)
_MARKERS = (
    select(
        BodyMapMarkerRow.incident_id,
        BodyMapMarkerRow.number,
        BodyMapMarkerRow.side,
        BodyMapMarkerRow.region,
        BodyMapMarkerRow.note_ciphertext,
    )
    .where(BodyMapMarkerRow.incident_id.in_(_IDS))
    .order_by(BodyMapMarkerRow.incident_id, BodyMapMarkerRow.number)
)
_TEXTS = select(IncidentRow.id, IncidentRow.text_ciphertext).where(IncidentRow.id.in_(_IDS))
_CONTENT = select(
    IncidentRow.text_ciphertext,
    IncidentRow.evidence_ciphertext,
    func.coalesce(func.length(IncidentRow.original_ciphertext), 0),
).where(IncidentRow.id == bindparam("id"))


_BY_KEY = select(IncidentRow.id, IncidentRow.recorded_by).where(
    IncidentRow.school_id == bindparam("school"), IncidentRow.idempotency_key == bindparam("key")
)
_LOCK = (
    select(IncidentRow.id).where(IncidentRow.id == bindparam("id")).with_for_update(key_share=True)
)
_ADD = insert(IncidentRow).returning(IncidentRow.id)  # its columns are the parameters'
_SEAL = (
    update(IncidentRow)
    .where(IncidentRow.id == bindparam("incident"))
    .values(
        text_ciphertext=bindparam("text"),
        evidence_ciphertext=bindparam("evidence"),
        original_ciphertext=bindparam("original"),
    )
)
_ADD_PUPIL = insert(IncidentStudentRow)
_GRANT = insert(IncidentGrantRow)
_QUEUE_ALERT = insert(AlertRow)
_ADD_CATEGORY = insert(IncidentCategoryRow)
_ADD_MARKER = insert(BodyMapMarkerRow)
