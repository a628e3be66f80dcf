"""The audit chain's keys: HMAC-SHA-256 under keys from configuration, never from the database.

Each event keeps the id of the key that linked it, so a new key can become current while the
older links stay verifiable: keep every key that has linked an event in `KESTREL_AUDIT_KEYS`
(the current one first) for as long as the log is verified.
"""

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from safeguarding.audit import chain_hash
from storage.encryption import KeyringError, check_keys, parse_key_spec


class AuditKeys:
    """The audit keys: the first links new events and signs checkpoints; all of them verify."""

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        if current not in keys:
            raise KeyringError("the current audit key is not among the audit keys")
        check_keys(keys)
        self._keys = dict(keys)
        self.current = current

    def __repr__(self) -> str:
        return f"AuditKeys(current={self.current!r}, keys={sorted(self._keys)!r})"

    @classmethod
    def parse(cls, text: str) -> "AuditKeys":
        """Keys as configured: `id:base64key,id:base64key`, the current one first."""
        keys = parse_key_spec(text)
        return cls(keys, next(iter(keys)))

    def knows(self, key_id: str | None) -> bool:
        """Whether a link or checkpoint made with this key can be checked here."""
        return key_id in self._keys

    def link(self, previous_hash: str, fields: dict[str, Any], key_id: str | None = None) -> str:
        """An event's link under `key_id` (default: the current key)."""
        return chain_hash(previous_hash, fields, self._keys[key_id or self.current])

    def holds(self, key_id: str, previous_hash: str, fields: dict[str, Any], hash: str) -> bool:
        """Whether a stored link is the one this key makes for these fields."""
        return hmac.compare_digest(self.link(previous_hash, fields, key_id), hash)

    def sign(self, message: bytes, key_id: str | None = None) -> str:
        """HMAC-SHA-256 of a checkpoint under `key_id` (default: the current key), in hex."""
        return hmac.new(self._keys[key_id or self.current], message, hashlib.sha256).hexdigest()
