"""Configuration from the environment."""

import logging

import pytest

from bot.settings import ConfigurationError, Secret, Settings

TENANT = "7D3C2B1A-5E4F-4A6B-9C8D-0E1F2A3B4C5D"
PRODUCTION = {
    "MicrosoftAppId": "8a1f0c52-3b7e-4d2a-9f60-5c4e2b1d0a99",
    "MicrosoftAppPassword": "s3cr3t-value-never-logged",
    "MicrosoftAppTenantId": TENANT,
    "DATABASE_URL": "postgresql://kestrel:db-password-never-logged@db.internal/kestrel",
    "KESTREL_ENCRYPTION_KEYS": "k1:" + "QUFB" * 10 + "QUE=",
    "KESTREL_AUDIT_KEYS": "a1:" + "QkJC" * 10 + "QkI=",
    "KESTREL_AUDIT_CHECKPOINTS": "/mnt/worm/kestrel/audit-checkpoints",
    "KESTREL_PUBLIC_URL": "https://kestrel.example.sch.uk/",
}


def test_production_settings_are_read_with_the_bot_framework_names():
    settings = Settings.from_env(PRODUCTION)
    assert settings.app_id == PRODUCTION["MicrosoftAppId"]
    assert settings.app_password.reveal() == PRODUCTION["MicrosoftAppPassword"]
    assert settings.app_type == "SingleTenant"
    assert settings.app_tenant_id == TENANT.lower()
    assert settings.allowed_tenants == frozenset({TENANT.lower()})
    assert (settings.host, settings.port, settings.authentication_on) == ("0.0.0.0", 3978, True)


def test_defaults_are_an_embedded_sqlite_file_under_the_data_folder():
    settings = Settings.from_env({}, local=True)
    assert settings.database_url == "sqlite:///data/kestrel.db"
    assert Settings.from_env({"KESTREL_DATA_DIR": "/srv/k"}, local=True).database_url == (
        "sqlite:////srv/k/kestrel.db"
    )


def test_allowed_tenants_can_list_several_schools_tenants():
    env = {**PRODUCTION, "KESTREL_ALLOWED_TENANTS": " AAA , bbb,,"}
    assert Settings.from_env(env).allowed_tenants == frozenset({"aaa", "bbb"})


@pytest.mark.parametrize("missing", ["MicrosoftAppId", "MicrosoftAppPassword"])
def test_serving_without_credentials_is_refused_with_one_line(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env(env)
    message = str(refused.value)
    assert "\n" not in message and "--local" in message


def test_single_tenant_bot_needs_its_tenant():
    env = {k: v for k, v in PRODUCTION.items() if k != "MicrosoftAppTenantId"}
    with pytest.raises(ConfigurationError, match="MicrosoftAppTenantId"):
        Settings.from_env(env)


def test_multi_tenant_bot_still_needs_an_allowed_tenant_list():
    env = {**PRODUCTION, "MicrosoftAppType": "MultiTenant"}
    del env["MicrosoftAppTenantId"]
    with pytest.raises(ConfigurationError, match="KESTREL_ALLOWED_TENANTS"):
        Settings.from_env(env)
    env["KESTREL_ALLOWED_TENANTS"] = TENANT
    assert Settings.from_env(env).allowed_tenants == frozenset({TENANT.lower()})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("MicrosoftAppType", "Anyone"),
        ("KESTREL_IMPORT_STALE_HOURS", "0"),
        ("KESTREL_IMPORT_STALE_HOURS", "a day"),
    ],
)
def test_invalid_values_are_named_in_the_refusal(name, value):
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({**PRODUCTION, name: value})


def test_the_import_status_turns_stale_after_26_hours_unless_configured():
    assert Settings.from_env({}, local=True).import_stale_hours == 26
    settings = Settings.from_env({"KESTREL_IMPORT_STALE_HOURS": "50"}, local=True)
    assert settings.import_stale_hours == 50


def test_local_mode_binds_to_loopback_and_turns_authentication_off():
    settings = Settings.from_env({"HOST": "0.0.0.0"}, local=True)
    assert settings.host == "127.0.0.1"
    assert not settings.authentication_on
    assert settings.allowed_tenants is None


def test_secrets_never_show_in_repr_str_format_or_logs(caplog):
    settings = Settings.from_env(PRODUCTION)
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("settings %s %r", settings, settings)
    shown = [repr(settings), str(settings), f"{settings}", f"{settings.app_password}", caplog.text]
    for text in shown:
        assert "s3cr3t-value-never-logged" not in text
        assert "db-password-never-logged" not in text
        assert "QUFB" not in text and "QkJC" not in text
    assert "Secret('***')" in repr(settings)


