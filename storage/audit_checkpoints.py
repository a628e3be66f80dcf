"""Signed checkpoints of the audit chains' heads, in an append-only file outside the database.

One JSON line per checkpoint: when it was made, the audit key that signed it, each chain's
newest link (seq and hash) and an HMAC-SHA-256 over all of that. Someone who can change the
database cannot change these lines without the key, so a chain that no longer reaches a
checkpointed link, or reaches it with another hash, was truncated, wiped or rewritten.
"""

import asyncio
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import aliased

from safeguarding.audit import canonical_time
from storage.audit import linked_fields
from storage.audit_keys import AuditKeys
from storage.models import AuditChainHeadRow, AuditEventRow

Heads = dict[int, tuple[int, str]]  # chain -> (seq, hash) of its newest link
_TAIL_BYTES = 64 * 1024


@dataclass(frozen=True)
class Checkpoint:
    line: int  # its line in the file (1 = first; 0 when read from the tail)
    at: str  # when it was made, UTC
    heads: Heads


@dataclass(frozen=True)
class CheckpointFile:
    """What a checkpoint file holds that its signatures vouch for, and what they do not."""

    checkpoints: list[Checkpoint]
    problems: list[str]


@dataclass(frozen=True)
class Written:
    """What one round of checkpointing did."""

    heads: int  # chains in the checkpoint
    written: bool  # False: nothing changed since the last checkpoint
    left_out: list[str]  # chains not vouched for, and why


def signed_line(keys: AuditKeys, at: datetime, heads: Heads) -> str:
    """One checkpoint as the file keeps it: the heads and their HMAC under the current key."""
    body = {
        "v": 1,
        "at": canonical_time(at),
        "key": keys.current,
        "heads": {str(chain): [seq, hash] for chain, (seq, hash) in sorted(heads.items())},
    }
    return json.dumps(body | {"mac": keys.sign(_canonical(body))}, separators=(",", ":"))


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def parse_line(keys: AuditKeys, text: str, number: int) -> Checkpoint | None:
    """The checkpoint on one line, or None when its signature does not hold under our keys."""
    try:
        body = json.loads(text)
        mac = body.pop("mac")
        if body.get("v") != 1 or not keys.knows(body.get("key")):
            return None
        if not hmac.compare_digest(keys.sign(_canonical(body), body["key"]), str(mac)):
            return None
        heads = {int(c): (int(s), str(h)) for c, (s, h) in body["heads"].items()}
        return Checkpoint(number, str(body["at"]), heads)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def read_checkpoints(path: Path, keys: AuditKeys) -> CheckpointFile:
    """Every checkpoint in the file; a line whose signature does not hold is a problem."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return CheckpointFile(
            [], [f"the checkpoint file {path} does not exist (`kestrel audit checkpoint`)"]
        )
    except (OSError, UnicodeDecodeError) as error:
        return CheckpointFile([], [f"the checkpoint file {path} cannot be read ({error})"])
    found, problems = [], []
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        checkpoint = parse_line(keys, text, number)
        if checkpoint is None:
            problems.append(
                f"checkpoint file {path}, line {number}: not signed by a configured audit key "
                "(altered, forged, or its key was removed from KESTREL_AUDIT_KEYS)"
            )
        else:
            found.append(checkpoint)
    return CheckpointFile(found, problems)


def last_checkpoint(path: Path, keys: AuditKeys) -> Checkpoint | None:
    """The newest checkpoint that holds (read from the end of the file), if any."""
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - _TAIL_BYTES))
            tail = file.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    for text in reversed(tail.splitlines()):
        if checkpoint := parse_line(keys, text, 0):
            return checkpoint
    return None


def append_line(path: Path, line: str) -> None:
    """Add one line at the end of the file (created if need be), on disk before returning."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (line + "\n").encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


async def write_checkpoint(
    engine: AsyncEngine, keys: AuditKeys, path: Path, now: datetime
) -> Written:
    """Sign and append the current heads, unless nothing changed since the last checkpoint."""
    async with AsyncSession(engine) as session:
        heads, left_out = await vouched_heads(session, keys)
    # The file may be on slow or remote storage: its reads and writes stay off the event loop.
    last = await asyncio.to_thread(last_checkpoint, path, keys)
    for chain, (seq, _) in sorted(heads.items()):
        if last and chain in last.heads and seq < last.heads[chain][0]:
            left_out.append(
                f"chain {chain} is behind its last checkpoint: run `kestrel audit verify`"
            )
            del heads[chain]
    if last is not None and last.heads == heads:
        return Written(len(heads), False, left_out)
    await asyncio.to_thread(append_line, path, signed_line(keys, now, heads))
    return Written(len(heads), True, left_out)


async def vouched_heads(session: AsyncSession, keys: AuditKeys) -> tuple[Heads, list[str]]:
    """Each chain's head whose newest link holds under our keys; the others, and why not."""
    newest, first = aliased(AuditEventRow), aliased(AuditEventRow)
    rows = await session.execute(
        select(AuditChainHeadRow, newest, first.key_id)
        .outerjoin(
            newest,
            (newest.chain == AuditChainHeadRow.chain) & (newest.seq == AuditChainHeadRow.seq),
        )
        .outerjoin(first, (first.chain == AuditChainHeadRow.chain) & (first.seq == 1))
        .order_by(AuditChainHeadRow.chain)
    )
    heads: Heads = {}
    left_out: list[str] = []
    for head, event, first_key in rows:
        if problem := _unvouched(keys, head, event, first_key):
            left_out.append(f"chain {head.chain}: {problem}")
        else:
            heads[head.chain] = (head.seq, head.hash)
    return heads, left_out


def _unvouched(
    keys: AuditKeys, head: AuditChainHeadRow, event: AuditEventRow | None, first_key: str | None
) -> str | None:
    if event is None:
        return f"its newest event (seq {head.seq}) is missing: run `kestrel audit verify`"
    if first_key is None:
        return "it has links from before keyed audit: run `kestrel audit rekey`"
    holds = keys.knows(event.key_id) and keys.holds(
        event.key_id, event.previous_hash, linked_fields(event), event.hash
    )
    if not holds or event.hash != head.hash:
        return "its newest link does not hold: run `kestrel audit verify`"
    return None
