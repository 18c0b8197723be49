"""Turn a Chat request body into a typed ``ChatEvent``, whichever wire format it uses.

    payload = load_body(request.body)      # BadEvent: not a JSON object we accept
    event = parse_event(payload)           # BadEvent: 400; UnsupportedEvent: 200 {}

``legacy`` and ``addon`` read their envelope into one format-neutral
``Envelope``; this module builds the models from it, so both formats share
every rule (command IDs, argument text, dialogs, form inputs).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from shared.chat.events.addon import is_addon, read_addon
from shared.chat.events.body import load_body
from shared.chat.events.fields import BadEvent, Envelope, Node, UnsupportedEvent
from shared.chat.events.legacy import read_legacy
from shared.chat.events.models import (
    AddedToSpaceEvent,
    Annotation,
    CardClickEvent,
    ChatEvent,
    CommandEvent,
    CommandType,
    DateInput,
    DateTimeInput,
    DialogCancelEvent,
    DialogRequestEvent,
    DialogSubmitEvent,
    FormInput,
    FormInputs,
    Message,
    MessageEvent,
    RemovedFromSpaceEvent,
    SlashCommandAnnotation,
    Space,
    SpaceType,
    StringInput,
    Thread,
    TimeInput,
    TimeZone,
    User,
    UserType,
    WidgetUpdateEvent,
)

__all__ = ["BadEvent", "UnsupportedEvent", "load_body", "parse_event"]

log = logging.getLogger(__name__)

_E = TypeVar("_E", UserType, SpaceType, CommandType)

REQUEST_DIALOG = "REQUEST_DIALOG"
SUBMIT_DIALOG = "SUBMIT_DIALOG"
CANCEL_DIALOG = "CANCEL_DIALOG"
AUTOCOMPLETE_QUERY = "autocomplete_widget_query"

#: Dates the models can turn into ``datetime`` (years 1 to 9999, a day inside).
_MIN_MS = -62_135_510_400_000
_MAX_MS = 253_402_214_400_000
_DAY_MS = 86_400_000
_LEGACY_SPACE_TYPES = {"ROOM": SpaceType.SPACE, "DM": SpaceType.DIRECT_MESSAGE}


# --- events --------------------------------------------------------------------


def parse_event(payload: Mapping[str, Any]) -> ChatEvent:
    """The typed event for a decoded Chat request, in either wire format.

    The add-on shape is recognised by ``chat`` + ``commonEventObject``; anything
    else is read as a legacy event with a ``type``. Raises ``BadEvent`` (with a
    caller-safe ``message`` and a JSON ``field`` path) for malformed events,
    and ``UnsupportedEvent`` (not a ``BadEvent``; carries ``event_type``) for
    well-formed ones Nudge does not model, such as ``APP_HOME``.
    """
    root = Node.of(payload, "")
    envelope = read_addon(root) if is_addon(payload) else read_legacy(root)
    event = _build(envelope)
    log.debug(
        "Parsed a Chat event",
        extra={"fields": {"event": event.kind, "format": event.format.value}},
    )
    return event


def _build(env: Envelope) -> ChatEvent:
    message_node = env.payload.obj("message")
    message = read_message(message_node) if message_node is not None else None
    base: dict[str, Any] = {
        "format": env.format,
        "user": read_user(env.user, required=True),
        "space": read_space(env.space),
        "thread": _event_thread(env, message),
        "event_time": env.event_time,
        "locale": env.common.opt_text("userLocale") if env.common else None,
        "time_zone": read_time_zone(env.common),
        "config_complete_redirect_url": env.redirect_url,
        "raw": env.raw,
    }
    dialog = env.dialog_event_type if env.is_dialog_event else ""

    if env.kind == "APP_COMMAND":
        return _command(env, message, dialog, base)
    if env.kind == "MESSAGE":
        if dialog in (SUBMIT_DIALOG, CANCEL_DIALOG):
            return _action(env, message, dialog, base)
        if message is None:
            raise BadEvent("The MESSAGE event has no message", env.payload.at("message"))
        if message_node is not None and message_node.has("slashCommand"):
            return _command(env, message, dialog, base)
        return MessageEvent(message=message, **base)
    if env.kind == "ADDED_TO_SPACE":
        return AddedToSpaceEvent(message=message, **base)
    if env.kind == "REMOVED_FROM_SPACE":
        return RemovedFromSpaceEvent(**base)
    if env.kind == "WIDGET_UPDATED":
        return WidgetUpdateEvent(
            query=env.parameters.get(AUTOCOMPLETE_QUERY, ""),
            **_action_fields(env, message),
            **base,
        )
    return _action(env, message, dialog, base)  # CARD_CLICKED


def _command(
    env: Envelope, message: Message | None, dialog: str, base: dict[str, Any]
) -> CommandEvent:
    """A slash or quick command from ``appCommandMetadata`` or ``message.slashCommand``."""
    metadata = env.payload.obj("appCommandMetadata")
    command_id = metadata.integer("appCommandId") if metadata else None
    command_type = CommandType.SLASH_COMMAND
    if metadata is not None:
        command_type = _enum(CommandType, metadata.text("appCommandType"), command_type)
    annotation = _slash_annotation(message) if message else None
    if command_id is None and message is not None:
        command_id = message.slash_command_id
    if command_id is None and annotation is not None:
        command_id = annotation.command_id
    command_name = annotation.command_name if annotation else ""
    if command_id is None and not command_name:
        raise BadEvent(
            "The command event has no appCommandMetadata.appCommandId",
            env.payload.at("appCommandMetadata"),
        )
    return CommandEvent(
        command_id=command_id,
        command_name=command_name or None,
        command_type=command_type,
        argument_text=message.argument_text.strip() if message else "",
        message=message,
        is_dialog_request=dialog == REQUEST_DIALOG
        or (annotation is not None and annotation.triggers_dialog),
        **base,
    )


def _action(
    env: Envelope, message: Message | None, dialog: str, base: dict[str, Any]
) -> CardClickEvent | DialogRequestEvent | DialogSubmitEvent | DialogCancelEvent:
    """A card click, or the dialog step ``dialogEventType`` names."""
    fields = _action_fields(env, message)
    if dialog == REQUEST_DIALOG:
        return DialogRequestEvent(**fields, **base)
    if dialog == SUBMIT_DIALOG:
        return DialogSubmitEvent(**fields, **base)
    if dialog == CANCEL_DIALOG:
        return DialogCancelEvent(**fields, **base)
    return CardClickEvent(**fields, **base)


def _action_fields(env: Envelope, message: Message | None) -> dict[str, Any]:
    return {
        "function": env.function,
        "parameters": MappingProxyType(dict(env.parameters)),
        "form_inputs": read_form_inputs(env.common),
        "message": message,
    }


def _event_thread(env: Envelope, message: Message | None) -> Thread | None:
    """The event's ``thread`` (falling back to the message's), plus a legacy ``threadKey``."""
    node = env.payload.obj("thread")
    thread = read_thread(node) if node is not None else None
    if thread is None and message is not None:
        thread = message.thread
    if env.thread_key and (thread is None or not thread.thread_key):
        thread = Thread(name=thread.name if thread else "", thread_key=env.thread_key)
    return thread


# --- resources -----------------------------------------------------------------


def _enum(kind: type[_E], value: str, default: _E) -> _E:
    """``kind(value)``, or ``default`` for an empty or unknown value (Chat adds values)."""
    try:
        return kind(value) if value else default
    except ValueError:
        return default


def read_user(node: Node, *, required: bool = False) -> User:
    """A user; ``name`` is required for the event's actor, optional for senders and mentions."""
    name = node.text("name")
    if required and not name:
        raise BadEvent("The user has no name", node.at("name"))
    return User(
        name=name,
        display_name=node.text("displayName"),
        email=node.text("email"),
        type=_enum(UserType, node.text("type"), UserType.HUMAN),
    )


