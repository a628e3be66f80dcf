"""Pressing a card's button over HTTP as a demo member of staff, the way Teams sends it."""

from datetime import timedelta
from typing import Any

import pyotp
from sqlalchemy import select

from storage.models import AuditEventRow
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


def nodes(card: Any) -> list[dict[str, Any]]:
    """Every object in a card, depth first (elements, actions, choices, runs)."""
    found: list[dict[str, Any]] = []
    stack = [card]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            found.append(node)
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return found


def all_text(card: Any) -> str:
    """Every text, title and choice of a card, in one string (for what it says anywhere)."""
    keys = ("text", "title", "label", "value", "placeholder")
    return "\n".join(n[k] for n in nodes(card) for k in keys if isinstance(n.get(k), str))


def typed_in(card: dict[str, Any]) -> dict[str, Any]:
    """What a card's inputs would send as they stand (Teams merges them into a button's data)."""
    return {
        node["id"]: node.get("value", "")
        if isinstance(node.get("value", ""), str)
        else str(node["value"])
        for node in nodes(card)
        if str(node.get("type", "")).startswith("Input.") and "id" in node
    }


async def audit_details(engine: Any, action: str) -> list[dict[str, Any]]:
    """The details of the audit events of one action, oldest first."""
    async with engine.connect() as connection:
        query = select(AuditEventRow.detail).where(AuditEventRow.action == action)
        return list(await connection.scalars(query.order_by(AuditEventRow.id)))


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
