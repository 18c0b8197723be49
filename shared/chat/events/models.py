"""Frozen, typed Chat interaction events: one model for both wire formats.

The parsers in ``shared.chat.events.parse`` build these from the legacy Chat
format and from the Workspace add-on format; handlers never see raw dicts
(``Event.raw`` is kept for the rare field Nudge does not model yet).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from types import MappingProxyType
from typing import Any, ClassVar

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class EventFormat(enum.Enum):
    """Which wire format a request came in, so the reply can go back in it."""

    LEGACY = "legacy"
    ADDON = "addon"


class UserType(enum.Enum):
    HUMAN = "HUMAN"
    BOT = "BOT"
    UNSPECIFIED = "TYPE_UNSPECIFIED"


class SpaceType(enum.Enum):
    SPACE = "SPACE"
    GROUP_CHAT = "GROUP_CHAT"
    DIRECT_MESSAGE = "DIRECT_MESSAGE"
    UNSPECIFIED = "SPACE_TYPE_UNSPECIFIED"


class Answer(enum.Enum):
    """What Chat accepts in reply to an event, and so what Nudge says when nothing handles it."""

    MESSAGE = "message"  # a message (new or updated), a dialog, or nothing
    DIALOG = "dialog"  # the open dialog's next step or its closing
    WIDGET = "widget"  # autocomplete suggestions
    NOTHING = "nothing"  # Chat ignores any reply


class CommandType(enum.Enum):
    SLASH_COMMAND = "SLASH_COMMAND"
    QUICK_COMMAND = "QUICK_COMMAND"
    MESSAGE_ACTION = "MESSAGE_ACTION"


@dataclass(frozen=True, slots=True)
class User:
    """A Chat user: ``name`` is ``users/{id}``."""

    name: str
    display_name: str = ""
    email: str = ""
    type: UserType = UserType.HUMAN

    @property
    def id(self) -> str:
        return self.name.removeprefix("users/")

    @property
    def is_bot(self) -> bool:
        return self.type is UserType.BOT


@dataclass(frozen=True, slots=True)
class Space:
    """A Chat space; ``name`` is ``spaces/{id}``."""

    name: str
    type: SpaceType = SpaceType.UNSPECIFIED
    display_name: str = ""
    single_user_bot_dm: bool = False
    threading_state: str = ""

    @property
    def is_dm(self) -> bool:
        return self.type is SpaceType.DIRECT_MESSAGE


@dataclass(frozen=True, slots=True)
class Thread:
    name: str = ""
    thread_key: str = ""


@dataclass(frozen=True, slots=True)
class TimeZone:
    """The user's zone as Chat reports it (only on card clicks and dialog submits)."""

    id: str
    offset_ms: int = 0


@dataclass(frozen=True, slots=True)
class SlashCommandAnnotation:
    command_id: int | None
    command_name: str = ""
    triggers_dialog: bool = False


@dataclass(frozen=True, slots=True)
class Annotation:
    """A message annotation: a user mention, a slash command, a rich link, ..."""

    type: str
    start_index: int = 0
    length: int = 0
    user: User | None = None  # USER_MENTION
    slash_command: SlashCommandAnnotation | None = None  # SLASH_COMMAND


@dataclass(frozen=True, slots=True)
class Message:
    """The message an event is about (the user's message, or the app's card)."""

    name: str = ""
    text: str = ""
    argument_text: str = ""
    sender: User | None = None
    thread: Thread | None = None
    create_time: datetime | None = None
    annotations: tuple[Annotation, ...] = ()
    slash_command_id: int | None = None
    matched_url: str | None = None

    @property
    def mentions(self) -> tuple[User, ...]:
        """Users mentioned in the message, in order (the app itself included)."""
        return tuple(a.user for a in self.annotations if a.user is not None)


# --- Form inputs -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StringInput:
    """Text fields, selections, checkboxes and switches: every selected value."""

    values: tuple[str, ...]

    @property
    def value(self) -> str:
        return self.values[0] if self.values else ""


@dataclass(frozen=True, slots=True)
class DateInput:
    ms_since_epoch: int

    @property
    def date(self) -> date:
        return datetime.fromtimestamp(self.ms_since_epoch / 1000, tz=UTC).date()


@dataclass(frozen=True, slots=True)
class TimeInput:
    hours: int
    minutes: int

    @property
    def time(self) -> time:
        return time(self.hours, self.minutes)


@dataclass(frozen=True, slots=True)
class DateTimeInput:
    ms_since_epoch: int
    has_date: bool = True
    has_time: bool = True

    @property
    def datetime(self) -> datetime:
        return datetime.fromtimestamp(self.ms_since_epoch / 1000, tz=UTC)


