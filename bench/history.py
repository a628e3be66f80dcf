"""The casework bench's school history, in batches: incidents with their pupils, categories and
actions, about a bench pupil with 500 chronology entries among everyone else's.

Pupil 1 is the bench pupil: 250 incidents are about them (one every incidents/250-th, each with a
linked second pupil) and 250 actions are on those incidents (one each, ten on the incident viewed,
none on the nine after it). The other incidents are about the other pupils (every fourth with a
linked pupil) and carry the other actions. Only the bench pupil's rows have their own ciphertexts
(600 to 1,500 characters, sealed to the row as storage seals them); every other row shares one
ciphertext of the same size sealed to another context, so decrypting it fails.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from bench.databases import bulk_insert
from storage.actions import action_text_context
from storage.encryption import Keyring
from storage.incidents import text_context
from storage.models import (
    ActionCategoryRow,
    ActionRow,
    IncidentCategoryRow,
    IncidentRow,
    IncidentStudentRow,
)

STAFF, PUPILS, BATCH, DSL, PUPIL = 20, 2_000, 5_000, 1, 1
CATEGORIES = ("Neglect", "Bullying", "Online safety", "Mental health")
ON_PUPIL = 250  # incidents about the bench pupil, and actions on them: 500 entries
VIEWED = 125  # the bench pupil's 125th incident is viewed: it has ten actions
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIRST, SPAN = NOW - timedelta(days=360), timedelta(days=350)
ZONE = "Europe/London"
NOTE = (  # the words the bench pupil's notes are made of
    "pupil arrived late again today and said they had not eaten since yesterday lunchtime "
    "mum was not answering the phone tutor noticed a bruise on the left forearm explained as "
    "a fall at the park spoke with the class teacher who has seen the pupil withdrawn in lessons "
    "and reluctant to go home at the end of the day social care were contacted and a referral "
    "made the family support worker will visit on thursday agreed to check in each morning "
    "with the pupil and record any further disclosures safeguarding lead informed"
)
WORDS = NOTE.split()


def every(incidents: int) -> int:
    """The bench pupil's incidents are every this-many-th incident."""
    return incidents // ON_PUPIL


def on_pupil(n: int, incidents: int) -> int:
    """Which of the bench pupil's incidents n is (1 to 250), or 0 when it is about another."""
    step = every(incidents)
    return n // step if n % step == 0 and n // step <= ON_PUPIL else 0


@dataclass(frozen=True)
class Layout:
    """The school a history is written for: its pupils and staff, and when it all happened."""

    pupils: int = PUPILS
    staff: int = STAFF
    first: datetime = FIRST
    span: timedelta = SPAN


def happened(n: int, incidents: int, layout: Layout = Layout()) -> datetime:
    return layout.first + layout.span * (n - 1) / incidents


