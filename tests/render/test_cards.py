"""The Cards v2 builder: exact JSON per widget, and the limits Chat enforces."""

from __future__ import annotations

import pytest

from shared.chat.cards import (
    MAX_CARD_BYTES,
    Action,
    Button,
    ButtonList,
    Card,
    CardHeader,
    CardLimitError,
    Column,
    Columns,
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
    RenderContext,
    Section,
    SelectionInput,
    SelectionItem,
    SelectionType,
    SwitchControl,
    TextInput,
    TextInputType,
    TextParagraph,
    count_widgets,
)

ADDON = RenderContext(addon=True, endpoint_url="https://nudge.example.com/chat")


def test_text_paragraph() -> None:
    assert TextParagraph("hi").to_dict() == {"textParagraph": {"text": "hi"}}
    assert TextParagraph("hi", max_lines=2).to_dict() == {
        "textParagraph": {"text": "hi", "maxLines": 2}
    }


def test_decorated_text_with_button() -> None:
    widget = DecoratedText(
        "10:15 CET",
        top_label="When",
        bottom_label="daily",
        start_icon=Icon(material="schedule"),
        button=Button("Snooze", Action("snooze", {"id": "r-42"})),
        wrap_text=True,
    )
    assert widget.to_dict() == {
        "decoratedText": {
            "startIcon": {"materialIcon": {"name": "schedule"}},
            "topLabel": "When",
            "text": "10:15 CET",
            "wrapText": True,
            "bottomLabel": "daily",
            "button": {
                "text": "Snooze",
                "onClick": {
                    "action": {
                        "function": "snooze",
                        "parameters": [{"key": "id", "value": "r-42"}],
                    }
                },
            },
        }
    }


def test_decorated_text_with_switch() -> None:
    widget = DecoratedText(
        "Notify", start_icon=Icon(known="BELL"), switch_control=SwitchControl("n", selected=True)
    )
    assert widget.to_dict() == {
        "decoratedText": {
            "startIcon": {"knownIcon": "BELL"},
            "text": "Notify",
            "switchControl": {"name": "n", "selected": True, "controlType": "SWITCH"},
        }
    }


def test_decorated_text_takes_one_control() -> None:
    with pytest.raises(ValueError, match="not both"):
        DecoratedText("x", button=Button("b", Action("f")), switch_control=SwitchControl("s"))


def test_icon_needs_exactly_one_source() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Icon()
    with pytest.raises(ValueError, match="exactly one"):
        Icon(known="CLOCK", material="schedule")
    assert Icon(url="https://e/x.png", alt_text="x").to_dict() == {
        "iconUrl": "https://e/x.png",
        "altText": "x",
    }


def test_button_list_and_buttons() -> None:
    widget = ButtonList(
        [
            Button("Edit", Action("edit", interaction=Interaction.OPEN_DIALOG)),
            Button("Open", OpenLink("https://e/r"), icon=Icon(known="STAR"), disabled=True),
        ]
    )
    assert widget.to_dict() == {
        "buttonList": {
            "buttons": [
                {
                    "text": "Edit",
                    "onClick": {"action": {"function": "edit", "interaction": "OPEN_DIALOG"}},
                },
                {
                    "text": "Open",
                    "icon": {"knownIcon": "STAR"},
                    "onClick": {"openLink": {"url": "https://e/r"}},
                    "disabled": True,
                },
            ]
        }
    }


def test_divider_and_image() -> None:
    assert Divider().to_dict() == {"divider": {}}
    assert Image("https://e/i.png", alt_text="chart").to_dict() == {
        "image": {"imageUrl": "https://e/i.png", "altText": "chart"}
    }
    assert Image("https://e/i.png", on_click=OpenLink("https://e")).to_dict() == {
        "image": {"imageUrl": "https://e/i.png", "onClick": {"openLink": {"url": "https://e"}}}
    }


def test_columns() -> None:
    widget = Columns([Column([TextParagraph("a")]), Column([Image("https://e/i.png")])])
    assert widget.to_dict() == {
        "columns": {
            "columnItems": [
                {"widgets": [{"textParagraph": {"text": "a"}}]},
                {"widgets": [{"image": {"imageUrl": "https://e/i.png"}}]},
            ]
        }
    }


