"""A small typed builder for Cards v2: frozen dataclasses with ``to_dict()``.

Every class renders exact Cards v2 camelCase JSON (``google.apps.card.v1``).
Sequences may be passed as lists; they are stored as tuples. Limits Chat
enforces are checked where the object is built, raising ``CardLimitError``:

* ``Columns``: at most 2 columns; ``SelectionInput``: at most 100 items.
* ``Card``: at most 100 widgets and at most 32 KB (32,768 bytes) of JSON.
  Counting: every widget object counts once, wherever it sits, so a
  ``Columns`` counts 1 plus 1 per widget inside its columns, and a
  ``ButtonList`` counts 1 however many buttons it holds (buttons are not
  widgets). Fixed-footer buttons do not count. This errs on the safe side:
  Chat silently drops the overflowing section and every later one.
* ``Card.fixed_footer`` renders only for dialogs (``RenderContext.dialog``).

Button actions differ per event format, so ``to_dict`` takes a
``RenderContext``. Legacy apps get ``{"function": NAME, ...}``; Workspace
add-ons get ``{"function": ENDPOINT_URL}`` with the name in the
``actionName`` parameter, which is what the add-on event parser reads back.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
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


# --- Widgets -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TextParagraph:
    """Formatted text (HTML-ish: ``<b>``, ``<i>``, ``<a href>``; see ``text.escape_html``)."""

    text: str
    max_lines: int = 0

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        body: JsonDict = {"text": self.text}
        _put(body, "maxLines", self.max_lines or None)
        return {"textParagraph": body}


@dataclass(frozen=True, slots=True)
class DecoratedText:
    """Text with optional labels, a start icon, and one button *or* one switch."""

    text: str
    top_label: str = ""
    bottom_label: str = ""
    start_icon: Icon | None = None
    button: Button | None = None
    switch_control: SwitchControl | None = None
    wrap_text: bool = False

    def __post_init__(self) -> None:
        if self.button is not None and self.switch_control is not None:
            raise ValueError("DecoratedText takes a button or a switch_control, not both")

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        body: JsonDict = {}
        if self.start_icon is not None:
            body["startIcon"] = self.start_icon.to_dict(ctx)
        _put(body, "topLabel", self.top_label)
        body["text"] = self.text
        if self.wrap_text:
            body["wrapText"] = True
        _put(body, "bottomLabel", self.bottom_label)
        if self.button is not None:
            body["button"] = self.button.to_dict(ctx)
        if self.switch_control is not None:
            body["switchControl"] = self.switch_control.to_dict(ctx)
        return {"decoratedText": body}


@dataclass(frozen=True, slots=True)
class ButtonList:
    """A row of buttons; counts as one widget."""

    buttons: Sequence[Button]

    def __post_init__(self) -> None:
        _tuple(self, "buttons")

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        return {"buttonList": {"buttons": [b.to_dict(ctx) for b in self.buttons]}}


@dataclass(frozen=True, slots=True)
class Divider:
    """A horizontal line."""

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        return {"divider": {}}


@dataclass(frozen=True, slots=True)
class Image:
    """An image from an HTTPS ``url``."""

    url: str
    alt_text: str = ""
    on_click: OnClick | None = None

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        body: JsonDict = {"imageUrl": self.url}
        if self.on_click is not None:
            body["onClick"] = _on_click(self.on_click, ctx)
        _put(body, "altText", self.alt_text)
        return {"image": body}


@dataclass(frozen=True, slots=True)
class TextInput:
    """A text field whose value arrives in the form inputs under ``name``.

    ``auto_complete_action`` is documented by Google for add-ons only; plain
    Chat apps get autocomplete through ``SelectionInput.external_data_source``.
    """

    name: str
    label: str = ""
    hint_text: str = ""
    value: str = ""
    type: TextInputType = TextInputType.SINGLE_LINE
    on_change_action: Action | None = None
    auto_complete_action: Action | None = None
    placeholder_text: str = ""

    def __post_init__(self) -> None:
        if not (self.label or self.hint_text):
            raise ValueError(f"TextInput {self.name!r} needs a label or a hint_text")

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        body: JsonDict = {"name": self.name}
        _put(body, "label", self.label)
        _put(body, "hintText", self.hint_text)
        _put(body, "value", self.value)
        body["type"] = self.type.value
        if self.on_change_action is not None:
            body["onChangeAction"] = self.on_change_action.to_dict(ctx)
        if self.auto_complete_action is not None:
            body["autoCompleteAction"] = self.auto_complete_action.to_dict(ctx)
        _put(body, "placeholderText", self.placeholder_text)
        return {"textInput": body}


@dataclass(frozen=True, slots=True)
class SelectionInput:
    """Checkboxes, radio buttons, switches, a dropdown or a multiselect.

    ``external_data_source`` (multiselect only) makes Chat send
    ``WIDGET_UPDATED`` events as the user types; answer with ``UpdateWidget``.
    """

    name: str
    label: str = ""
    type: SelectionType = SelectionType.CHECK_BOX
    items: Sequence[SelectionItem] = ()
    on_change_action: Action | None = None
    external_data_source: Action | None = None
    multi_select_max_selected_items: int | None = None
    multi_select_min_query_length: int | None = None

    def __post_init__(self) -> None:
        _tuple(self, "items")
        if len(self.items) > MAX_SELECTION_ITEMS:
            raise CardLimitError(
                f"SelectionInput {self.name!r} has {len(self.items)} items; "
                f"Chat allows at most {MAX_SELECTION_ITEMS}"
            )
        if self.external_data_source is not None and self.type is not SelectionType.MULTI_SELECT:
            raise ValueError("external_data_source works only with SelectionType.MULTI_SELECT")

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        body: JsonDict = {"name": self.name}
        _put(body, "label", self.label)
        body["type"] = self.type.value
        _put(body, "items", [i.to_dict(ctx) for i in self.items])
        if self.on_change_action is not None:
            body["onChangeAction"] = self.on_change_action.to_dict(ctx)
        if self.multi_select_max_selected_items is not None:
            body["multiSelectMaxSelectedItems"] = self.multi_select_max_selected_items
        if self.multi_select_min_query_length is not None:
            body["multiSelectMinQueryLength"] = self.multi_select_min_query_length
        if self.external_data_source is not None:
            body["externalDataSource"] = self.external_data_source.to_dict(ctx)
        return {"selectionInput": body}


@dataclass(frozen=True, slots=True)
class DateTimePicker:
    """A date and/or time field.

    ``value_ms_epoch`` is the initial value (UTC ms); ``timezone_offset_date``
    is the UTC offset in minutes used to display it.
    """

    name: str
    label: str = ""
    type: DateTimePickerType = DateTimePickerType.DATE_AND_TIME
    value_ms_epoch: int | None = None
    timezone_offset_date: int | None = None
    on_change_action: Action | None = None

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        body: JsonDict = {"name": self.name}
        _put(body, "label", self.label)
        body["type"] = self.type.value
        if self.value_ms_epoch is not None:
            body["valueMsEpoch"] = self.value_ms_epoch
        if self.timezone_offset_date is not None:
            body["timezoneOffsetDate"] = self.timezone_offset_date
        if self.on_change_action is not None:
            body["onChangeAction"] = self.on_change_action.to_dict(ctx)
        return {"dateTimePicker": body}


ColumnWidget = (
    TextParagraph | Image | DecoratedText | ButtonList | TextInput | SelectionInput | DateTimePicker
)
"""What a column may hold (``Columns.Column.Widgets``: no dividers, no nested columns)."""


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a ``Columns`` widget."""

    widgets: Sequence[ColumnWidget]

    def __post_init__(self) -> None:
        _tuple(self, "widgets")

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        return {"widgets": [w.to_dict(ctx) for w in self.widgets]}


