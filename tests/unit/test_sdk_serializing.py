"""bot/adapter.py's shortcut through msrest's serializer: an activity's body is the same as the
SDK's own, whatever its card holds."""

from datetime import UTC, datetime
from enum import StrEnum

import pytest
from botbuilder.core import CardFactory, MessageFactory
from botbuilder.schema import ConversationAccount
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import MicrosoftAppCredentials
from msrest.serialization import Serializer

import bot.adapter
from bot.adapter import plain_json
from cards.elements import json_text
from cards.welcome import welcome_card

CARDS = {
    "welcome": welcome_card(),
    "non-Latin and escapes": {"type": "AdaptiveCard", "body": [{"text": '她说 "x"\n\t\x01'}]},
    "numbers and nulls": {"n": [1, 1.5, -0.0, True, None, []], "nested": {"a": {"b": [{}]}}},
    "a tuple": {"actions": ("a", "b")},  # msrest writes str(tuple): not plain, left to it
    "a time": {"at": datetime(2026, 12, 7, 15, 0, tzinfo=UTC)},  # msrest's ISO form
    "a number key": {1: "one"},
}


def body(card: dict) -> dict:
    update = MessageFactory.attachment(CardFactory.adaptive_card(card))
    update.id, update.conversation = "1:form", ConversationAccount(id="a:chat")
    client = ConnectorClient(MicrosoftAppCredentials("", ""), base_url="http://127.0.0.1:9")
    return client.conversations._serialize.body(update, "Activity")


@pytest.mark.parametrize("name", sorted(CARDS))
def test_an_update_is_serialized_as_the_sdk_serializes_it(name, monkeypatch):
    ours = body(CARDS[name])
    monkeypatch.setattr(Serializer, "serialize_object", bot.adapter._serialize_object)
    sdks = body(CARDS[name])
    assert ours == sdks and json_text(ours) == json_text(sdks)  # the bytes Teams is sent


def test_only_json_the_standard_library_reads_back_counts_as_plain():
    assert plain_json(CARDS["welcome"]) and plain_json([{"a": [None, 1.5, "x"]}])
    assert any(isinstance(a["verb"], StrEnum) for a in CARDS["welcome"]["actions"])
    for name in ("a tuple", "a time", "a number key"):
        assert not plain_json(CARDS[name])
