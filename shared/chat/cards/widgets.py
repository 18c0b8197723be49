"""Cards v2 widgets: text, buttons, images, inputs, pickers and columns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.chat.cards.base import (
    LEGACY,
    MAX_COLUMNS,
    MAX_SELECTION_ITEMS,
    Action,
    Button,
    CardLimitError,
    DateTimePickerType,
    Icon,
    JsonDict,
    OnClick,
    RenderContext,
    SelectionItem,
    SelectionType,
    SwitchControl,
    TextInputType,
    _on_click,
    _put,
    _tuple,
)

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
