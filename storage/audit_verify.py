"""`kestrel audit verify`: every link of every chain recomputed under the audit keys, each chain
held against the checkpoints kept outside the database, and every record matched to its event.

What each check catches, with write access to the database but not the audit key:
- an edited event, or one rewritten with every later link recomputed: its link does not hold
  (only the key, kept outside the database, makes links that hold);
- an event removed from the middle, or the chains reordered: a gap, or a link that does not
  follow the one before it;
- the newest events removed and the head rolled back (truncation), or everything removed (a
  wipe): the chain is behind, or missing from, the checkpoints signed outside the database;
- an incident, action or case change written without its audit event (or whose event went):
  the record is named.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from safeguarding.audit import GENESIS, AuditAction, chain_hash
from storage.audit import linked_fields
from storage.audit_checkpoints import CheckpointFile
from storage.audit_keys import AuditKeys
from storage.models import ActionRow, AuditChainHeadRow, AuditEventRow, CaseEventRow, IncidentRow

UNKEYED, LINK, HEAD, CHECKPOINT, RECORD = "unkeyed", "link", "head", "checkpoint", "record"


@dataclass(frozen=True)
class Problem:
    kind: str  # UNKEYED, LINK, HEAD, CHECKPOINT or RECORD
    text: str


@dataclass(frozen=True)
class AuditReport:
    events: int
    chains: int
    problems: tuple[Problem, ...] = ()
    checkpoints: int = 0  # signed checkpoints the chains were held against

    @property
    def intact(self) -> bool:
        """Whether every check held."""
        return not self.problems

    @property
    def broken(self) -> str | None:
        """Every problem, in words (None when intact)."""
        return "; ".join(p.text for p in self.problems) or None


@dataclass
class _Walk:
    """What the walk over every event has learned so far."""

    heads: dict[int, tuple[int, str]]
    keys: AuditKeys
    events: int = 0
    tails: dict[int, tuple[int, str]] = field(default_factory=dict)  # last link that held
    last_seq: dict[int, int] = field(default_factory=dict)  # last seq seen, held or not
    plain: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    broken: set[int] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)


async def verify_audit_log(
    session: AsyncSession, keys: AuditKeys, checkpoints: CheckpointFile | None = None
) -> AuditReport:
    """Every check above; each broken chain is named at its first broken link.

    Kestrel may write while this runs: the checkpoints were read before this is called and the
    heads are read first, and each chain is checked up to its head as read then.
    """
    heads = {
        chain: (seq, last)
        for chain, seq, last in await session.execute(
            select(AuditChainHeadRow.chain, AuditChainHeadRow.seq, AuditChainHeadRow.hash)
        )
    }
    walk = _Walk(heads, keys)
    wanted = _checkpointed(checkpoints)
    rows = await session.stream_scalars(
        select(AuditEventRow)
        .order_by(AuditEventRow.chain, AuditEventRow.seq)
        .execution_options(yield_per=1000)
    )
    async for row in rows:
        if row.chain in heads and row.seq > heads[row.chain][0]:
            continue  # written after the heads were read
        _step(walk, row, wanted)
    await _check_heads(walk, session)
    if checkpoints is not None:
        walk.problems += [Problem(CHECKPOINT, text) for text in checkpoints.problems]
        _check_reach(walk, checkpoints)
    walk.problems += await records_without_events(session)
    held = len(checkpoints.checkpoints) if checkpoints else 0
    return AuditReport(walk.events, len(walk.last_seq), tuple(walk.problems), held)


def _checkpointed(
    checkpoints: CheckpointFile | None,
) -> dict[tuple[int, int], list[tuple[str, str]]]:
    """(chain, seq) -> [(hash, when checkpointed)] for every checkpointed link."""
    wanted: dict[tuple[int, int], list[tuple[str, str]]] = defaultdict(list)
    for checkpoint in checkpoints.checkpoints if checkpoints else []:
        for chain, (seq, hash) in checkpoint.heads.items():
            wanted[chain, seq].append((hash, checkpoint.at))
    return wanted


def _step(walk: _Walk, row: AuditEventRow, wanted: dict) -> None:
    walk.events += 1
    walk.last_seq[row.chain] = row.seq
    for hash, at in wanted.get((row.chain, row.seq), []):
        if hash != row.hash:
            walk.problems.append(
                Problem(
                    CHECKPOINT,
                    f"chain {row.chain}, seq {row.seq} is not the link checkpointed at {at}: "
                    "the chain was rewritten",
                )
            )
            break
    if row.chain in walk.broken:
        return
    seq, previous = walk.tails.get(row.chain, (0, GENESIS))
    if problem := _link_problem(walk, row, seq + 1, previous):
        where = f"chain {row.chain}, event id {row.id} (seq {row.seq})"
        walk.problems.append(Problem(LINK, f"{where}: {problem}"))
        walk.broken.add(row.chain)
        return
    if row.key_id is None:
        walk.plain[row.chain] += 1
    walk.tails[row.chain] = (row.seq, row.hash)


def _link_problem(walk: _Walk, row: AuditEventRow, expected_seq: int, previous: str) -> str | None:
    if row.seq != expected_seq:
        return f"expected seq {expected_seq}: events are missing before it"
    if row.previous_hash != previous:
        return "it does not follow the event before it"
    fields = linked_fields(row)
    if row.key_id is None:
        if walk.plain[row.chain] != row.seq - 1:
            return "an unkeyed link after keyed ones: it was forged or rewritten"
        if chain_hash(previous, fields, None) != row.hash:
            return "its contents were changed after it was written"
        return None
    if not walk.keys.knows(row.key_id):
        return f"it was linked with audit key {row.key_id!r}, which is not in KESTREL_AUDIT_KEYS"
    if not walk.keys.holds(row.key_id, previous, fields, row.hash):
        return "its contents were changed after it was written (its keyed link does not hold)"
    return None


async def _check_heads(walk: _Walk, session: AsyncSession) -> None:
    current = set(await session.scalars(select(AuditChainHeadRow.chain)))
    for chain in sorted(walk.heads.keys() | walk.tails.keys()):
        if chain in walk.broken:
            continue
        head = walk.heads.get(chain) or ((0, GENESIS) if chain in current else None)
        if problem := _head_problem(head, walk.tails.get(chain, (0, GENESIS))):
            walk.problems.append(Problem(HEAD, f"chain {chain}: {problem}"))
    for chain, count in sorted(walk.plain.items()):
        walk.problems.append(
            Problem(
                UNKEYED,
                f"chain {chain}: its first {count} events are linked with plain SHA-256, from "
                "before keyed audit, which anyone able to write to the database could recompute: "
                "run `kestrel audit rekey` once",
            )
        )


def _head_problem(head: tuple[int, str] | None, tail: tuple[int, str]) -> str | None:
    if head is None:
        return "its head is missing"
    if head[0] > tail[0]:
        return f"events after seq {tail[0]} are missing (the chain recorded {head[0]})"
    if head != tail:
        return f"the newest event (seq {tail[0]}) does not match the recorded head"
    return None


def _check_reach(walk: _Walk, checkpoints: CheckpointFile) -> None:
    """Each chain must reach the furthest link any checkpoint vouched for."""
    furthest: dict[int, tuple[int, str]] = {}
    for checkpoint in checkpoints.checkpoints:
        for chain, (seq, _) in checkpoint.heads.items():
            if seq > furthest.get(chain, (0, ""))[0]:
                furthest[chain] = (seq, checkpoint.at)
    for chain, (seq, at) in sorted(furthest.items()):
        last = max(walk.last_seq.get(chain, 0), walk.heads.get(chain, (0, ""))[0])
        if chain not in walk.last_seq:
            text = (
                f"chain {chain} was wiped: the checkpoint of {at} vouched for its events up to "
                f"seq {seq}, and none of them is left"
            )
        elif last < seq:
            text = (
                f"chain {chain} was truncated: it ends at seq {last}, behind its last checkpoint "
                f"({at}, seq {seq}): its newest events were deleted and its head rolled back, "
                "or the database was restored from an older copy"
            )
        else:
            continue
        walk.problems.append(Problem(CHECKPOINT, text))


# What each kind of case change is audited as (safeguarding/casework.py, services/editing.py).
_CASE_ACTIONS = {
    "assigned": AuditAction.CASE_ASSIGNED,
    "status": AuditAction.CASE_STATUS_CHANGED,
    "edited": AuditAction.INCIDENT_EDITED,
    "moved": AuditAction.INCIDENT_MOVED,
    "linked": AuditAction.INCIDENT_LINKED,
}


async def records_without_events(session: AsyncSession) -> list[Problem]:
    """Incidents, actions and case changes with no audit event saying who made them."""
    event = AuditEventRow
    about_incident = (event.record_type == "incident") & (event.record_id == IncidentRow.id)
    incidents = select(IncidentRow.id).where(
        ~exists().where(about_incident, event.action == AuditAction.INCIDENT_RECORDED.value)
    )
    actions = select(ActionRow.id).where(
        ~exists().where(
            event.record_type == "incident",
            event.record_id == ActionRow.incident_id,
            event.action == AuditAction.ACTION_ADDED.value,
            event.detail["action"].as_integer() == ActionRow.id,
        )
    )
    problems = await _missing(session, incidents, "incident", "incident.recorded")
    problems += await _missing(session, actions, "action", "action.added")
    for kind, action in _CASE_ACTIONS.items():
        changes = select(CaseEventRow.id).where(
            CaseEventRow.kind == kind,
            ~exists().where(
                event.record_type == "incident",
                event.record_id == CaseEventRow.incident_id,
                event.action == action.value,
                event.detail["version"].as_integer() == CaseEventRow.version,
            ),
        )
        problems += await _missing(session, changes, "case event", action.value)
    return problems


async def _missing(session: AsyncSession, query, noun: str, action: str) -> list[Problem]:
    count = await session.scalar(select(func.count()).select_from(query.subquery()))
    if not count:
        return []
    ids: Sequence[int] = (
        await session.scalars(query.order_by(query.selected_columns[0]).limit(5))
    ).all()
    named = ", ".join(str(i) for i in ids) + (", ..." if count > len(ids) else "")
    return [
        Problem(
            RECORD,
            f"{count} {noun} record(s) have no {action} audit event (id {named}): "
            "written around Kestrel, or their events were deleted",
        )
    ]
