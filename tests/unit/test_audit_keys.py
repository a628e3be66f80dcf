"""The audit keys: keyed links, signed checkpoints, and where local mode keeps its key."""

import stat
from datetime import UTC, datetime

import pytest

from bot.keyring import load_audit_keys
from bot.settings import ConfigurationError, Secret, Settings
from safeguarding.audit import GENESIS, chain_hash
from storage.audit_checkpoints import parse_line, signed_line
from storage.audit_keys import AuditKeys
from storage.encryption import KeyringError, new_key_spec

FIELDS = {"chain": 1, "seq": 1, "action": "incident.viewed", "detail": {"n": 1}}
AT = datetime(2026, 11, 24, 10, 50, tzinfo=UTC)


def test_a_link_holds_only_under_the_key_that_made_it():
    first, second = AuditKeys.parse(new_key_spec("a")), AuditKeys.parse(new_key_spec("a"))
    link = first.link(GENESIS, FIELDS)
    assert first.holds("a", GENESIS, FIELDS, link)
    assert not second.holds("a", GENESIS, FIELDS, link)
    assert link != chain_hash(GENESIS, FIELDS, None)  # nobody can make it with plain SHA-256
    assert not first.holds("a", GENESIS, FIELDS | {"seq": 2}, link)


def test_the_first_key_links_new_events_and_every_key_verifies():
    old, new = new_key_spec("k1"), new_key_spec("k2")
    before = AuditKeys.parse(old).link(GENESIS, FIELDS)
    rotated = AuditKeys.parse(f"{new},{old}")
    assert rotated.current == "k2" and rotated.knows("k1") and not rotated.knows(None)
    assert rotated.holds("k1", GENESIS, FIELDS, before)


@pytest.mark.parametrize("spec", ["", "k1", "k1:short", "k1:" + "QUFB" * 10 + "QUE=,k1:x"])
def test_unusable_audit_keys_are_refused(spec):
    with pytest.raises(KeyringError):
        AuditKeys.parse(spec)


def test_the_audit_keys_never_show_key_material():
    spec = new_key_spec("k1")
    assert spec.split(":")[1] not in repr(AuditKeys.parse(spec))


def test_a_signed_checkpoint_reads_back_and_any_change_to_it_does_not():
    keys = AuditKeys.parse(new_key_spec("a"))
    line = signed_line(keys, AT, {1: (40, "ab" * 32), 0: (3, "cd" * 32)})
    read = parse_line(keys, line, 7)
    assert read is not None and read.line == 7 and read.at == "2026-11-24T10:50:00.000000"
    assert read.heads == {0: (3, "cd" * 32), 1: (40, "ab" * 32)}
    assert parse_line(keys, line.replace('[40,"', '[39,"'), 7) is None
    assert parse_line(AuditKeys.parse(new_key_spec("a")), line, 7) is None
    assert parse_line(keys, "not json", 7) is None


def test_local_mode_generates_a_private_audit_key_once_and_keeps_it(tmp_path):
    settings = Settings(local=True, data_dir=tmp_path)
    link = load_audit_keys(settings).link(GENESIS, FIELDS)
    assert load_audit_keys(settings).holds("local", GENESIS, FIELDS, link)
    assert stat.S_IMODE(settings.local_audit_key_file.stat().st_mode) == 0o600


def test_reading_commands_never_make_an_audit_key(tmp_path):
    with pytest.raises(ConfigurationError, match="KESTREL_AUDIT_KEYS is not set"):
        load_audit_keys(Settings(local=True, data_dir=tmp_path), create=False)
    with pytest.raises(ConfigurationError, match="KESTREL_AUDIT_KEYS is not set"):
        load_audit_keys(Settings(local=False, data_dir=tmp_path))
    assert not (tmp_path / "local-audit.key").exists()


def test_configured_audit_keys_win_over_the_local_key(tmp_path):
    spec = Secret(new_key_spec("prod"))
    keys = load_audit_keys(Settings(local=True, data_dir=tmp_path, audit_keys=spec))
    assert keys.current == "prod" and not (tmp_path / "local-audit.key").exists()
