"""A Cards v2 card: sections, header, dialog footer, and the limits checked on build."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shared.chat.cards.base import (
    LEGACY,
    MAX_CARD_BYTES,
    MAX_WIDGETS,
    Button,
    CardLimitError,
    ImageType,
    JsonDict,
    RenderContext,
    _put,
    _tuple,
    json_size,
)
from shared.chat.cards.widgets import (
    Widget,
    count_widgets,
)

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
