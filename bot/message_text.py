"""The message action's pre-filled form: a Teams message's text (its HTML as plain text) and
where it came from (kept as evidence)."""

from typing import Any

from safeguarding.html_text import plain_text


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
