"""Shared fixtures: events in both formats and a card using every widget."""

from __future__ import annotations

import pytest

from shared.chat.cards import (
    Action,
    Button,
    ButtonList,
    Card,
    CardHeader,
    Column,
    Columns,
    ControlType,
    DateTimePicker,
    DateTimePickerType,
    DecoratedText,
    Divider,
    FixedFooter,
    Icon,
    Image,
    ImageType,
    Interaction,
    OpenLink,
    Section,
    SelectionInput,
    SelectionItem,
    SelectionType,
    SwitchControl,
    TextInput,
    TextInputType,
    TextParagraph,
)
from shared.chat.events.models import EventFormat, Message, MessageEvent, Space, SpaceType, User

ENDPOINT = "https://nudge.example.com/chat"


def make_event(fmt: EventFormat) -> MessageEvent:
    return MessageEvent(
        format=fmt,
        user=User("users/112233", display_name="Ada"),
        space=Space("spaces/AAA", type=SpaceType.SPACE),
        message=Message(name="spaces/AAA/messages/m1", text="hi"),
    )


@pytest.fixture
def legacy_event() -> MessageEvent:
    return make_event(EventFormat.LEGACY)


@pytest.fixture
def addon_event() -> MessageEvent:
    return make_event(EventFormat.ADDON)


def every_widget_card(*, footer: bool = False) -> Card:
    """One card that uses every widget type and every optional field we support."""
    snooze = Action("snooze", {"id": "r-42"})
    return Card(
        card_id="everything",
        name="everything",
        header=CardHeader(
            "Stand-up",
            subtitle="in 15 min",
            image_url="https://example.com/a.png",
            image_type=ImageType.CIRCLE,
            image_alt_text="avatar",
        ),
        sections=[
            Section(
                header="Details",
                collapsible=True,
                uncollapsible_widgets_count=1,
                widgets=[
                    TextParagraph("<b>Owner:</b> someone", max_lines=3),
                    DecoratedText(
                        "10:15 CET",
                        top_label="When",
                        bottom_label="daily",
                        start_icon=Icon(material="schedule"),
                        button=Button("Snooze", snooze, icon=Icon(known="CLOCK")),
                        wrap_text=True,
                    ),
                    DecoratedText(
                        "Notify me",
                        start_icon=Icon(url="https://example.com/i.png", alt_text="bell"),
                        switch_control=SwitchControl(
                            "notify",
                            selected=True,
                            value="on",
                            control_type=ControlType.CHECK_BOX,
                            on_change_action=Action("toggle"),
                        ),
                    ),
                    ButtonList(
                        [
                            Button("Edit", Action("edit", interaction=Interaction.OPEN_DIALOG)),
                            Button("Open", OpenLink("https://example.com/r/42"), disabled=True),
                        ]
                    ),
                    Divider(),
                    Image("https://example.com/chart.png", alt_text="chart", on_click=snooze),
                ],
            ),
            Section(
                widgets=[
                    Columns(
                        [
                            Column([TextParagraph("left"), Image("https://example.com/l.png")]),
                            Column([ButtonList([Button("Go", Action("go"))])]),
                        ]
                    ),
                    TextInput(
                        "what",
                        label="What",
                        hint_text="A short title",
                        value="Stand-up",
                        type=TextInputType.MULTIPLE_LINE,
                        on_change_action=Action("changed"),
                        auto_complete_action=Action("complete"),
                        placeholder_text="e.g. water the plants",
                    ),
                    SelectionInput(
                        "when",
                        label="When",
                        type=SelectionType.DROPDOWN,
                        items=[
                            SelectionItem("Daily", "daily", selected=True),
                            SelectionItem(
                                "Weekly",
                                "weekly",
                                start_icon_uri="https://example.com/w.png",
                                bottom_text="every Monday",
                            ),
                        ],
                        on_change_action=Action("pick"),
                    ),
                    SelectionInput(
                        "who",
                        label="Who",
                        type=SelectionType.MULTI_SELECT,
                        external_data_source=Action("people"),
                        multi_select_max_selected_items=5,
                        multi_select_min_query_length=2,
                    ),
                    DateTimePicker(
                        "at",
                        label="At",
                        type=DateTimePickerType.DATE_AND_TIME,
                        value_ms_epoch=1_768_471_200_000,
                        timezone_offset_date=60,
                        on_change_action=Action("when_changed"),
                    ),
                ],
            ),
        ],
        fixed_footer=(
            FixedFooter(Button("Save", Action("save")), Button("Cancel", Action("cancel")))
            if footer
            else None
        ),
    )


@pytest.fixture
def big_card() -> Card:
    return every_widget_card()


@pytest.fixture
def dialog_card() -> Card:
    return every_widget_card(footer=True)