@dataclass(frozen=True, slots=True)
class Columns:
    """Up to two columns side by side (they wrap on narrow screens)."""

    columns: Sequence[Column]

    def __post_init__(self) -> None:
        _tuple(self, "columns")
        if len(self.columns) > MAX_COLUMNS:
            raise CardLimitError(
                f"Columns has {len(self.columns)} columns; Chat allows at most {MAX_COLUMNS}"
            )

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        return {"columns": {"columnItems": [c.to_dict(ctx) for c in self.columns]}}


Widget = ColumnWidget | Divider | Columns


def count_widgets(widgets: Sequence[Widget]) -> int:
    """Widgets as counted against the 100-widget limit (see the module docstring)."""
    total = 0
    for widget in widgets:
        total += 1
        if isinstance(widget, Columns):
            total += sum(len(column.widgets) for column in widget.columns)
    return total


# --- Card ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Section:
    """A group of widgets, optionally collapsible after the first few."""

    widgets: Sequence[Widget]
    header: str = ""
    collapsible: bool = False
    uncollapsible_widgets_count: int = 0

    def __post_init__(self) -> None:
        _tuple(self, "widgets")

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        out: JsonDict = {}
        _put(out, "header", self.header)
        out["widgets"] = [w.to_dict(ctx) for w in self.widgets]
        if self.collapsible:
            out["collapsible"] = True
            _put(out, "uncollapsibleWidgetsCount", self.uncollapsible_widgets_count or None)
        return out