def test_text_input() -> None:
    widget = TextInput(
        "what",
        label="What",
        hint_text="short",
        value="x",
        type=TextInputType.MULTIPLE_LINE,
        auto_complete_action=Action("complete"),
    )
    assert widget.to_dict() == {
        "textInput": {
            "name": "what",
            "label": "What",
            "hintText": "short",
            "value": "x",
            "type": "MULTIPLE_LINE",
            "autoCompleteAction": {"function": "complete"},
        }
    }
    with pytest.raises(ValueError, match="label or a hint_text"):
        TextInput("nameless")


def test_selection_input() -> None:
    widget = SelectionInput(
        "when",
        label="When",
        type=SelectionType.RADIO_BUTTON,
        items=[SelectionItem("Daily", "daily", selected=True), SelectionItem("Weekly", "weekly")],
    )
    assert widget.to_dict() == {
        "selectionInput": {
            "name": "when",
            "label": "When",
            "type": "RADIO_BUTTON",
            "items": [
                {"text": "Daily", "value": "daily", "selected": True},
                {"text": "Weekly", "value": "weekly", "selected": False},
            ],
        }
    }


def test_selection_input_external_source() -> None:
    widget = SelectionInput(
        "who",
        type=SelectionType.MULTI_SELECT,
        external_data_source=Action("people"),
        multi_select_min_query_length=2,
    )
    assert widget.to_dict() == {
        "selectionInput": {
            "name": "who",
            "type": "MULTI_SELECT",
            "multiSelectMinQueryLength": 2,
            "externalDataSource": {"function": "people"},
        }
    }
    with pytest.raises(ValueError, match="MULTI_SELECT"):
        SelectionInput("who", type=SelectionType.DROPDOWN, external_data_source=Action("people"))


def test_date_time_picker() -> None:
    widget = DateTimePicker(
        "at",
        label="At",
        type=DateTimePickerType.DATE_ONLY,
        value_ms_epoch=0,
        timezone_offset_date=-300,
    )
    assert widget.to_dict() == {
        "dateTimePicker": {
            "name": "at",
            "label": "At",
            "type": "DATE_ONLY",
            "valueMsEpoch": 0,
            "timezoneOffsetDate": -300,
        }
    }


def test_card_header_and_sections() -> None:
    card = Card(
        header=CardHeader(
            "T", subtitle="S", image_url="https://e/a.png", image_type=ImageType.CIRCLE
        ),
        sections=[
            Section([Divider()], header="H", collapsible=True, uncollapsible_widgets_count=1),
            Section([Divider()]),
        ],
        name="n",
    )
    assert card.to_dict() == {
        "header": {
            "title": "T",
            "subtitle": "S",
            "imageUrl": "https://e/a.png",
            "imageType": "CIRCLE",
        },
        "sections": [
            {
                "header": "H",
                "widgets": [{"divider": {}}],
                "collapsible": True,
                "uncollapsibleWidgetsCount": 1,
            },
            {"widgets": [{"divider": {}}]},
        ],
        "name": "n",
    }


def test_fixed_footer_in_a_dialog() -> None:
    card = Card(
        [Section([Divider()])],
        fixed_footer=FixedFooter(Button("Save", Action("save")), Button("Cancel", Action("no"))),
    )
    assert card.to_dict(RenderContext(dialog=True))["fixedFooter"] == {
        "primaryButton": {"text": "Save", "onClick": {"action": {"function": "save"}}},
        "secondaryButton": {"text": "Cancel", "onClick": {"action": {"function": "no"}}},
    }


def test_sequences_are_stored_as_tuples_and_cards_are_hashable_values() -> None:
    section = Section([Divider()])
    assert isinstance(section.widgets, tuple)
    assert Card([section]) == Card((Section((Divider(),)),))


# --- add-on rewriting ---------------------------------------------------------