def read_space(node: Node) -> Space:
    """A space; ``spaceType`` wins over the deprecated ``type`` (``ROOM``/``DM``)."""
    name = node.text("name")
    if not name:
        raise BadEvent("The space has no name", node.at("name"))
    single_user_bot_dm = node.flag("singleUserBotDm")
    space_type = _enum(SpaceType, node.text("spaceType"), SpaceType.UNSPECIFIED)
    if space_type is SpaceType.UNSPECIFIED:
        space_type = _LEGACY_SPACE_TYPES.get(node.text("type"), SpaceType.UNSPECIFIED)
    if space_type is SpaceType.UNSPECIFIED and single_user_bot_dm:
        space_type = SpaceType.DIRECT_MESSAGE
    return Space(
        name=name,
        type=space_type,
        display_name=node.text("displayName"),
        single_user_bot_dm=single_user_bot_dm,
        threading_state=node.text("spaceThreadingState"),
    )


def read_thread(node: Node) -> Thread | None:
    """A thread, or ``None`` when it names nothing."""
    name, key = node.text("name"), node.text("threadKey")
    return Thread(name=name, thread_key=key) if name or key else None


def read_message(node: Node) -> Message:
    """A message; ``argument_text`` is derived from ``text`` when Chat leaves it out."""
    annotations = tuple(read_annotation(item) for item in node.objects("annotations"))
    text = node.text("text")
    argument_text = node.text("argumentText") if node.has("argumentText") else None
    sender = node.obj("sender")
    thread = node.obj("thread")
    slash = node.obj("slashCommand")
    matched = node.obj("matchedUrl")
    return Message(
        name=node.text("name"),
        text=text,
        argument_text=(
            argument_text if argument_text is not None else strip_leading(text, annotations)
        ),
        sender=read_user(sender) if sender is not None else None,
        thread=read_thread(thread) if thread is not None else None,
        create_time=node.timestamp("createTime"),
        annotations=annotations,
        slash_command_id=slash.integer("commandId") if slash is not None else None,
        matched_url=matched.opt_text("url") if matched is not None else None,
    )


