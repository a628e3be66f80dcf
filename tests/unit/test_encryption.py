"""AES-GCM encryption at rest with configured keys, rotation and local-mode keys."""

import base64
import stat

import pytest

from bot.keyring import load_keyring
from bot.settings import ConfigurationError, Secret, Settings
from storage.encryption import Keyring, KeyringError, new_key_spec

MARKER = "Sam said the bruise came from home"


def ring(*specs: str) -> Keyring:
    return Keyring.parse(",".join(specs))


def test_text_round_trips_and_the_ciphertext_does_not_contain_it():
    keys = ring(new_key_spec("k1"))
    token = keys.encrypt(MARKER, "incident:7")
    assert MARKER not in token and "bruise" not in token
    assert keys.decrypt(token, "incident:7") == MARKER
    assert keys.encrypt(MARKER, "incident:7") != token  # a fresh nonce every time


def test_a_ciphertext_moved_to_another_row_does_not_decrypt():
    keys = ring(new_key_spec("k1"))
    token = keys.encrypt(MARKER, "incident:7")
    with pytest.raises(KeyringError, match="authentication"):
        keys.decrypt(token, "incident:8")


def test_an_altered_ciphertext_is_refused():
    keys = ring(new_key_spec("k1"))
    version, key_id, payload = keys.encrypt(MARKER, "c").split(".")
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 1
    with pytest.raises(KeyringError):
        keys.decrypt(f"{version}.{key_id}.{base64.b64encode(raw).decode()}", "c")


def test_after_rotation_old_ciphertexts_still_read_and_are_flagged_for_re_encryption():
    old_spec, new_spec = new_key_spec("k1"), new_key_spec("k2")
    token = ring(old_spec).encrypt(MARKER, "c")
    rotated = ring(new_spec, old_spec)
    assert rotated.current == "k2"
    assert rotated.decrypt(token, "c") == MARKER
    assert rotated.needs_rotation(token)
    assert not rotated.needs_rotation(rotated.encrypt(MARKER, "c"))
    with pytest.raises(KeyringError, match="not configured"):
        ring(new_spec).decrypt(token, "c")


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "k1:not base64!",
        "k1:" + base64.b64encode(b"short").decode(),
        "bad id:" + "QUFB" * 10 + "QUE=",
    ],
)
def test_unusable_keys_are_refused(spec):
    with pytest.raises(KeyringError):
        Keyring.parse(spec)


def test_the_keyring_never_shows_key_material():
    spec = new_key_spec("k1")
    assert spec.split(":")[1] not in repr(ring(spec))


def test_local_mode_generates_a_private_key_once_and_keeps_it(tmp_path):
    settings = Settings(local=True, data_dir=tmp_path)
    first = load_keyring(settings)
    token = first.encrypt(MARKER, "c")
    again = load_keyring(settings)
    assert again.decrypt(token, "c") == MARKER
    assert stat.S_IMODE(settings.local_key_file.stat().st_mode) == 0o600


def test_without_local_mode_a_missing_key_stops_kestrel(tmp_path):
    with pytest.raises(ConfigurationError, match="KESTREL_ENCRYPTION_KEYS"):
        load_keyring(Settings(local=False, data_dir=tmp_path))
    assert not (tmp_path / "local-encryption.key").exists()


def test_configured_keys_win_over_the_local_key(tmp_path):
    spec = new_key_spec("prod")
    keys = load_keyring(Settings(local=True, data_dir=tmp_path, encryption_keys=Secret(spec)))
    assert keys.current == "prod" and not (tmp_path / "local-encryption.key").exists()


def test_a_key_given_without_its_id_is_refused_without_repeating_it():
    bare = new_key_spec("k1").split(":", 1)[1]
    with pytest.raises(KeyringError) as refused:
        Keyring.parse(bare)
    assert bare not in str(refused.value) and bare[:12] not in str(refused.value)


def test_two_keys_with_one_id_are_refused():
    with pytest.raises(KeyringError, match="repeats"):
        Keyring.parse(f"{new_key_spec('k1')},{new_key_spec('k1')}")
