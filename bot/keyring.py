"""The encryption keyring from configuration, or in local mode a generated key kept on disk."""

import logging
import os

from bot.settings import ConfigurationError, Settings
from storage.encryption import Keyring, KeyringError, new_key_spec

log = logging.getLogger("kestrel.keys")


def load_keyring(settings: Settings) -> Keyring:
    """The configured keys; local mode generates (once) and keeps a key under the data folder."""
    try:
        if settings.encryption_keys:
            return Keyring.parse(settings.encryption_keys.reveal())
        if not settings.local:
            raise ConfigurationError("KESTREL_ENCRYPTION_KEYS is not set")
        path = settings.local_key_file
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(new_key_spec("local") + "\n")
            log.warning("LOCAL MODE: generated an encryption key in %s", path)
        log.warning("LOCAL MODE: encrypting with the local key in %s (not for real data)", path)
        return Keyring.parse(path.read_text(encoding="utf-8").strip())
    except KeyringError as error:
        raise ConfigurationError(f"encryption keys: {error}") from error
