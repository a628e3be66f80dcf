"""The text of a Teams message (HTML) as plain text, for the message action's pre-filled form."""

from html.parser import HTMLParser
from typing import Any

_BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"}
_SKIPPED = {"script", "style", "head"}


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BREAKS and tag != "br" and self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")
        if tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("- ")
        elif tag == "img":
            self.parts.append("[image]")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BREAKS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def plain_text(html: str) -> str:
    """Tags dropped, entities decoded, paragraphs and line breaks kept as new lines."""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    lines = "".join(parser.parts).replace("\xa0", " ").splitlines()
    text = "\n".join(line.rstrip() for line in lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


def message_prefill(value: dict[str, Any]) -> dict[str, Any]:
    """The form's text and evidence from a message action's `messagePayload` (none: empty)."""
    payload = value.get("messagePayload")
    if not isinstance(payload, dict):
        return {}
    body = payload.get("body") if isinstance(payload.get("body"), dict) else {}
    content = str(body.get("content") or "")[:200_000]
    text = plain_text(content) if body.get("contentType") == "html" else content.strip()
    sender = payload.get("from") if isinstance(payload.get("from"), dict) else {}
    user = sender.get("user") if isinstance(sender.get("user"), dict) else {}
    evidence = {
        "message_id": str(payload.get("id") or "")[:200],
        "author": str(user.get("displayName") or "unknown")[:200],
        "sent_at": str(payload.get("createdDateTime") or "")[:40],
    }
    return {"prefill": text, "evidence": evidence}
