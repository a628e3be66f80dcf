"""Encryption at rest: AES-256-GCM with keys from configuration, never from the database.

Ciphertexts carry the id of the key that made them (`v1.<key id>.<base64 nonce+ciphertext>`), so
a new key can become current while old rows stay readable until `kestrel keys rotate` has
re-encrypted them. The associated data binds a ciphertext to its row: a value copied onto
another row does not decrypt.
"""

import base64
import binascii
import os
import re
from collections.abc import Mapping, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_NONCE_BYTES = 12


class KeyringError(ValueError):
    """Keys that cannot be used; the message is one line for the operator."""


class Keyring:
    """The encryption keys: the first is current (encrypts); all of them decrypt."""

    def __init__(self, keys: Mapping[str, bytes], current: str) -> None:
        if current not in keys:
            raise KeyringError("the current key is not in the keyring")
        check_keys(keys)
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.current = current
        self._current_key = keys[current]

    def __repr__(self) -> str:
        return f"Keyring(current={self.current!r}, keys={sorted(self._ciphers)!r})"

    @classmethod
    def parse(cls, text: str) -> "Keyring":
        """Keys as configured: `id:base64key,id:base64key`, the current one first."""
        keys = parse_key_spec(text)
        return cls(keys, next(iter(keys)))

    def encrypt(self, plaintext: str, context: str) -> str:
        """Encrypt text with the current key, bound to `context` (e.g. 'second_factor:12')."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[self.current].encrypt(nonce, plaintext.encode(), context.encode())
        return f"v1.{self.current}.{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, context: str) -> str:
        """The text behind a ciphertext made by any key in the ring for the same context."""
        try:
            version, key_id, payload = token.split(".", 2)
            raw = base64.b64decode(payload, validate=True)
            cipher = self._ciphers[key_id] if version == "v1" else None
        except (ValueError, KeyError, binascii.Error) as error:
            raise KeyringError("a ciphertext is damaged or its key is not configured") from error
        if cipher is None:
            raise KeyringError(f"unknown ciphertext version {version!r}")
        try:
            return cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode()).decode()
        except InvalidTag as error:
            raise KeyringError("a ciphertext failed authentication (altered or moved)") from error

    def seal(self, data: bytes, context: str) -> bytes:
        """Encrypt a file's bytes with the current key (`KF1 <key id>` line, nonce, ciphertext)."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[self.current].encrypt(nonce, data, context.encode())
        return f"KF1 {self.current}\n".encode() + nonce + sealed

    def open(self, blob: bytes, context: str) -> bytes:
        """The bytes behind `seal`, with any key in the ring, for the same context."""
        header, _, raw = blob.partition(b"\n")
        magic, _, key_id = header.decode("ascii", "replace").partition(" ")
        cipher = self._ciphers.get(key_id) if magic == "KF1" else None
        if cipher is None:
            raise KeyringError("a file is damaged or its key is not configured")
        try:
            return cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode())
        except InvalidTag as error:
            raise KeyringError("a file failed authentication (altered or moved)") from error

    def derived_key(self, purpose: str) -> bytes:
        """A separate key for another use (e.g. signing links), derived from the current key."""
        return HKDF(algorithm=SHA256(), length=32, salt=None, info=purpose.encode()).derive(
            self._current_key
        )

    def needs_rotation(self, token: str) -> bool:
        """Whether a ciphertext was made by a key other than the current one."""
        return not token.startswith(f"v1.{self.current}.")

    def rotate_fields(self, row: object, fields: Sequence[tuple[str, str]]) -> int:
        """Re-encrypt a row's (attribute, context) ciphertexts that an older key made (key
        rotation); how many changed. Empty ones stay empty."""
        changed = 0
        for attribute, context in fields:
            token = getattr(row, attribute)
            if token and self.needs_rotation(token):
                setattr(row, attribute, self.encrypt(self.decrypt(token, context), context))
                changed += 1
        return changed


def parse_key_spec(text: str) -> dict[str, bytes]:
    """Keys as configured (`id:base64key,id:base64key`, current first), each checked."""
    keys: dict[str, bytes] = {}
    for position, item in enumerate((part.strip() for part in text.split(",")), 1):
        key_id, _, encoded = item.partition(":")
        if key_id in keys:
            raise KeyringError(f"key {position} repeats an id already in the list")
        try:
            keys[key_id] = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError) as error:
            raise KeyringError(f"key {position} is not `id:base64`") from error
    if not keys:
        raise KeyringError("no key configured")
    check_keys(keys)
    return keys


def check_keys(keys: Mapping[str, bytes]) -> None:
    """Refuse a key id that is not a short name, or a key that is not 32 bytes."""
    for position, (key_id, key) in enumerate(keys.items(), 1):
        if not _KEY_ID.fullmatch(key_id) or len(key) != 32:
            # Never echo the item: a missing `id:` would put the key itself in the message.
            raise KeyringError(f"key {position} must be `id:base64` with a 32-byte key")


def new_key_spec(key_id: str) -> str:
    """A fresh key in the configuration format (`id:base64`)."""
    if not _KEY_ID.fullmatch(key_id):
        raise KeyringError(f"key id {key_id!r} must be letters, digits, - or _ (at most 32)")
    return f"{key_id}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"
