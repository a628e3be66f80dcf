"""The turn handler: identify the member of staff, route by verb, answer with a card."""

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from botbuilder.core import CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.cloud_adapter_base import CloudAdapterBase
from botbuilder.schema import Activity, ActivityTypes

from bot.afterwards import Afterwards
from bot.commands import parse_command
from bot.downloads import pasted_images, sent_files
from bot.errors import error_card, log_unexpected
from bot.handlers import attachments, students
from bot.message_text import message_prefill
from bot.message_updates import MessageUpdates
from bot.turns import Done, Services, Turn
from bot.verbs import COMMAND_VERBS, DIALOG_VERBS, VERBS
from cards.elements import PAYLOAD_VERSION, Card, without_actions
from cards.incidents import form_in_dialog_card
from cards.notice import notice_card
from cards.payloads.base import school_hint
from cards.payloads.forms import search_school
from cards.verbs import Verb as V
from safeguarding.chats import ChatAddress
from safeguarding.errors import DomainError, NotRecognised
from safeguarding.identity import Caller
from safeguarding.services.chats import forget_chat, note_chat, refuse_verb
from safeguarding.services.press import Request

log = logging.getLogger("kestrel.bot")

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
# The dialog that opens from a button (task/fetch) or from a message's "Record a concern" action.
DIALOG_OPENERS = ("task/fetch", "composeExtension/fetchTask")
DIALOG_SUBMITS = ("task/submit", "composeExtension/submitAction")
NO_LONGER = ("Kestrel", "That button is no longer available. Type help.")
USE_BUTTONS = ("Kestrel", "Please use the buttons on Kestrel's cards for that.")
NOT_AVAILABLE = ("Not available", "That record is not available.")
UNKNOWN_COMMAND = (
    "I only understand a few commands; type help to see them. Please do not type concerns "
    "into this chat: use Add incident."
)


