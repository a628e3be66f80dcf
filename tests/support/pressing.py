"""Pressing a card's button over HTTP as a demo member of staff, the way Teams sends it."""

from datetime import timedelta
from typing import Any

import pyotp

from tests.support.activities import activity, as_user
from tests.support.cards import assert_valid_card

HELEN_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000005"  # the demo administrator
TOM_AAD = "4f1c6a0e-1d2b-4c3a-9b8e-000000000002"  # the deputy DSL


async def press(bot: Any, verb: str, aad: str = HELEN_AAD, **data: Any) -> dict[str, Any]:
    """An Action.Execute invoke for `verb` with `data`; the card it answers (checked valid)."""
    body = as_user(activity("invoke_action_execute", bot.connector_url), aad)
    body["value"]["action"] = {"type": "Action.Execute", "verb": verb, "data": {"v": 1, **data}}
    response = await bot.post(body)
    assert response.status == 200, await response.text()
    card = (await response.json())["value"]
    assert_valid_card(card)
    return card


async def say(bot: Any, text: str, aad: str = HELEN_AAD) -> dict[str, Any]:
    """A chat message typed to Kestrel; the card it posts in reply (checked valid)."""
    body = as_user(activity("message_help", bot.connector_url, text=text), aad)
    response = await bot.post(body)
    assert response.status in (200, 201), await response.text()
    [card] = bot.connector.cards()[-1:]
    assert_valid_card(card)
    return card


def all_text(card: Any) -> str:
    """Every text, title and choice of a card, in one string (for what it says anywhere)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "label", "value", "placeholder"):
                if isinstance(node.get(key), str):
                    found.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return "\n".join(found)


def typed_in(card: dict[str, Any]) -> dict[str, Any]:
    """What a card's inputs would send as they stand (Teams merges them into a button's data)."""
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Input.") and "id" in node:
                value = node.get("value", "")
                found[node["id"]] = value if isinstance(value, str) else str(value)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


async def enrol(bot: Any, aad: str, clock: Any) -> str:
    """Set up this member of staff's authenticator; its secret (the clock moves on a step, so
    the next code is a new one: a code is never accepted twice)."""
    card = await press(bot, "elevation.enrol", aad)
    runs = [b["inlines"][0]["text"] for b in card["body"] if b["type"] == "RichTextBlock"]
    secret = runs[0].replace(" ", "")
    await press(bot, "elevation.verify", aad, code=pyotp.TOTP(secret).at(clock.now()))
    clock.at += timedelta(seconds=30)
    return secret


def code_now(secret: str, clock: Any) -> str:
    """The authenticator's code at the clock's time."""
    return pyotp.TOTP(secret).at(clock.now())