def read_annotation(node: Node) -> Annotation:
    """A ``USER_MENTION``, ``SLASH_COMMAND`` or other annotation (others keep type only)."""
    mention = node.obj("userMention")
    mentioned = mention.obj("user") if mention is not None else None
    slash = node.obj("slashCommand")
    return Annotation(
        type=node.text("type"),
        start_index=node.integer("startIndex") or 0,
        length=node.integer("length") or 0,
        user=read_user(mentioned) if mentioned is not None else None,
        slash_command=(
            SlashCommandAnnotation(
                command_id=slash.integer("commandId"),
                command_name=slash.text("commandName"),
                triggers_dialog=slash.flag("triggersDialog"),
            )
            if slash is not None
            else None
        ),
    )


def strip_leading(text: str, annotations: tuple[Annotation, ...]) -> str:
    """``text`` without the leading @mentions of apps and the slash command."""
    position = 0
    for annotation in sorted(annotations, key=lambda a: a.start_index):
        if annotation.start_index < position:
            continue
        if text[position : annotation.start_index].strip():
            break  # real text comes first
        is_app_mention = annotation.user is not None and annotation.user.is_bot
        is_command = annotation.type == "SLASH_COMMAND"
        if annotation.length <= 0 or not (is_app_mention or is_command):
            break
        position = annotation.start_index + annotation.length
    return text[position:]


def _slash_annotation(message: Message) -> SlashCommandAnnotation | None:
    """The message's slash command annotation (the one matching its command ID first)."""
    found = [a.slash_command for a in message.annotations if a.slash_command is not None]
    for command in found:
        if command.command_id == message.slash_command_id:
            return command
    return found[0] if found else None


def read_time_zone(common: Node | None) -> TimeZone | None:
    """``timeZone{id, offset}`` (offset in ms), or ``None`` when Chat sent none."""
    node = common.obj("timeZone") if common is not None else None
    if node is None:
        return None
    zone_id = node.text("id")
    offset = node.integer("offset") or 0
    if abs(offset) >= _DAY_MS:
        raise BadEvent("The time zone offset is out of range", node.at("offset"))
    return TimeZone(id=zone_id, offset_ms=offset) if zone_id else None


def read_form_inputs(common: Node | None) -> FormInputs:
    """Typed ``formInputs``; inputs of a shape Nudge does not know are skipped."""
    node = common.obj("formInputs") if common is not None else None
    if node is None:
        return FormInputs()
    inputs: dict[str, FormInput] = {}
    for name in node.data:
        item = node.obj(name)
        parsed = read_form_input(item) if item is not None else None
        if parsed is not None:
            inputs[name] = parsed
    return FormInputs(MappingProxyType(inputs))


def read_form_input(node: Node) -> FormInput | None:
    """One input: ``stringInputs``, ``dateTimeInput``, ``dateInput`` or ``timeInput``."""
    strings = node.obj("stringInputs")
    if strings is not None:
        values: list[str] = []
        for value, path in strings.items("value"):
            if not isinstance(value, str):
                raise BadEvent("Form input values must be strings", path)
            values.append(value)
        return StringInput(tuple(values))
    date_time = node.obj("dateTimeInput")
    if date_time is not None:
        ms = _ms(date_time)
        if ms is None:
            return None
        return DateTimeInput(ms, date_time.flag("hasDate"), date_time.flag("hasTime"))
    date_input = node.obj("dateInput")
    if date_input is not None:
        ms = _ms(date_input)
        return DateInput(ms) if ms is not None else None
    time_input = node.obj("timeInput")
    if time_input is not None:
        return _time_input(time_input)
    return None


def _ms(node: Node) -> int | None:
    ms = node.integer("msSinceEpoch")
    if ms is not None and not _MIN_MS <= ms <= _MAX_MS:
        raise BadEvent("The date is out of range", node.at("msSinceEpoch"))
    return ms


def _time_input(node: Node) -> TimeInput | None:
    hours, minutes = node.integer("hours"), node.integer("minutes")
    if hours is None and minutes is None:
        return None
    if not 0 <= (hours or 0) <= 23:
        raise BadEvent("hours must be between 0 and 23", node.at("hours"))
    if not 0 <= (minutes or 0) <= 59:
        raise BadEvent("minutes must be between 0 and 59", node.at("minutes"))
    return TimeInput(hours or 0, minutes or 0)
