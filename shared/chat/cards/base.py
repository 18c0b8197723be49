"""Cards v2 building blocks: limits, render context, enums, actions, icons and buttons."""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

MAX_WIDGETS = 100
MAX_CARD_BYTES = 32_768
MAX_COLUMNS = 2
MAX_SELECTION_ITEMS = 100
ACTION_NAME_PARAMETER = "actionName"

JsonDict = dict[str, Any]


class CardLimitError(ValueError):
    """A card or message that Chat would reject or silently truncate."""


def json_size(payload: Any) -> int:
    """Bytes of ``payload`` as compact UTF-8 JSON (how ``HttpResponse.json`` sends it)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return len(text.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class RenderContext:
    """How to render: for which format, and whether inside a dialog.

    ``addon`` selects the Workspace add-on action shape, which needs the
    app's HTTPS ``endpoint_url``.
    """

    addon: bool = False
    endpoint_url: str | None = None
    dialog: bool = False


LEGACY = RenderContext()


def _tuple(owner: object, name: str) -> None:
    object.__setattr__(owner, name, tuple(getattr(owner, name)))


def _put(out: JsonDict, key: str, value: Any) -> None:
    """Set ``key`` unless ``value`` is empty/None (proto JSON omits defaults)."""
    if value not in (None, "", (), [], {}):
        out[key] = value


# --- Enums ---------------------------------------------------------------------


class ImageType(enum.StrEnum):
    SQUARE = "SQUARE"
    CIRCLE = "CIRCLE"


class Interaction(enum.StrEnum):
    OPEN_DIALOG = "OPEN_DIALOG"


class TextInputType(enum.StrEnum):
    SINGLE_LINE = "SINGLE_LINE"
    MULTIPLE_LINE = "MULTIPLE_LINE"


class SelectionType(enum.StrEnum):
    CHECK_BOX = "CHECK_BOX"
    RADIO_BUTTON = "RADIO_BUTTON"
    SWITCH = "SWITCH"
    DROPDOWN = "DROPDOWN"
    MULTI_SELECT = "MULTI_SELECT"


class DateTimePickerType(enum.StrEnum):
    DATE_AND_TIME = "DATE_AND_TIME"
    DATE_ONLY = "DATE_ONLY"
    TIME_ONLY = "TIME_ONLY"


class ControlType(enum.StrEnum):
    SWITCH = "SWITCH"
    CHECK_BOX = "CHECK_BOX"


# --- Actions -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Action:
    """Call the app: ``function`` is the action's name, ``parameters`` its arguments."""

    function: str
    parameters: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    interaction: Interaction | None = None

    def __post_init__(self) -> None:
        if not self.function:
            raise ValueError("Action.function must name the action")
        if ACTION_NAME_PARAMETER in self.parameters:
            raise ValueError(f"{ACTION_NAME_PARAMETER!r} is reserved for add-on routing")
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        params = [{"key": k, "value": v} for k, v in self.parameters.items()]
        if ctx.addon:
            if not ctx.endpoint_url:
                raise CardLimitError(
                    f"Action {self.function!r} needs the app's HTTPS endpoint URL to render "
                    "for a Workspace add-on event (configure the endpoint URL)"
                )
            function = ctx.endpoint_url
            params.insert(0, {"key": ACTION_NAME_PARAMETER, "value": self.function})
        else:
            function = self.function
        out: JsonDict = {"function": function}
        _put(out, "parameters", params)
        if self.interaction is not None:
            out["interaction"] = self.interaction.value
        return out


@dataclass(frozen=True, slots=True)
class OpenLink:
    """Open ``url`` in a new tab."""

    url: str

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        return {"url": self.url}


OnClick = Action | OpenLink


def _on_click(on_click: OnClick, ctx: RenderContext) -> JsonDict:
    if isinstance(on_click, OpenLink):
        return {"openLink": on_click.to_dict(ctx)}
    return {"action": on_click.to_dict(ctx)}


# --- Small parts -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Icon:
    """Exactly one of a built-in ``known`` icon (``"CLOCK"``), a Material
    Symbols ``material`` name (``"schedule"``), or an image ``url``."""

    known: str = ""
    material: str = ""
    url: str = ""
    alt_text: str = ""

    def __post_init__(self) -> None:
        if sum(bool(x) for x in (self.known, self.material, self.url)) != 1:
            raise ValueError("Icon needs exactly one of known, material or url")

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        out: JsonDict = {}
        _put(out, "knownIcon", self.known)
        if self.material:
            out["materialIcon"] = {"name": self.material}
        _put(out, "iconUrl", self.url)
        _put(out, "altText", self.alt_text)
        return out


@dataclass(frozen=True, slots=True)
class Button:
    """A button running an ``Action`` or opening a link (``OpenLink``)."""

    text: str
    on_click: OnClick
    icon: Icon | None = None
    disabled: bool = False

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        out: JsonDict = {}
        _put(out, "text", self.text)
        if self.icon is not None:
            out["icon"] = self.icon.to_dict(ctx)
        out["onClick"] = _on_click(self.on_click, ctx)
        if self.disabled:
            out["disabled"] = True
        return out


@dataclass(frozen=True, slots=True)
class SwitchControl:
    """A switch or checkbox inside a ``DecoratedText`` (not a widget on its own)."""

    name: str
    selected: bool = False
    value: str = ""
    control_type: ControlType = ControlType.SWITCH
    on_change_action: Action | None = None

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        out: JsonDict = {"name": self.name}
        _put(out, "value", self.value)
        out["selected"] = self.selected
        if self.on_change_action is not None:
            out["onChangeAction"] = self.on_change_action.to_dict(ctx)
        out["controlType"] = self.control_type.value
        return out


@dataclass(frozen=True, slots=True)
class SelectionItem:
    """One option of a ``SelectionInput``."""

    text: str
    value: str
    selected: bool = False
    start_icon_uri: str = ""
    bottom_text: str = ""

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        out: JsonDict = {"text": self.text, "value": self.value, "selected": self.selected}
        _put(out, "startIconUri", self.start_icon_uri)
        _put(out, "bottomText", self.bottom_text)
        return out