FormInput = StringInput | DateInput | TimeInput | DateTimeInput


@dataclass(frozen=True, slots=True)
class FormInputs:
    """Named form inputs from a dialog or card, with typed accessors."""

    inputs: Mapping[str, FormInput] = field(default_factory=lambda: MappingProxyType({}))

    def __contains__(self, name: object) -> bool:
        return name in self.inputs

    def __len__(self) -> int:
        return len(self.inputs)

    def text(self, name: str, default: str = "") -> str:
        item = self.inputs.get(name)
        return item.value if isinstance(item, StringInput) else default

    def values(self, name: str) -> tuple[str, ...]:
        item = self.inputs.get(name)
        return item.values if isinstance(item, StringInput) else ()

    def date(self, name: str) -> date | None:
        item = self.inputs.get(name)
        return item.date if isinstance(item, DateInput) else None

    def time(self, name: str) -> time | None:
        item = self.inputs.get(name)
        return item.time if isinstance(item, TimeInput) else None

    def datetime(self, name: str) -> datetime | None:
        item = self.inputs.get(name)
        return item.datetime if isinstance(item, DateTimeInput) else None


# --- Events --------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """What every interaction event carries."""

    format: EventFormat
    user: User
    space: Space
    thread: Thread | None = None
    event_time: datetime | None = None
    locale: str | None = None
    time_zone: TimeZone | None = None
    config_complete_redirect_url: str | None = None
    raw: Mapping[str, Any] = field(default_factory=lambda: _EMPTY, repr=False, compare=False)

    #: A short name for routing, logs and hints, such as ``message``; one per event class.
    kind: ClassVar[str] = "event"
    #: What Chat accepts in reply to this kind of event.
    answer: ClassVar[Answer] = Answer.MESSAGE


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageEvent(Event):
    """A plain message to the app (a DM, or an @mention in a space)."""

    kind: ClassVar[str] = "message"

    message: Message

    @property
    def argument_text(self) -> str:
        """The text with the app's @mention removed and whitespace trimmed."""
        return self.message.argument_text.strip()


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandEvent(Event):
    """A slash or quick command, from ``message.slashCommand`` or ``appCommandMetadata``."""

    kind: ClassVar[str] = "command"

    command_id: int | None
    command_name: str | None = None
    command_type: CommandType = CommandType.SLASH_COMMAND
    argument_text: str = ""
    message: Message | None = None
    is_dialog_request: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AddedToSpaceEvent(Event):
    """The app was added; ``message`` is set when it was added by an @mention."""

    kind: ClassVar[str] = "added"

    message: Message | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RemovedFromSpaceEvent(Event):
    """The app was removed. Chat ignores any reply."""

    kind: ClassVar[str] = "removed"
    answer: ClassVar[Answer] = Answer.NOTHING


@dataclass(frozen=True, slots=True, kw_only=True)
class _ActionBase(Event):
    function: str
    parameters: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    form_inputs: FormInputs = field(default_factory=FormInputs)
    message: Message | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CardClickEvent(_ActionBase):
    """A button or other card action that is not part of a dialog."""

    kind: ClassVar[str] = "action"


@dataclass(frozen=True, slots=True, kw_only=True)
class DialogRequestEvent(_ActionBase):
    """A button with ``interaction: OPEN_DIALOG`` asks for a dialog."""

    kind: ClassVar[str] = "dialog_request"


@dataclass(frozen=True, slots=True, kw_only=True)
class DialogSubmitEvent(_ActionBase):
    """A button inside a dialog was pressed; ``form_inputs`` holds the fields."""

    kind: ClassVar[str] = "dialog_submit"
    answer: ClassVar[Answer] = Answer.DIALOG


@dataclass(frozen=True, slots=True, kw_only=True)
class DialogCancelEvent(_ActionBase):
    """The user closed a dialog with its close icon."""

    kind: ClassVar[str] = "dialog_cancel"
    answer: ClassVar[Answer] = Answer.DIALOG


@dataclass(frozen=True, slots=True, kw_only=True)
class WidgetUpdateEvent(_ActionBase):
    """Autocomplete: ``query`` is what the user has typed so far."""

    kind: ClassVar[str] = "widget_update"
    answer: ClassVar[Answer] = Answer.WIDGET

    query: str = ""


ChatEvent = (
    MessageEvent
    | CommandEvent
    | AddedToSpaceEvent
    | RemovedFromSpaceEvent
    | CardClickEvent
    | DialogRequestEvent
    | DialogSubmitEvent
    | DialogCancelEvent
    | WidgetUpdateEvent
)
