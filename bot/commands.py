"""Text commands typed in chat: matched on the first word, exactly, never by substring."""

import html
import re
from dataclasses import dataclass

_MENTION = re.compile(r"<at>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class TextCommand:
    # "help", "add_incident", "dashboard", "settings", "exclusions", "admin", "student",
    # "triage", "school" or "unknown"
    name: str
    argument: str = ""


def parse_command(text: str | None) -> TextCommand:
    """The command in a chat message, after removing @mentions of the bot and markup."""
    words = _plain(text or "").split()
    if not words:
        return TextCommand("unknown")
    first, rest = words[0].lower(), words[1:]
    if first in ("help", "hello", "hi", "start"):
        return TextCommand("help")
    if first == "add" and rest and rest[0].lower() == "incident":
        return TextCommand("add_incident", " ".join(rest[1:]))
    if first in ("dashboard", "settings", "exclusions", "admin"):
        return TextCommand(first)
    if first in ("student", "pupil"):
        return TextCommand("student", " ".join(rest))
    if first in ("school", "schools"):
        return TextCommand("school")
    if first == "triage":
        return TextCommand("triage", " ".join(rest))
    return TextCommand("unknown")


def _plain(text: str) -> str:
    text = _MENTION.sub(" ", text)
    text = _TAG.sub(" ", text)
    return html.unescape(text).replace("\xa0", " ").strip()
