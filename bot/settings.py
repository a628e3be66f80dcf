"""Configuration from the environment, with the Bot Framework's own variable names."""

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.directory_settings import DirectorySettingError, directory_settings
from safeguarding.staffing import parse_role_groups
from storage.database import Timeouts, redacted

APP_TYPES = ("SingleTenant", "MultiTenant", "UserAssignedMSI")


class Secret:
    """A value that never shows itself in repr, str, f-strings or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def reveal(self) -> str:
        """The secret itself, for the one place that needs it (the SDK's credentials)."""
        return self._value


class ConfigurationError(ValueError):
    """Configuration that Kestrel cannot start with; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    app_id: str = ""
    app_password: Secret = field(default_factory=lambda: Secret(""))
    app_type: str = "SingleTenant"
    app_tenant_id: str = ""
    database_url: str = "sqlite:///data/kestrel.db"
    host: str = "0.0.0.0"
    port: int = 3978
    allowed_tenants: frozenset[str] | None = None
    local: bool = False
    data_dir: Path = Path("data")
    # `id:base64key,...`, current key first (storage/encryption.py); in local mode a generated
    # key in data_dir is used when none is configured.
    encryption_keys: Secret = field(default_factory=lambda: Secret(""))
    elevation_minutes: int = 30
    # Attachments, encrypted (default: <data_dir>/files); keep it on the same backups as the DB.
    files_dir: Path | None = None
    max_attachment_mb: int = 25
    # https://kestrel.example.org: where Teams clients fetch images and files (signed links).
    public_base_url: str = ""
    # The alert sender runs inside each Kestrel process (PostgreSQL: several may share the work).
    send_alerts: bool = True
    # Urgent concerns whose alerts nobody has read by then go to the DSL and deputies.
    escalate_minutes: int = 15
    alerts_per_second: float = 50.0
    # Where the Bot Connector's signing keys are published; tests point this at a loopback server.
    openid_metadata_url: str | None = None
    # The roster's import status turns Stale when the last import is older than this.
    import_stale_hours: int = 26
    # `id:base64key,...`, current first: HMAC-SHA-256 keys of the audit chain (never in the DB).
    audit_keys: Secret = field(default_factory=lambda: Secret(""))
    # The append-only file of signed chain heads (another host or WORM storage in production);
    # None: the serving process writes no checkpoints (tests that do not need them).
    audit_checkpoints: Path | None = None
    checkpoint_minutes: int = 5
    # The school's own privacy notice and terms of use (/privacy and /terms redirect there);
    # empty: Kestrel serves its shipped pages.
    privacy_url: str = ""
    terms_url: str = ""
    # Seconds Kestrel waits on its database: to connect, for one statement (PostgreSQL's
    # statement_timeout; SQLite's busy timeout) and for a pooled connection; and for a whole
    # press, so that Teams hears "Not saved" (with what was typed) before it gives up.
    db_connect_timeout: float = 5.0
    db_statement_timeout: float = 5.0
    db_pool_timeout: float = 5.0
    press_timeout: float = 8.0
    # Every call out: the Bot Connector, its token and signing-key endpoints, file downloads.
    outbound_timeout: float = 10.0
    # This serving process's name on the alert leases it holds ("" = host name:port): a
    # restarted process takes its own leases back at once. Unique per running process.
    instance: str = ""
    # Entra groups whose members get each role (`dsl=<group id>,...`): the directory sync sets
    # roles, and the administration card shows them read-only.
    role_groups: tuple[tuple[str, str], ...] = ()
    # Staff from Microsoft Entra (`kestrel sync`; inside `serve` every sync_hours, 0 = never):
    # where Graph and the Entra authority are (tests point them at loopback servers), which
    # schools each group's members belong to (`<school id>=<group id>,...`; none: every school
    # of the tenant), and pupils from Graph's education roster (School Data Sync).
    graph_url: str = "https://graph.microsoft.com"
    entra_authority: str = "https://login.microsoftonline.com"
    sync_hours: int = 6
    school_groups: tuple[tuple[int, str], ...] = ()
    sds: bool = False
    sds_schools: tuple[tuple[int, str], ...] = ()

    def __repr__(self) -> str:
        return (
            f"Settings(app_id={self.app_id!r}, app_password={self.app_password!r}, "
            f"app_type={self.app_type!r}, app_tenant_id={self.app_tenant_id!r}, "
            f"database_url={redacted(self.database_url)!r}, host={self.host!r}, "
            f"port={self.port}, allowed_tenants={self.allowed_tenants!r}, local={self.local}, "
            f"encryption_keys={self.encryption_keys!r}, audit_keys={self.audit_keys!r}, "
            f"audit_checkpoints={self.audit_checkpoints}, public_url={self.public_base_url!r})"
        )

    @property
    def authentication_on(self) -> bool:
        """Whether incoming requests must carry a valid Bot Connector token."""
        return bool(self.app_id)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, local: bool = False) -> "Settings":
        """Read settings from environment variables; raises ConfigurationError with one line."""
        env = os.environ if env is None else env
        app_type = env.get("MicrosoftAppType", "") or "SingleTenant"
        if app_type not in APP_TYPES:
            raise ConfigurationError(f"MicrosoftAppType must be one of {', '.join(APP_TYPES)}")
        settings = cls(
            app_id=env.get("MicrosoftAppId", "").strip(),
            app_password=Secret(env.get("MicrosoftAppPassword", "")),
            app_type=app_type,
            app_tenant_id=env.get("MicrosoftAppTenantId", "").strip().lower(),
            database_url=database_url_from_env(env),
            host="127.0.0.1" if local else env.get("HOST", "0.0.0.0"),
            port=_port(env.get("PORT", "3978")),
            allowed_tenants=_tenants(env.get("KESTREL_ALLOWED_TENANTS", ""))
            or _tenants(env.get("MicrosoftAppTenantId", "")),
            local=local,
            data_dir=Path(env.get("KESTREL_DATA_DIR", "data")),
            encryption_keys=Secret(env.get("KESTREL_ENCRYPTION_KEYS", "").strip()),
            elevation_minutes=_minutes(env.get("KESTREL_ELEVATION_MINUTES", "30")),
            files_dir=Path(env["KESTREL_FILES_DIR"]) if env.get("KESTREL_FILES_DIR") else None,
            max_attachment_mb=_megabytes(env.get("KESTREL_MAX_ATTACHMENT_MB", "25")),
            public_base_url=env.get("KESTREL_PUBLIC_URL", "").strip().rstrip("/"),
            send_alerts=env.get("KESTREL_SEND_ALERTS", "1").strip() != "0",
            alerts_per_second=float(_per_second(env.get("KESTREL_ALERTS_PER_SECOND", "50"))),
            escalate_minutes=_minutes(env.get("KESTREL_ESCALATE_MINUTES", "15"), "ESCALATE"),
            openid_metadata_url=env.get("KESTREL_OPENID_METADATA_URL") or None,
            import_stale_hours=_hours(env.get("KESTREL_IMPORT_STALE_HOURS", "26")),
            audit_keys=Secret(env.get("KESTREL_AUDIT_KEYS", "").strip()),
            audit_checkpoints=_checkpoints(env, local),
            checkpoint_minutes=_minutes(
                env.get("KESTREL_AUDIT_CHECKPOINT_MINUTES", "5"), "AUDIT_CHECKPOINT"
            ),
            privacy_url=env.get("KESTREL_PRIVACY_URL", "").strip(),
            terms_url=env.get("KESTREL_TERMS_URL", "").strip(),
            **_timeouts(env),
            instance=env.get("KESTREL_INSTANCE", "").strip()[:100],
            role_groups=_role_groups(env.get("KESTREL_ROLE_GROUPS", "")),
            **_directory(env),
        )
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse configurations that would run Kestrel open to the world."""
        for name, url in (
            ("KESTREL_PUBLIC_URL", self.public_base_url),
            ("KESTREL_PRIVACY_URL", self.privacy_url),
            ("KESTREL_TERMS_URL", self.terms_url),
        ):
            _check_url(name, url, https=not self.local)
        if self.local:
            return
        for missing, why in self._production_needs():
            if missing:
                raise ConfigurationError(why)

    def _production_needs(self) -> list[tuple[bool, str]]:
        """(whether it is missing, why Kestrel will not serve without it), in order."""
        needs_password = self.app_type != "UserAssignedMSI"  # a managed identity has none
        return [
            (
                not self.app_id or (needs_password and not self.app_password),
                "MicrosoftAppId and MicrosoftAppPassword are not set: without them anyone could "
                "post to the bot; set them, or run `kestrel serve --local` on this machine only.",
            ),
            (
                self.app_type == "SingleTenant" and not self.app_tenant_id,
                "MicrosoftAppTenantId is required for a SingleTenant bot.",
            ),
            (
                not self.allowed_tenants,
                "No allowed tenant: set KESTREL_ALLOWED_TENANTS (or MicrosoftAppTenantId).",
            ),
            (
                not self.public_base_url,
                "KESTREL_PUBLIC_URL is not set: Teams clients open signed links (body map, "
                "files, PDF) there; set it to Kestrel's https:// address.",
            ),
            (
                not self.encryption_keys,
                "KESTREL_ENCRYPTION_KEYS is not set: Kestrel will not write safeguarding content "
                "unencrypted (`kestrel keys generate` makes a key).",
            ),
            (
                not self.audit_keys,
                "KESTREL_AUDIT_KEYS is not set: the audit chain is keyed outside the database "
                "(`kestrel keys generate` makes a key).",
            ),
            (
                self.audit_checkpoints is None,
                "KESTREL_AUDIT_CHECKPOINTS is not set: name the append-only file (on another "
                "host or WORM storage) where the audit chain's heads are checkpointed.",
            ),
        ]

    @property
    def graph_configured(self) -> bool:
        """Whether staff can be synced from Microsoft Entra (an app registration with a secret
        and a tenant, outside local mode, with role groups)."""
        return (
            bool(self.app_id and self.app_password and self.app_tenant_id and self.role_groups)
            and not self.local
        )

    @property
    def public_url(self) -> str:
        """KESTREL_PUBLIC_URL, or this machine's address (local runs)."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return self.public_base_url or f"http://{host}:{self.port}"

    @property
    def database_timeouts(self) -> Timeouts:
        """The database waits this process serves with."""
        return Timeouts(self.db_connect_timeout, self.db_statement_timeout, self.db_pool_timeout)

    @property
    def instance_name(self) -> str:
        """KESTREL_INSTANCE, or this host's name and port: stable across restarts."""
        return self.instance or f"{socket.gethostname()}:{self.port}"[:100]

    @property
    def attachments_dir(self) -> Path:
        """Where attachment files are kept (encrypted)."""
        return self.files_dir or self.data_dir / "files"

    @property
    def local_key_file(self) -> Path:
        """Where local mode keeps its generated encryption key."""
        return self.data_dir / "local-encryption.key"

    @property
    def local_audit_key_file(self) -> Path:
        """Where local mode keeps its generated audit key."""
        return self.data_dir / "local-audit.key"


def database_url_from_env(env: Mapping[str, str] | None = None) -> str:
    """DATABASE_URL, or the embedded SQLite file under KESTREL_DATA_DIR (default ./data)."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("KESTREL_DATA_DIR", "data"))
    return env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'kestrel.db'}"


def _checkpoints(env: Mapping[str, str], local: bool) -> Path | None:
    """KESTREL_AUDIT_CHECKPOINTS, or in local mode a file beside the local database."""
    if raw := env.get("KESTREL_AUDIT_CHECKPOINTS", "").strip():
        return Path(raw)
    return Path(env.get("KESTREL_DATA_DIR", "data")) / "audit-checkpoints" if local else None


def _check_url(name: str, url: str, *, https: bool) -> None:
    """An absolute http(s) address with a host and nothing after the path; https unless local."""
    if not url:
        return
    parts = urlsplit(url)
    schemes = ("https",) if https else ("https", "http")
    if parts.scheme not in schemes or not parts.hostname or parts.query or parts.fragment:
        raise ConfigurationError(
            f"{name} must be an {' or '.join(s + '://' for s in schemes)} address with a host "
            f"and no query, such as https://kestrel.example.org, not {url!r}"
        )


# setting -> (field, default, smallest, largest), in seconds
TIMEOUTS = {
    "KESTREL_DB_CONNECT_TIMEOUT": ("db_connect_timeout", "5", 1, 60),
    "KESTREL_DB_STATEMENT_TIMEOUT": ("db_statement_timeout", "5", 1, 300),
    "KESTREL_DB_POOL_TIMEOUT": ("db_pool_timeout", "5", 1, 60),
    "KESTREL_PRESS_TIMEOUT": ("press_timeout", "8", 1, 60),
    "KESTREL_OUTBOUND_TIMEOUT": ("outbound_timeout", "10", 1, 120),
}


def _timeouts(env: Mapping[str, str]) -> dict[str, float]:
    """The timeout settings, each a number of seconds within its range."""
    found = {}
    for name, (key, default, low, high) in TIMEOUTS.items():
        raw = env.get(name, "").strip() or default
        try:
            seconds = float(raw)
        except ValueError:
            seconds = float("nan")
        if not low <= seconds <= high:  # (NaN is never within)
            raise ConfigurationError(f"{name} must be {low} to {high} seconds, not {raw!r}")
        found[key] = seconds
    return found


def _port(raw: str) -> int:
    if not (raw.isascii() and raw.isdecimal()) or not 0 < int(raw) < 65536:
        raise ConfigurationError(f"PORT must be a number from 1 to 65535, not {raw!r}")
    return int(raw)


def _minutes(raw: str, name: str = "ELEVATION") -> int:
    if not (raw.isascii() and raw.isdecimal()) or not 1 <= int(raw) <= 240:
        raise ConfigurationError(f"KESTREL_{name}_MINUTES must be 1 to 240, not {raw!r}")
    return int(raw)


def _per_second(raw: str) -> int:
    if not (raw.isascii() and raw.isdecimal()) or not 1 <= int(raw) <= 200:
        raise ConfigurationError(f"KESTREL_ALERTS_PER_SECOND must be 1 to 200, not {raw!r}")
    return int(raw)


def _hours(raw: str) -> int:
    if not (raw.isascii() and raw.isdecimal()) or not 1 <= int(raw) <= 24 * 31:
        raise ConfigurationError(f"KESTREL_IMPORT_STALE_HOURS must be 1 to 744, not {raw!r}")
    return int(raw)


def _megabytes(raw: str) -> int:
    if not (raw.isascii() and raw.isdecimal()) or not 1 <= int(raw) <= 250:
        raise ConfigurationError(f"KESTREL_MAX_ATTACHMENT_MB must be 1 to 250, not {raw!r}")
    return int(raw)


def _role_groups(raw: str) -> tuple[tuple[str, str], ...]:
    try:
        return parse_role_groups(raw)
    except ValueError as error:
        raise ConfigurationError(
            f"KESTREL_ROLE_GROUPS takes role=<group id> pairs, comma-separated, not {error}"
        ) from None


def _directory(env: Mapping[str, str]) -> dict:
    try:
        return directory_settings(env)
    except DirectorySettingError as error:
        raise ConfigurationError(str(error)) from None


def _tenants(raw: str) -> frozenset[str] | None:
    tenants = frozenset(t.strip().lower() for t in raw.split(",") if t.strip())
    return tenants or None