class KestrelBot:
    """Kestrel's bot: every turn is identified first; nothing is answered to strangers."""

    def __init__(self, services: Services, afterwards: Afterwards, updates: MessageUpdates) -> None:
        self.services = services
        self.afterwards = afterwards
        self.updates = updates

    async def on_turn(self, context: TurnContext) -> None:
        """Entry point for every activity the adapter receives."""
        activity = context.activity
        if activity.type == ActivityTypes.invoke:
            await self._on_invoke(context)
        elif activity.type == ActivityTypes.message:
            await self._show(context, await self._answer_message(context))
        elif _bot_arrived(activity):
            await self._reply(context, await self._run(context, "help", {"v": PAYLOAD_VERSION}))
        elif _bot_removed(activity):
            await self._forget_chat(context)
        elif activity.type == ActivityTypes.conversation_update and _personal(activity):
            await self._note_chat(context)

    async def _note_chat(self, context: TurnContext) -> None:
        """A conversationUpdate in someone's 1:1 chat: keep its address (nothing to answer)."""
        try:
            await Turn(_request(context), self.services).run(note_chat)
        except NotRecognised:
            return
        except Exception as error:  # noqa: BLE001 - nothing to answer on an update
            log_unexpected(error, "could not note a chat")

    async def _forget_chat(self, context: TurnContext) -> None:
        """Kestrel was removed from this person's Teams: their chat address goes."""
        try:
            await Turn(_request(context, remember=False), self.services).run(forget_chat)
        except NotRecognised:
            return
        except Exception as error:  # noqa: BLE001 - nothing to answer on an uninstall
            log_unexpected(error, "could not forget a chat")

    async def _answer_message(self, context: TurnContext) -> Card | Done:
        value = context.activity.value
        if isinstance(value, dict) and "verb" in value:  # Action.Submit from a card
            answer = await self._run(context, str(value["verb"]), value, posting=True)
            if str(value["verb"]) in DIALOG_VERBS and not isinstance(answer, Done):
                # A client without Action.Execute: a form re-shown as a chat message would be
                # kept by Teams with the pupil and the text. The user's card still holds what
                # they typed; the private dialog takes it from here.
                return form_in_dialog_card()
            return answer
        files = sent_files(context.activity.attachments)
        if files:
            return await self._receive_files(context, files)
        command = parse_command(context.activity.text)
        data = {"v": PAYLOAD_VERSION, "text": command.argument}
        return await self._run(context, COMMAND_VERBS[command.name], data, posting=True)

    async def _on_invoke(self, context: TurnContext) -> None:
        activity = context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        if activity.name == "adaptiveCard/action":
            action = value.get("action") if isinstance(value.get("action"), dict) else {}
            answer = await self._run(context, str(action.get("verb", "")), action.get("data"))
            if isinstance(answer, Done):  # for everybody, once the presser has the answer
                self.afterwards.start(self._replace_form(context, answer), "replace-form")
            card = answer.card if isinstance(answer, Done) else answer
            body = {"statusCode": 200, "type": ADAPTIVE_CARD, "value": card}
        elif activity.name == "application/search":
            body = await self._search(context, value)
        elif activity.name in DIALOG_OPENERS:
            opened = value.get("data") if isinstance(value.get("data"), dict) else {}
            named = {"school": opened["school"]} if "school" in opened else {}  # a trust's
            data = {"v": PAYLOAD_VERSION, "dialog": True, **message_prefill(value), **named}
            body = _task(await self._run(context, "incident.add", data, dialog=True))
        elif activity.name in DIALOG_SUBMITS:
            data = value.get("data") if isinstance(value.get("data"), dict) else {}
            verb = str(data.get("verb", ""))
            verb = verb if verb in DIALOG_VERBS else ""
            if activity.name == "composeExtension/submitAction" and "messagePayload" in value:
                data = {**data, **{"evidence": message_prefill(value).get("evidence")}}
            body = _task(await self._run(context, verb, {**data, "dialog": True}, dialog=True))
        else:
            log.info("unsupported invoke %s", (activity.name or "")[:60])
            await _invoke_response(context, InvokeResponse(status=501))
            return
        await _invoke_response(context, InvokeResponse(status=200, body=body))

    async def _run(
        self,
        context: TurnContext,
        verb: str,
        data: Any,
        *,
        posting: bool = False,
        dialog: bool = False,
    ) -> Card | Done:
        """Check the verb and parse its payload, run the handler; errors become cards."""
        turn = Turn(_request(context, school=school_hint(data)), self.services)
        try:
            answer = turn.naming_school(await self._route(turn, verb, data, posting))
            return without_actions(answer) if dialog and isinstance(answer, dict) else answer
        except Exception as error:  # noqa: BLE001 - domain errors get words, others a reference
            entry = VERBS.get(verb)
            if entry is not None and entry.keeps_input is not None and _unexpected(error):
                # A form must never lose what was typed, whatever failed (even identification).
                return entry.keeps_input(data, log_unexpected(error, "form not saved"))
            return error_card(error)

    async def _route(self, turn: Turn, verb: str, data: Any, posting: bool) -> Card | Done:
        if verb == V.COMMAND_UNKNOWN:
            await turn.run(note_chat)
            return notice_card("Kestrel", UNKNOWN_COMMAND)
        entry = VERBS.get(verb)
        if entry is None or not _valid_payload(data):
            return await self._refuse(turn, verb, NO_LONGER)
        if posting and not entry.postable:
            return await self._refuse(turn, verb, USE_BUTTONS)
        payload = entry.payload.parse(data)
        if payload is None:
            return await self._refuse(turn, verb, NOT_AVAILABLE)
        return await entry.handler(turn, payload)

    async def _receive_files(self, context: TurnContext, files: list[tuple[str, str]]) -> Card:
        """Files sent in the 1:1 chat, for the incident whose attach window is open."""
        try:
            turn = Turn(_request(context), self.services)
            pasted = pasted_images(context.activity.attachments)
            return await attachments.receive(turn, files, pasted)
        except Exception as error:  # noqa: BLE001 - domain errors get words, others a reference
            return error_card(error)

    async def _search(self, context: TurnContext, value: dict[str, Any]) -> dict[str, Any]:
        """Typeahead results; a stranger or a failure gets an empty list (audited / logged)."""
        try:
            request = _request(context, school=search_school(value))
            return await students.search(Turn(request, self.services), value)
        except NotRecognised:
            return students.no_results()
        except Exception as error:  # noqa: BLE001 - a typeahead cannot show a card
            log_unexpected(error, "search failed")
            return students.no_results()

    @staticmethod
    async def _refuse(turn: Turn, verb: str, words: tuple[str, str]) -> Card:
        log.warning("refused verb %r", verb[:40])
        await turn.run(refuse_verb, verb)
        return notice_card(*words)

    async def _replace_form(self, context: TurnContext, done: Done) -> None:
        """Replace the form's message (or the one it names) for everybody: Teams keeps it."""
        message_id = context.activity.reply_to_id if done.replaces is None else done.replaces
        if not message_id:
            return
        update = MessageFactory.attachment(CardFactory.adaptive_card(done.card))
        update.id = message_id
        try:
            replacing = self.updates.replace(context, update)
            await asyncio.wait_for(replacing, self.services.outbound_timeout)
        except Exception as error:  # noqa: BLE001 - the record is saved; the old form stays
            log_unexpected(error, "could not replace the form message")

    async def _reply(self, context: TurnContext, card: Card) -> None:
        reply = MessageFactory.attachment(CardFactory.adaptive_card(card))
        await asyncio.wait_for(self.updates.reply(context, reply), self.services.outbound_timeout)

    async def _show(self, context: TurnContext, answer: Card | Done) -> None:
        """A finished form replaces its own message; anything else is a reply."""
        if isinstance(answer, Done) and context.activity.reply_to_id:
            await self._replace_form(context, answer)
        else:
            await self._reply(context, answer.card if isinstance(answer, Done) else answer)


