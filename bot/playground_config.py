"""Agents Playground configs for local runs: the repository's config with another current user.

The Playground has no user switcher: its current user is the config's `currentUser`. To be another
demo member of staff, run a Playground whose config names that person; everything else (tenant,
bot, chats, the other users) stays as in `.m365agentsplayground.yml`.
"""

from pathlib import Path
from typing import Any

import yaml

PLAYGROUND_FILE = Path(__file__).resolve().parents[1] / ".m365agentsplayground.yml"
# Demo people beyond the Playground's limit of five users (it refuses to start with a sixth).
MORE_USERS_FILE = PLAYGROUND_FILE.parent / "demo" / "playground-trust-users.yml"
MOST_USERS = 5


class UnknownUser(ValueError):
    """No demo user of the Playground config has that first name."""


def load_config(path: Path = PLAYGROUND_FILE) -> dict[str, Any]:
    """The Playground config as a dict."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def demo_users(config: dict[str, Any], more: Path | None = MORE_USERS_FILE) -> list[dict[str, Any]]:
    """Everyone the config knows (the current user first, then its users), then the demo's
    people beyond the Playground's five, each once."""
    extra = yaml.safe_load(more.read_text(encoding="utf-8"))["users"] if more else []
    people = [config["currentUser"], *config.get("users", []), *extra]
    seen: set[str] = set()
    unique = []
    for person in people:
        if person["aadObjectId"] not in seen:
            seen.add(person["aadObjectId"])
            unique.append(person)
    return unique


def first_names(config: dict[str, Any]) -> list[str]:
    """The demo users' first names, lower case, in the config's order (current user first)."""
    return [person["givenName"].lower() for person in demo_users(config)]


def config_as(config: dict[str, Any], first_name: str) -> dict[str, Any]:
    """The config with the user of that first name (any case) as current user, the rest as users."""
    people = demo_users(config)
    wanted = first_name.strip().lower()
    chosen = [person for person in people if person["givenName"].lower() == wanted]
    if not chosen:
        raise UnknownUser(
            f"no demo user called {first_name!r}: choose one of {', '.join(first_names(config))}"
        )
    current = chosen[0]
    others = [person for person in people if person is not current]
    return {**config, "currentUser": current, "users": others[:MOST_USERS]}


def write_config_as(first_name: str, out: Path, source: Path = PLAYGROUND_FILE) -> Path:
    """Write the config for `first_name` to `out` (its folders made) and return the path."""
    config = config_as(load_config(source), first_name)
    out.parent.mkdir(parents=True, exist_ok=True)
    who = config["currentUser"]["name"]
    header = f"# Generated from {source.name} with {who} as current user.\n"
    out.write_text(header + yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return out