def test_secret_compares_by_value_without_revealing_it():
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")
    assert not Secret("") and Secret("x")


def test_serving_without_an_encryption_key_is_refused():
    env = {k: v for k, v in PRODUCTION.items() if k != "KESTREL_ENCRYPTION_KEYS"}
    with pytest.raises(ConfigurationError, match="KESTREL_ENCRYPTION_KEYS"):
        Settings.from_env(env)


def test_a_managed_identity_needs_no_password():
    env = {**PRODUCTION, "MicrosoftAppType": "UserAssignedMSI"}
    del env["MicrosoftAppPassword"]
    assert Settings.from_env(env).app_type == "UserAssignedMSI"


@pytest.mark.parametrize(
    "missing", ["KESTREL_AUDIT_KEYS", "KESTREL_AUDIT_CHECKPOINTS", "KESTREL_PUBLIC_URL"]
)
def test_serving_without_audit_keys_checkpoints_or_public_url_is_refused_by_name(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(ConfigurationError, match=missing) as refused:
        Settings.from_env(env)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "http://kestrel.example.sch.uk",
        "kestrel.example.sch.uk",
        "https://",
        "https://kestrel.example.sch.uk/?next=1",
        "ftp://kestrel.example.sch.uk",
    ],
)
def test_a_public_url_that_is_not_plain_https_is_refused(url):
    with pytest.raises(ConfigurationError, match="KESTREL_PUBLIC_URL must be an https://"):
        Settings.from_env({**PRODUCTION, "KESTREL_PUBLIC_URL": url})


def test_the_public_url_is_kept_without_its_trailing_slash():
    assert Settings.from_env(PRODUCTION).public_url == "https://kestrel.example.sch.uk"


def test_local_mode_needs_no_public_url_and_may_use_http():
    assert Settings.from_env({}, local=True).public_url == "http://127.0.0.1:3978"
    tunnel = {"KESTREL_PUBLIC_URL": "http://192.168.1.20:3978"}
    assert Settings.from_env(tunnel, local=True).public_url == "http://192.168.1.20:3978"


@pytest.mark.parametrize("name", ["KESTREL_PRIVACY_URL", "KESTREL_TERMS_URL"])
def test_the_schools_own_privacy_and_terms_pages_must_be_https(name):
    assert Settings.from_env({**PRODUCTION, name: "https://school.example/privacy"})
    with pytest.raises(ConfigurationError, match=name):
        Settings.from_env({**PRODUCTION, name: "http://school.example/privacy"})


def test_local_mode_checkpoints_beside_its_database_by_default():
    settings = Settings.from_env({"KESTREL_DATA_DIR": "/srv/k"}, local=True)
    assert str(settings.audit_checkpoints) == "/srv/k/audit-checkpoints"
    assert Settings.from_env(PRODUCTION).checkpoint_minutes == 5


def test_database_and_outbound_waits_have_bounded_defaults():
    settings = Settings.from_env({}, local=True)
    timeouts = settings.database_timeouts
    assert (timeouts.connect, timeouts.statement, timeouts.pool) == (5.0, 5.0, 5.0)
    assert settings.press_timeout < 10.0  # Teams hears "Not saved" before it gives up
    assert settings.outbound_timeout == 10.0


def test_timeouts_can_be_set_in_seconds_within_their_ranges():
    env = {"KESTREL_DB_STATEMENT_TIMEOUT": "2.5", "KESTREL_PRESS_TIMEOUT": "6"}
    settings = Settings.from_env(env, local=True)
    assert (settings.db_statement_timeout, settings.press_timeout) == (2.5, 6.0)


@pytest.mark.parametrize("raw", ["0", "-1", "nan", "inf", "five", "301"])
def test_a_timeout_out_of_range_is_refused_with_one_line(raw):
    with pytest.raises(ConfigurationError, match="KESTREL_DB_STATEMENT_TIMEOUT") as refused:
        Settings.from_env({"KESTREL_DB_STATEMENT_TIMEOUT": raw}, local=True)
    assert "\n" not in str(refused.value)


def test_the_instance_is_named_by_host_and_port_unless_set():
    import socket

    assert Settings.from_env({"PORT": "4001"}, local=True).instance_name == (
        f"{socket.gethostname()}:4001"
    )
    named = Settings.from_env({"KESTREL_INSTANCE": " kestrel-2 "}, local=True)
    assert named.instance_name == "kestrel-2"
