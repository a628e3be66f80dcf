"""Case changes in SQL: a conditional update per version, the events kept as the history."""

from collections.abc import Sequence

from sqlalchemy import Row, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.cases import CaseEvent, Change, IncidentContent, IncidentVersion
from safeguarding.incidents import Status
from storage.encryption import Keyring
from storage.incidents import text_context
from storage.models import (
    AlertRow,
    CaseEventRow,
    IncidentCategoryRow,
    IncidentRow,
    IncidentStudentRow,
    IncidentVersionRow,
)
from storage.repositories import plain_rows, utc


def version_context(incident_id: int, version: int) -> str:
    return f"incident:{incident_id}:version:{version}:text"


def reason_context(incident_id: int, version: int) -> str:
    return f"incident:{incident_id}:case:{version}:reason"


# A decision's columns but its reason (read and decrypted only for the entries a page shows).
_DECISION = (
    CaseEventRow.incident_id,
    CaseEventRow.version,
    CaseEventRow.kind,
    CaseEventRow.actor_id,
    CaseEventRow.at,
    CaseEventRow.assignee_id,
    CaseEventRow.status,
    CaseEventRow.outcome,
    CaseEventRow.detail,
)

# Plain rows, no ciphertext (a pupil's record reads hundreds), built once.
_REASONS = select(
    CaseEventRow.incident_id, CaseEventRow.version, CaseEventRow.reason_ciphertext
).where(
    CaseEventRow.incident_id.in_(bindparam("ids", expanding=True)),
    CaseEventRow.version.in_(bindparam("versions", expanding=True)),
)
_DECISIONS = (
    select(*_DECISION)
    .where(
        CaseEventRow.incident_id.in_(bindparam("ids", expanding=True)),
        CaseEventRow.kind.in_(("assigned", "status")),
    )
    .order_by(CaseEventRow.incident_id, CaseEventRow.version)
)


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

    async def apply_change(self, change: Change) -> bool:
        """Take the next version (False if a concurrent change took it), keep the incident as it
        was, then write the edit, move or link, and the case event."""
        event = change.event
        taken = await self.session.execute(
            update(IncidentRow)
            .where(IncidentRow.id == event.incident_id, IncidentRow.version == event.version - 1)
            .values(version=event.version)
        )
        if taken.rowcount != 1:
            return False
        await self._keep(event.incident_id, event.version - 1)
        if change.content is not None:
            await self._edit(event.incident_id, change)
        if change.moved_to is not None:
            await self.session.execute(
                update(IncidentStudentRow)
                .where(
                    IncidentStudentRow.incident_id == event.incident_id,
                    IncidentStudentRow.linked.is_(False),
                )
                .values(student_id=change.moved_to)
            )
            await self.session.execute(
                update(IncidentCategoryRow)
                .where(
                    IncidentCategoryRow.incident_id == event.incident_id,
                    IncidentCategoryRow.student_id == change.detail["from"],
                )
                .values(student_id=change.moved_to)
            )
        if change.merged is not None:
            await self._merge_pupil(event.incident_id, *change.merged)
        if change.linked is not None:
            student, categories = change.linked
            self.session.add(
                IncidentStudentRow(
                    incident_id=event.incident_id, student_id=student, linked=True, monitoring=False
                )
            )
            self.session.add_all(
                IncidentCategoryRow(
                    incident_id=event.incident_id, student_id=student, category_id=c
                )
                for c in sorted(categories)
            )
        self.session.add(
            CaseEventRow(
                incident_id=event.incident_id,
                version=event.version,
                kind=event.kind,
                actor_id=event.actor_id,
                at=event.at,
                detail=change.detail,
            )
        )
        await self.session.flush()
        return True

    async def _merge_pupil(self, incident_id: int, old: int, new: int) -> None:
        """The incident's rows for pupil `old` become `new`'s; where `new` was on it already,
        one row: main if either was, monitored if either was, both pupils' categories."""
        links = {
            link.student_id: link
            for link in await self.session.scalars(
                select(IncidentStudentRow).where(
                    IncidentStudentRow.incident_id == incident_id,
                    IncidentStudentRow.student_id.in_((old, new)),
                )
            )
        }
        theirs = await self._categories_of(incident_id, old)
        ours = await self._categories_of(incident_id, new) if new in links else set()
        if new in links:
            links[new].linked = links[new].linked and links[old].linked
            links[new].monitoring = links[new].monitoring or links[old].monitoring
            await self.session.delete(links[old])
        else:
            links[old].student_id = new
        await self.session.execute(
            delete(IncidentCategoryRow).where(
                IncidentCategoryRow.incident_id == incident_id,
                IncidentCategoryRow.student_id == old,
            )
        )
        self.session.add_all(
            IncidentCategoryRow(incident_id=incident_id, student_id=new, category_id=c)
            for c in sorted(theirs - ours)
        )

    async def _categories_of(self, incident_id: int, student_id: int) -> set[int]:
        found = await self.session.scalars(
            select(IncidentCategoryRow.category_id).where(
                IncidentCategoryRow.incident_id == incident_id,
                IncidentCategoryRow.student_id == student_id,
            )
        )
        return set(found)

    async def _keep(self, incident_id: int, version: int) -> None:
        """The incident's content at `version`, as a version row (text re-sealed to it)."""
        row = await self.session.get(IncidentRow, incident_id, populate_existing=True)
        assert row is not None
        links = (
            await self.session.scalars(
                select(IncidentStudentRow).where(IncidentStudentRow.incident_id == incident_id)
            )
        ).all()
        categories = (
            await self.session.execute(
                select(IncidentCategoryRow.student_id, IncidentCategoryRow.category_id).where(
                    IncidentCategoryRow.incident_id == incident_id
                )
            )
        ).all()
        keyring = self._keys()
        text = keyring.decrypt(row.text_ciphertext, text_context(incident_id))
        self.session.add(
            IncidentVersionRow(
                incident_id=incident_id,
                version=version,
                happened_at=row.happened_at,
                agencies=list(row.agencies or ()),
                pupils=[
                    {
                        "student": link.student_id,
                        "linked": link.linked,
                        "monitoring": link.monitoring,
                        "categories": sorted(c for s, c in categories if s == link.student_id),
                    }
                    for link in links
                ],
                text_ciphertext=keyring.encrypt(text, version_context(incident_id, version)),
            )
        )

    async def _edit(self, incident_id: int, change: Change) -> None:
        content = change.content
        assert content is not None
        await self.session.execute(
            update(IncidentRow)
            .where(IncidentRow.id == incident_id)
            .values(
                text_ciphertext=self._keys().encrypt(content.text, text_context(incident_id)),
                happened_at=content.happened_at,
                agencies=list(content.agencies),
            )
        )
        await self.session.execute(
            delete(IncidentCategoryRow).where(IncidentCategoryRow.incident_id == incident_id)
        )
        self.session.add_all(
            IncidentCategoryRow(incident_id=incident_id, student_id=student, category_id=c)
            for student, chosen in content.categories.items()
            for c in sorted(chosen)
        )

    async def versions(self, incident_id: int) -> Sequence[IncidentVersion]:
        """The kept versions, oldest first, text decrypted."""
        rows = await self.session.scalars(
            select(IncidentVersionRow)
            .where(IncidentVersionRow.incident_id == incident_id)
            .order_by(IncidentVersionRow.version)
        )
        keyring = self._keys()
        return [
            IncidentVersion(
                r.version,
                IncidentContent(
                    keyring.decrypt(r.text_ciphertext, version_context(incident_id, r.version)),
                    utc(r.happened_at),
                    tuple(r.agencies or ()),
                    {p["student"]: frozenset(p["categories"]) for p in r.pupils},
                ),
                linked=frozenset(p["student"] for p in r.pupils if p["linked"]),
                monitoring=frozenset(p["student"] for p in r.pupils if p["monitoring"]),
            )
            for r in rows
        ]

    async def reencrypt_all(self) -> int:
        """Re-encrypt decision reasons and kept versions an older key made (key rotation)."""
        keyring, changed = self._keys(), 0
        for event in await self.session.scalars(
            select(CaseEventRow).where(CaseEventRow.reason_ciphertext.is_not(None))
        ):
            context = reason_context(event.incident_id, event.version)
            token = event.reason_ciphertext
            if token and keyring.needs_rotation(token):
                event.reason_ciphertext = keyring.encrypt(keyring.decrypt(token, context), context)
                changed += 1
        for kept in await self.session.scalars(select(IncidentVersionRow)):
            context = version_context(kept.incident_id, kept.version)
            if keyring.needs_rotation(kept.text_ciphertext):
                text = keyring.decrypt(kept.text_ciphertext, context)
                kept.text_ciphertext = keyring.encrypt(text, context)
                changed += 1
        await self.session.flush()
        return changed

    def _keys(self) -> Keyring:
        if self.keyring is None:
            raise RuntimeError("no encryption keyring configured")
        return self.keyring

    async def mark_alerts_stale(self, incident_id: int, except_staff: int | None = None) -> None:
        """The case's sent alert messages are refreshed by the sender (a fresh stub), but for
        `except_staff`'s: that colleague is working in theirs right now."""
        where = [AlertRow.incident_id == incident_id, AlertRow.state == "sent"]
        if except_staff is not None:
            where.append(AlertRow.staff_id != except_staff)
        await self.session.execute(update(AlertRow).where(*where).values(stale=True))

    async def last_event(self, incident_id: int) -> CaseEvent | None:
        row = await self.session.scalar(
            select(CaseEventRow)
            .where(CaseEventRow.incident_id == incident_id)
            .order_by(CaseEventRow.version.desc())
            .limit(1)
        )
        return self._event(row, decrypt=False) if row is not None else None

    async def decisions(self, incident_ids: Sequence[int]) -> Sequence[CaseEvent]:
        """Assignments and status changes of these incidents (reasons not decrypted)."""
        if not incident_ids:
            return []
        rows = await plain_rows(self.session, _DECISIONS, {"ids": list(incident_ids)})
        return [self._event(row, decrypt=False) for row in rows]

    async def reasons_of(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], str]:
        """The decrypted reasons of these (incident, version) decisions (a page's worth), read
        in one query."""
        wanted = set(keys)
        if not wanted:
            return {}
        incidents, versions = sorted({i for i, _ in wanted}), sorted({v for _, v in wanted})
        rows = await plain_rows(self.session, _REASONS, {"ids": incidents, "versions": versions})
        return {
            (i, v): self._keys().decrypt(token, reason_context(i, v))
            for i, v, token in rows
            if token and (i, v) in wanted
        }

    async def events(self, incident_id: int) -> Sequence[CaseEvent]:
        rows = await self.session.scalars(
            select(CaseEventRow)
            .where(CaseEventRow.incident_id == incident_id)
            .order_by(CaseEventRow.version)
        )
        return [self._event(row, decrypt=True) for row in rows]

    def _event(self, row: CaseEventRow | Row, *, decrypt: bool) -> CaseEvent:
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
            detail=dict(row.detail or {}),
        )
