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

from shared.chat.cards.base import (
    ACTION_NAME_PARAMETER,
    LEGACY,
    MAX_CARD_BYTES,
    MAX_COLUMNS,
    MAX_SELECTION_ITEMS,
    MAX_WIDGETS,
    Action,
    Button,
    CardLimitError,
    ControlType,
    DateTimePickerType,
    Icon,
    ImageType,
    Interaction,
    JsonDict,
    OnClick,
    OpenLink,
    RenderContext,
    SelectionItem,
    SelectionType,
    SwitchControl,
    TextInputType,
    json_size,
)
from shared.chat.cards.card import (
    Card,
    CardHeader,
    FixedFooter,
    Section,
)
from shared.chat.cards.widgets import (
    ButtonList,
    Column,
    Columns,
    ColumnWidget,
    DateTimePicker,
    DecoratedText,
    Divider,
    Image,
    SelectionInput,
    TextInput,
    TextParagraph,
    Widget,
    count_widgets,
)

__all__ = [
    "ACTION_NAME_PARAMETER",
    "LEGACY",
    "MAX_CARD_BYTES",
    "MAX_COLUMNS",
    "MAX_SELECTION_ITEMS",
    "MAX_WIDGETS",
    "Action",
    "Button",
    "ButtonList",
    "Card",
    "CardHeader",
    "CardLimitError",
    "Column",
    "ColumnWidget",
    "Columns",
    "ControlType",
    "DateTimePicker",
    "DateTimePickerType",
    "DecoratedText",
    "Divider",
    "FixedFooter",
    "Icon",
    "Image",
    "ImageType",
    "Interaction",
    "JsonDict",
    "OnClick",
    "OpenLink",
    "RenderContext",
    "Section",
    "SelectionInput",
    "SelectionItem",
    "SelectionType",
    "SwitchControl",
    "TextInput",
    "TextInputType",
    "TextParagraph",
    "Widget",
    "count_widgets",
    "json_size",
]