@dataclass(frozen=True, slots=True)
class CardHeader:
    """The title bar of a card."""

    title: str
    subtitle: str = ""
    image_url: str = ""
    image_type: ImageType = ImageType.SQUARE
    image_alt_text: str = ""

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        out: JsonDict = {"title": self.title}
        _put(out, "subtitle", self.subtitle)
        if self.image_url:
            out["imageUrl"] = self.image_url
            out["imageType"] = self.image_type.value
            _put(out, "imageAltText", self.image_alt_text)
        return out


@dataclass(frozen=True, slots=True)
class FixedFooter:
    """Sticky dialog buttons; Chat renders these only in dialogs."""

    primary: Button
    secondary: Button | None = None

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        out: JsonDict = {"primaryButton": self.primary.to_dict(ctx)}
        if self.secondary is not None:
            out["secondaryButton"] = self.secondary.to_dict(ctx)
        return out


@dataclass(frozen=True, slots=True)
class Card:
    """A Cards v2 card. ``card_id`` becomes ``cardsV2[].cardId`` in messages."""

    sections: Sequence[Section] = ()
    header: CardHeader | None = None
    card_id: str = ""
    fixed_footer: FixedFooter | None = None
    name: str = ""

    def __post_init__(self) -> None:
        _tuple(self, "sections")
        count = self.widget_count
        if count > MAX_WIDGETS:
            raise CardLimitError(
                f"Card {self.card_id or self.name or '(unnamed)'} has {count} widgets; Chat "
                f"allows at most {MAX_WIDGETS} and drops the overflowing sections"
            )
        self.to_dict(RenderContext(dialog=True))  # size check, legacy shape

    @property
    def widget_count(self) -> int:
        return sum(count_widgets(s.widgets) for s in self.sections)

    def to_dict(self, ctx: RenderContext = LEGACY) -> JsonDict:
        """The card body (``google.apps.card.v1.Card``), checked against 32 KB."""
        if self.fixed_footer is not None and not ctx.dialog:
            raise CardLimitError(
                f"Card {self.card_id or self.name or '(unnamed)'} has a fixed_footer, which "
                "Chat supports only in dialogs"
            )
        out: JsonDict = {}
        if self.header is not None:
            out["header"] = self.header.to_dict(ctx)
        out["sections"] = [s.to_dict(ctx) for s in self.sections]
        _put(out, "name", self.name)
        if self.fixed_footer is not None:
            out["fixedFooter"] = self.fixed_footer.to_dict(ctx)
        size = json_size(out)
        if size > MAX_CARD_BYTES:
            raise CardLimitError(
                f"Card {self.card_id or self.name or '(unnamed)'} is {size} bytes of JSON; "
                f"Chat allows at most {MAX_CARD_BYTES}"
            )
        return out
