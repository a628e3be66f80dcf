"""The settings of the directory sync (staff from Microsoft Entra, pupils from Graph's
education roster), read from the environment; ConfigurationError names a bad one."""

from collections.abc import Mapping
from urllib.parse import urlsplit

from safeguarding.directory import read_group_pairs


class DirectorySettingError(ValueError):
    """A directory setting Kestrel cannot use (bot/settings.py makes it a ConfigurationError)."""


def directory_settings(env: Mapping[str, str]) -> dict:
    """KESTREL_GRAPH_URL, KESTREL_ENTRA_AUTHORITY, KESTREL_SYNC_HOURS, KESTREL_SCHOOL_GROUPS,
    KESTREL_SDS and KESTREL_SDS_SCHOOLS as Settings fields; DirectorySettingError names a
    bad one."""
    return {
        "graph_url": _https("KESTREL_GRAPH_URL", env, "https://graph.microsoft.com"),
        "entra_authority": _https(
            "KESTREL_ENTRA_AUTHORITY", env, "https://login.microsoftonline.com"
        ),
        "sync_hours": _sync_hours(env.get("KESTREL_SYNC_HOURS", "").strip() or "6"),
        "school_groups": _pairs("KESTREL_SCHOOL_GROUPS", env),
        "sds": env.get("KESTREL_SDS", "0").strip() == "1",
        "sds_schools": _pairs("KESTREL_SDS_SCHOOLS", env),
    }


def _https(name: str, env: Mapping[str, str], default: str) -> str:
    """An http(s) address with a host (Graph may be a loopback http server in tests; MSAL
    itself insists on https for the authority)."""
    url = env.get(name, "").strip().rstrip("/") or default
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query:
        raise DirectorySettingError(f"{name} must be an https:// address, not {url!r}")
    return url


def _sync_hours(raw: str) -> int:
    if not (raw.isascii() and raw.isdecimal()) or not 0 <= int(raw) <= 24 * 7:
        raise DirectorySettingError(f"KESTREL_SYNC_HOURS must be 0 (never) to 168, not {raw!r}")
    return int(raw)


def _pairs(name: str, env: Mapping[str, str]) -> tuple[tuple[int, str], ...]:
    try:
        return read_group_pairs(env.get(name, ""))
    except ValueError as error:
        raise DirectorySettingError(
            f"{name} takes <school id>=<id> pairs, comma-separated, not {error}"
        ) from None
