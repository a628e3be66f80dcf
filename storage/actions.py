"""Actions in SQL: each with its categories; the text sealed to the action's id."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.case_actions import ActionEntry, NewAction
from safeguarding.errors import Conflict
from storage.encryption import Keyring
from storage.models import ActionCategoryRow, ActionRow
from storage.repositories import plain_rows, utc


def action_text_context(action_id: int) -> str:
    return f"action:{action_id}:text"


def action_original_context(action_id: int) -> str:
    return f"action:{action_id}:original"


_ACTION = (
    ActionRow.id,
    ActionRow.incident_id,
    ActionRow.recorded_by,
    ActionRow.recorded_at,
    ActionRow.happened_at,
    ActionRow.time_zone,
    ActionRow.agency,
    ActionRow.planner_date,
    ActionRow.planner_staff_id,
)
# Whether an HTML email was pasted (its original kept), without reading the original.
_PASTED = func.coalesce(func.length(ActionRow.original_ciphertext), 0).label("pasted")


class SqlActions:
    def __init__(self, session: AsyncSession, keyring: Keyring | None) -> None:
        self.session, self._keyring = session, keyring

    @property
    def keyring(self) -> Keyring:
        if self._keyring is None:  # never plain text: without keys nothing is stored
            raise RuntimeError("no encryption keyring configured")
        return self._keyring

    async def author(self, action_id: int) -> int | None:
        return await self.session.scalar(
            select(ActionRow.recorded_by).where(ActionRow.id == action_id)
        )

    async def by_key(self, school_id: int, key: str) -> int | None:
        return await self.session.scalar(
            select(ActionRow.id).where(
                ActionRow.school_id == school_id, ActionRow.idempotency_key == key
            )
        )

    async def add(self, action: NewAction) -> int:
        """Store an action; Conflict when its idempotency key was stored meanwhile."""
        draft = action.draft
        row = ActionRow(
            school_id=action.school_id,
            incident_id=action.incident_id,
            recorded_by=action.recorded_by,
            recorded_at=action.recorded_at,
            happened_at=draft.happened_at,
            time_zone=draft.time_zone,
            agency=draft.agency or None,
            planner_date=draft.planner_date,
            planner_staff_id=draft.planner_staff_id,
            idempotency_key=draft.key,
            text_ciphertext="",  # sealed below, once the id it is bound to exists
        )
        self.session.add(row)
        try:
            await self.session.flush()
        except IntegrityError as error:
            raise Conflict() from error
        row.text_ciphertext = self.keyring.encrypt(draft.text, action_text_context(row.id))
        if draft.original:
            original = self.keyring.encrypt(draft.original, action_original_context(row.id))
            row.original_ciphertext = original
        self.session.add_all(
            ActionCategoryRow(action_id=row.id, category_id=c) for c in sorted(draft.category_ids)
        )
        await self.session.flush()
        return row.id

    async def on_incidents(self, incident_ids: Sequence[int]) -> Sequence[ActionEntry]:
        """The actions of these incidents, decrypted, in the order they happened."""
        return await self.heads(incident_ids, decrypt=True)

    async def texts_of(self, action_ids: Sequence[int]) -> dict[int, str]:
        """These actions' texts, decrypted (only what a page shows)."""
        if not action_ids:
            return {}
        rows = await plain_rows(self.session, _TEXTS, {"ids": list(action_ids)})
        return {i: self.keyring.decrypt(c, action_text_context(i)) for i, c in rows}

    async def original(self, action_id: int) -> str | None:
        """The HTML email pasted as the action's text, as pasted (None: it was typed)."""
        row = await self.session.get(ActionRow, action_id)
        if row is None or not row.original_ciphertext:
            return None
        return self.keyring.decrypt(row.original_ciphertext, action_original_context(row.id))

    async def heads(
        self, incident_ids: Sequence[int], *, decrypt: bool = False
    ) -> Sequence[ActionEntry]:
        """The actions of these incidents in the order they happened; texts only if asked."""
        if not incident_ids:
            return []
        # Plain rows of the columns shown, the ciphertext only when it is decrypted here: a
        # pupil's record reads hundreds of actions to decide and order them, and decrypts a page.
        heads = _HEADS_WITH_TEXT if decrypt else _HEADS
        rows = await plain_rows(self.session, heads, {"ids": list(incident_ids)})
        if not rows:
            return []
        categories = await plain_rows(
            self.session, _ACTION_CATEGORIES, {"ids": [r[0] for r in rows]}
        )
        categories_of: dict[int, set[int]] = defaultdict(set)
        for action_id, category_id in categories:
            categories_of[action_id].add(category_id)
        return [self._entry(r, categories_of[r[0]], decrypt) for r in rows]

    def _entry(self, row: Row, categories: set[int], decrypt: bool) -> ActionEntry:
        # By position (a Row's attributes by name cost more than the rest of the read).
        action_id, incident_id, by, at, happened_at, zone, agency, on, planner, pasted = row[:10]
        text = row[10] if decrypt else ""
        return ActionEntry(
            id=action_id,
            incident_id=incident_id,
            recorded_by=by,
            recorded_at=utc(at),
            happened_at=utc(happened_at),
            time_zone=zone,
            text=self.keyring.decrypt(text, action_text_context(action_id)) if decrypt else "",
            category_ids=frozenset(categories),
            agency=agency or "",
            planner_date=on,
            planner_staff_id=planner,
            pasted=bool(pasted),
        )

    async def reencrypt_all(self) -> int:
        """Re-encrypt action texts and pasted originals an older key made (key rotation);
        returns how many."""
        changed = 0
        for row in await self.session.scalars(select(ActionRow)):
            changed += self.keyring.rotate_fields(
                row,
                [
                    ("text_ciphertext", action_text_context(row.id)),
                    ("original_ciphertext", action_original_context(row.id)),
                ],
            )
        await self.session.flush()
        return changed


def _heads(*columns) -> Select:
    return (
        select(*_ACTION, _PASTED, *columns)
        .where(ActionRow.incident_id.in_(bindparam("ids", expanding=True)))
        .order_by(ActionRow.happened_at, ActionRow.id)
    )


# Built once with bound parameters (`ids`, a list): every view of an incident reads them.
_HEADS = _heads()
_HEADS_WITH_TEXT = _heads(ActionRow.text_ciphertext)
_ACTION_CATEGORIES = select(ActionCategoryRow.action_id, ActionCategoryRow.category_id).where(
    ActionCategoryRow.action_id.in_(bindparam("ids", expanding=True))
)


_TEXTS = select(ActionRow.id, ActionRow.text_ciphertext).where(
    ActionRow.id.in_(bindparam("ids", expanding=True))
)