def test_addon_action_points_at_the_endpoint_and_names_the_action() -> None:
    action = Action("snooze", {"id": "r-42"}, interaction=Interaction.OPEN_DIALOG)
    assert action.to_dict(ADDON) == {
        "function": "https://nudge.example.com/chat",
        "parameters": [{"key": "actionName", "value": "snooze"}, {"key": "id", "value": "r-42"}],
        "interaction": "OPEN_DIALOG",
    }


def test_addon_rewriting_reaches_nested_actions() -> None:
    card = Card(
        [
            Section(
                [
                    Columns([Column([ButtonList([Button("Go", Action("go"))])])]),
                    SelectionInput(
                        "who",
                        type=SelectionType.MULTI_SELECT,
                        external_data_source=Action("people"),
                    ),
                ]
            )
        ]
    )
    rendered = card.to_dict(ADDON)
    columns, selection = rendered["sections"][0]["widgets"]
    button = columns["columns"]["columnItems"][0]["widgets"][0]["buttonList"]["buttons"][0]
    assert button["onClick"]["action"] == {
        "function": "https://nudge.example.com/chat",
        "parameters": [{"key": "actionName", "value": "go"}],
    }
    assert selection["selectionInput"]["externalDataSource"]["parameters"] == [
        {"key": "actionName", "value": "people"}
    ]


def test_addon_action_without_endpoint_is_refused() -> None:
    with pytest.raises(CardLimitError, match="endpoint URL"):
        Action("snooze").to_dict(RenderContext(addon=True))


def test_action_name_parameter_is_reserved() -> None:
    with pytest.raises(ValueError, match="reserved"):
        Action("x", {"actionName": "y"})


def test_action_parameters_are_read_only() -> None:
    params = {"id": "1"}
    action = Action("x", params)
    params["id"] = "2"
    assert action.parameters == {"id": "1"}
    with pytest.raises(TypeError):
        action.parameters["id"] = "3"  # type: ignore[index]


# --- limits ------------------------------------------------------------------------


def test_one_hundred_widgets_is_fine() -> None:
    card = Card([Section([Divider()] * 60), Section([Divider()] * 40)])
    assert card.widget_count == 100


def test_101_widgets_are_refused() -> None:
    with pytest.raises(CardLimitError, match="101 widgets"):
        Card([Section([Divider()] * 60), Section([Divider()] * 41)])


def test_widget_counting_includes_column_contents_but_not_buttons() -> None:
    columns = Columns(
        [Column([TextParagraph("a"), TextParagraph("b")]), Column([TextParagraph("c")])]
    )
    buttons = ButtonList([Button(str(i), Action("f")) for i in range(20)])
    assert count_widgets([columns, buttons]) == (1 + 3) + 1
    with pytest.raises(CardLimitError, match="101 widgets"):
        Card([Section([columns] * 25 + [Divider()])])


def test_card_over_32_kb_is_refused() -> None:
    ok = Card([Section([TextParagraph("x" * 30_000)])])
    assert ok.to_dict()
    with pytest.raises(CardLimitError, match=f"at most {MAX_CARD_BYTES}"):
        Card([Section([TextParagraph("x" * MAX_CARD_BYTES)])])


def test_card_size_counts_utf8_bytes() -> None:
    with pytest.raises(CardLimitError, match="bytes"):
        Card([Section([TextParagraph("\u00e9" * 17_000)])])  # 34,000 bytes, 17,000 chars


def test_three_columns_are_refused() -> None:
    with pytest.raises(CardLimitError, match="3 columns"):
        Columns([Column([]), Column([]), Column([])])


def test_more_than_100_selection_items_are_refused() -> None:
    items = [SelectionItem(str(i), str(i)) for i in range(101)]
    with pytest.raises(CardLimitError, match="101 items"):
        SelectionInput("x", items=items)
    assert len(SelectionInput("x", items=items[:100]).items) == 100


def test_fixed_footer_outside_a_dialog_is_refused() -> None:
    card = Card([Section([Divider()])], fixed_footer=FixedFooter(Button("Save", Action("save"))))
    with pytest.raises(CardLimitError, match="only in dialogs"):
        card.to_dict()
    with pytest.raises(CardLimitError, match="only in dialogs"):
        card.to_dict(ADDON)