def actions_on(n: int, incidents: int, actions: int) -> int:
    """How many actions incident n has: 250 on the bench pupil's, the rest spread evenly."""
    k = on_pupil(n, incidents)
    if k:
        return 10 if k == VIEWED else 0 if VIEWED < k < VIEWED + 10 else 1
    others, spread = incidents - ON_PUPIL, actions - ON_PUPIL
    index = n - 1 - min(n // every(incidents), ON_PUPIL)  # among the other incidents, from 0
    return spread // others + (index < spread % others)


def words(random_: random.Random, marker: str) -> str:
    """A realistic note, 600 to 1,500 characters in two paragraphs, starting with its marker."""
    length, parts, size = random_.randint(600, 1_500), [marker], len(marker)
    while size < length:
        word = random_.choice(WORDS)
        parts.append(word + ("." if random_.random() < 0.08 else ""))
        size += len(word) + 1
    body = " ".join(parts)[:length]
    cut = body.find(" ", length // 2)
    return body[:cut] + "\n\n" + body[cut + 1 :] if cut > 0 else body


@dataclass
class Batch:
    """Up to BATCH incidents with their pupils (incident, pupil, linked) and actions."""

    incidents: list[dict] = field(default_factory=list)
    pupils: list[tuple[int, int, bool]] = field(default_factory=list)
    actions: list[dict] = field(default_factory=list)


def history_batches(
    keyring: Keyring,
    incidents: int,
    actions: int,
    chronology: list[tuple],
    layout: Layout = Layout(),
) -> Iterator[Batch]:
    """The history in batches; the bench pupil's chronology keys (happened at, incident, action
    or 0) are appended to `chronology` as they are made."""
    random_ = random.Random(1)
    shared = keyring.encrypt(words(random_, "[another pupil]"), "bench:shared")
    action_id = 0
    for base in range(0, incidents, BATCH):
        batch = Batch()
        for n in range(base + 1, min(base + BATCH, incidents) + 1):
            ours, at = on_pupil(n, incidents), happened(n, incidents, layout)
            text_ = words(random_, f"[incident {n}]") if ours else None
            batch.incidents.append(incident_row(n, at, layout.staff, text_, keyring, shared))
            main = PUPIL if ours else 2 + n % (layout.pupils - 1)
            batch.pupils.append((n, main, False))
            if n % 4 == 0:
                batch.pupils.append((n, 2 + (n + 1) % (layout.pupils - 1), True))
            if ours:
                chronology.append((at, n, 0))
            for k in range(actions_on(n, incidents, actions)):
                action_id += 1
                when = at + timedelta(hours=k + 1)
                text_ = words(random_, f"[action {action_id}]") if ours else None
                batch.actions.append(
                    action_row(action_id, n, when, layout.staff, text_, keyring, shared)
                )
                if ours:
                    chronology.append((when, n, action_id))
        yield batch
    assert action_id == actions, (action_id, actions)


def incident_row(
    n: int, at: datetime, staff: int, text_: str | None, keyring: Keyring, shared: str
) -> dict:
    """Incident n, its own text sealed to it (the bench pupil's) or the shared ciphertext."""
    return dict(
        id=n,
        school_id=1,
        recorded_by=1 + n % staff,
        recorded_at=at + timedelta(minutes=20),
        happened_at=at,
        time_zone=ZONE,
        status=("Open", "Active", "Closed")[n % 3],
        outcome="Early help" if n % 3 == 2 else None,
        assignee_id=DSL if n % 10 == 0 else None,
        agencies=[],
        version=1,
        idempotency_key=f"history-{n}",
        text_ciphertext=shared if text_ is None else keyring.encrypt(text_, text_context(n)),
    )


def action_row(
    action_id: int,
    n: int,
    when: datetime,
    staff: int,
    text_: str | None,
    keyring: Keyring,
    shared: str,
) -> dict:
    """An action on incident n, its own text sealed to it or the shared ciphertext."""
    return dict(
        id=action_id,
        school_id=1,
        incident_id=n,
        recorded_by=1 + action_id % staff,
        recorded_at=when + timedelta(minutes=30),
        happened_at=when,
        time_zone=ZONE,
        agency="Social Care" if action_id % 3 == 0 else None,
        idempotency_key=f"action-{action_id}",
        text_ciphertext=shared
        if text_ is None
        else keyring.encrypt(text_, action_text_context(action_id)),
    )


async def insert_batch(connection: AsyncConnection, batch: Batch) -> None:
    """A batch's incidents, their pupils and categories, its actions and their categories."""
    await bulk_insert(connection, IncidentRow, batch.incidents)
    await bulk_insert(
        connection,
        IncidentStudentRow,
        [dict(incident_id=n, student_id=s, linked=linked) for n, s, linked in batch.pupils],
    )
    await bulk_insert(
        connection,
        IncidentCategoryRow,
        [
            dict(incident_id=n, student_id=s, category_id=1 + (n + s) % len(CATEGORIES))
            for n, s, _ in batch.pupils
        ],
    )
    await bulk_insert(connection, ActionRow, batch.actions)
    await bulk_insert(
        connection,
        ActionCategoryRow,
        [dict(action_id=a["id"], category_id=1 + a["id"] % len(CATEGORIES)) for a in batch.actions],
    )
