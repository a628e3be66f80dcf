"""The encryption keyring and the audit keys from configuration, or in local mode generated
keys kept on disk."""

import logging
import os
from pathlib import Path

from bot.settings import ConfigurationError, Settings
from storage.audit_keys import AuditKeys
from storage.encryption import Keyring, KeyringError, new_key_spec

log = logging.getLogger("kestrel.keys")


def load_keyring(settings: Settings) -> Keyring:
    """The configured keys; local mode generates (once) and keeps a key under the data folder."""
    try:
        if settings.encryption_keys:
            return Keyring.parse(settings.encryption_keys.reveal())
        if not settings.local:
            raise ConfigurationError("KESTREL_ENCRYPTION_KEYS is not set")
        return Keyring.parse(_local_key(settings.local_key_file, "an encryption key"))
    except KeyringError as error:
        raise ConfigurationError(f"encryption keys: {error}") from error


def load_audit_keys(settings: Settings, *, create: bool = True) -> AuditKeys:
    """The configured audit keys; local mode uses (and, if `create`, generates once) a key
    under the data folder."""
    try:
        if settings.audit_keys:
            return AuditKeys.parse(settings.audit_keys.reveal())
        path = settings.local_audit_key_file
        if not settings.local or not (create or path.exists()):
            raise ConfigurationError("KESTREL_AUDIT_KEYS is not set")
        return AuditKeys.parse(_local_key(path, "an audit key"))
    except KeyringError as error:
        raise ConfigurationError(f"audit keys: {error}") from error


def _local_key(path: Path, what: str) -> str:
    """The key spec kept at `path`, made there (readable by this user only) if need be."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(new_key_spec("local") + "\n")
        log.warning("LOCAL MODE: generated %s in %s", what, path)
    log.warning("LOCAL MODE: using the local key in %s (not for real data)", path)
    return path.read_text(encoding="utf-8").strip()