def _unexpected(error: Exception) -> bool:
    return not isinstance(error, DomainError)


def _valid_payload(data: Any) -> bool:
    version = data.get("v") if isinstance(data, Mapping) else None
    return type(version) is int and version == PAYLOAD_VERSION


def _dialog(title: str, card: Card) -> dict[str, Any]:
    return {
        "title": title,
        "height": "large",
        "width": "large",
        "card": {"contentType": ADAPTIVE_CARD, "content": card},
    }


def _task(answer: Card | Done) -> dict[str, Any]:
    """A dialog's answer: the form again (continue), or a closing message once recorded."""
    if isinstance(answer, Done):
        return {"task": {"type": "message", "value": answer.summary}}
    return {"task": {"type": "continue", "value": _dialog("Add incident", answer)}}


def _tenant_id(activity: Activity) -> str:
    """Teams puts the tenant in channelData.tenant.id and conversation.tenantId.

    botbuilder's model reads `conversation.tenantID` (capital D), so Teams' `tenantId` lands in
    additional_properties.
    """
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant")
    if isinstance(tenant, dict) and tenant.get("id"):
        return str(tenant["id"])
    conversation = activity.conversation
    if conversation is None:
        return ""
    extra = getattr(conversation, "additional_properties", None) or {}
    return str(extra.get("tenantId") or conversation.tenant_id or "")


def _bot_arrived(activity: Activity) -> bool:
    """Kestrel was installed (personal, group chat or team).

    Teams also sends a conversationUpdate with the bot in membersAdded for the same install:
    welcoming on both would greet twice, so only installationUpdate counts.
    """
    return activity.type == ActivityTypes.installation_update and (
        activity.action or ""
    ).startswith("add")


def _personal(activity: Activity) -> bool:
    conversation = activity.conversation
    return conversation is not None and conversation.conversation_type == "personal"


def _bot_removed(activity: Activity) -> bool:
    return activity.type == ActivityTypes.installation_update and (
        activity.action or ""
    ).startswith("remove")


def _request(context: TurnContext, *, remember: bool = True, school: int | None = None) -> Request:
    """What this activity says of its sender, and the 1:1 chat's address to keep."""
    activity = context.activity
    conversation_type = (activity.conversation and activity.conversation.conversation_type) or ""
    caller = Caller(
        tenant_id=_tenant_id(activity),
        aad_object_id=(activity.from_property and activity.from_property.aad_object_id) or "",
        conversation_type=conversation_type,
    )
    chat = _chat_address(activity) if remember and conversation_type == "personal" else None
    channel = _channel_address(activity) if conversation_type == "channel" else None
    return Request(caller, chat, activity.reply_to_id or "", channel, school)


def _chat_address(activity: Activity) -> ChatAddress:
    """Where to reach this person later (Teams' conversation reference, as plain ids)."""
    return ChatAddress(
        conversation_id=str(activity.conversation.id or "")[:400],
        service_url=str(activity.service_url or "")[:400],
        tenant_id=_tenant_id(activity)[:64],
        bot_id=str((activity.recipient and activity.recipient.id) or "")[:200],
        user_id=str((activity.from_property and activity.from_property.id) or "")[:200],
    )


def _channel_address(activity: Activity) -> ChatAddress | None:
    """Where to post new top-level messages in this channel: the channel's own id from
    channelData (the conversation id names the thread, `19:...;messageid=...`)."""
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    channel = channel_data.get("channel") if isinstance(channel_data.get("channel"), dict) else {}
    conversation = str((activity.conversation and activity.conversation.id) or "")
    channel_id = str(channel.get("id") or conversation.split(";", 1)[0])
    if not channel_id:
        return None
    return ChatAddress(
        conversation_id=channel_id[:400],
        service_url=str(activity.service_url or "")[:400],
        tenant_id=_tenant_id(activity)[:64],
        bot_id=str((activity.recipient and activity.recipient.id) or "")[:200],
        user_id="",
    )


async def _invoke_response(context: TurnContext, response: InvokeResponse) -> None:
    """The turn's answer, kept where the adapter returns it from. Not `send_activity`: for an
    invoke response it only stores the activity there too, after deep-copying it (the whole
    card: about 1 ms of a dashboard's press). Kestrel adds no send handlers it would skip."""
    answer = Activity(type=ActivityTypes.invoke_response, value=response)
    context.turn_state[CloudAdapterBase._INVOKE_RESPONSE_KEY] = answer  # noqa: SLF001
    context.responded = True
