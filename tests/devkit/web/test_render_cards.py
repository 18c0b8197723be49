"""Every Cards v2 widget the simulator draws, from Nudge's builder and from Google's samples."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from devkit.web.render import card_html, message_html
from devkit.web.validate import preview
from shared.chat.cards import (
    Action,
    Button,
    ButtonList,
    Card,
    CardHeader,
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
    OpenLink,
    RenderContext,
    Section,
    SelectionInput,
    SelectionItem,
    SelectionType,
    SwitchControl,
    TextInput,
    TextParagraph,
)
from tests.devkit.web.html_tools import find
from tests.devkit.web.samples import CONTACT_CARD, CONTACT_FORM_DIALOG

BERLIN = ZoneInfo("Europe/Berlin")
EDIT_BUTTON = {"text": "Edit", "onClick": {"action": {"function": "edit"}}}
NOON_UTC = int(datetime(2026, 1, 15, 12, 0, tzinfo=UTC).timestamp() * 1000)


def items(kind: SelectionType) -> list[SelectionItem]:
    return [SelectionItem("One", "1", selected=True), SelectionItem("Two", "2")]


def builder_card() -> Card:
    """One of everything Nudge's card builder makes."""
    return Card(
        card_id="everything",
        header=CardHeader(
            "Title",
            subtitle="Sub",
            image_url="https://example.com/a.png",
            image_type=ImageType.CIRCLE,
            image_alt_text="A",
        ),
        sections=[
            Section(
                header="First",
                collapsible=True,
                uncollapsible_widgets_count=2,
                widgets=[
                    TextParagraph('<b>bold</b> <i>it</i> <font color="#b3261e">red</font>'),
                    DecoratedText(
                        text="Decorated",
                        top_label="Top",
                        bottom_label="Bottom",
                        start_icon=Icon(known="CLOCK"),
                        button=Button("Go", Action("go", {"id": "7"})),
                    ),
                    DecoratedText(
                        text="Switch me",
                        switch_control=SwitchControl("notify", selected=True, value="yes"),
                    ),
                    ButtonList(
                        [Button("Act", Action("act")), Button("Open", OpenLink("https://e.com"))]
                    ),
                    Image("https://example.com/i.png", alt_text="An image"),
                    Divider(),
                    Columns([Column([TextParagraph("left")]), Column([TextParagraph("right")])]),
                ],
            ),
            Section(
                [
                    TextInput("what", label="What", auto_complete_action=Action("suggest")),
                    *(
                        SelectionInput(
                            kind.value.lower(), label=kind.value, type=kind, items=items(kind)
                        )
                        for kind in SelectionType
                    ),
                    DateTimePicker("when", label="When", value_ms_epoch=NOON_UTC),
                    DateTimePicker(
                        "day",
                        label="Day",
                        type=DateTimePickerType.DATE_ONLY,
                        value_ms_epoch=NOON_UTC,
                    ),
                    DateTimePicker(
                        "at", label="At", type=DateTimePickerType.TIME_ONLY, value_ms_epoch=NOON_UTC
                    ),
                ]
            ),
        ],
        fixed_footer=FixedFooter(Button("Save", Action("save")), Button("Cancel", Action("no"))),
    )


@pytest.fixture(scope="module")
def built() -> str:
    body = builder_card().to_dict(RenderContext(dialog=True))
    return str(card_html(body, card_id="everything", zone=BERLIN, dialog=True))


def test_builder_header_sections_and_text(built: str) -> None:
    assert find(built, cls="dialog-title")[0].children[0].text == "Title"
    (section_header,) = find(built, cls="section-header")
    assert section_header.text == "First"
    (details,) = find(built, tag="details", cls="collapsed")  # widgets past the first two
    assert "Switch me" in details.text
    (paragraph, *_) = find(built, cls="text-paragraph")
    assert [e.tag for e in paragraph.children] == ["b", "i", "span"]
    assert paragraph.children[2].attrs["data-color"] == "#b3261e"


def test_builder_decorated_text_button_switch_and_lists(built: str) -> None:
    (first, second) = find(built, cls="decorated-text")
    assert find(str(built), cls="dt-top")[0].text == "Top"
    assert find(str(built), cls="dt-bottom")[0].text == "Bottom"
    assert "Decorated" in first.text
    assert "Switch me" in second.text
    icon = find(built, cls="icon")[0]
    assert icon.attrs["title"] == "CLOCK"
    go = next(b for b in find(built, tag="button") if b.text.strip() == "Go")
    assert json.loads(go.attrs["data-action"]) == {
        "function": "go",
        "parameters": [{"key": "id", "value": "7"}],
    }
    (switch,) = [i for i in find(built, tag="input") if i.attrs.get("data-field") == "switch"]
    assert switch.attrs["data-name"] == "notify"
    assert "checked" in switch.attrs
    (link,) = find(built, tag="a", cls="btn")
    assert link.attrs["href"] == "https://e.com"
    assert link.attrs["target"] == "_blank"
    assert "noopener" in link.attrs["rel"]


def test_builder_image_divider_columns(built: str) -> None:
    (image,) = find(built, tag="img", cls="card-image")
    assert image.attrs["src"] == "https://example.com/i.png"
    assert image.attrs["alt"] == "An image"
    assert find(built, tag="hr", cls="divider")
    (columns,) = find(built, cls="columns")
    assert [c.text for c in columns.children] == ["left", "right"]


def test_builder_inputs(built: str) -> None:
    fields = {e.attrs["data-name"]: e for e in find(built) if "data-field" in e.attrs}
    assert fields["what"].attrs["data-autocomplete"]
    assert fields["what"].attrs["list"]
    kinds = {name: e.attrs.get("data-kind") for name, e in fields.items()}
    assert kinds["check_box"] == "CHECK_BOX"
    assert kinds["multi_select"] == "MULTI_SELECT"
    radios = [i for i in find(built, tag="input") if i.attrs.get("type") == "radio"]
    assert [r.attrs["value"] for r in radios] == ["1", "2"]
    switches = [i for i in find(built, tag="input") if "switch" in i.classes]
    assert len(switches) == 3  # the decorated text's switch and the SWITCH selection's items
    selects = find(built, tag="select")
    assert [("multiple" in s.attrs) for s in selects] == [False, True]
    # Pickers show their value in the person's zone (Berlin: UTC+1 in January).
    assert fields["when"].attrs["value"] == "2026-01-15T13:00"
    assert fields["when"].attrs["type"] == "datetime-local"
    assert fields["day"].attrs["value"] == "2026-01-15"
    assert fields["day"].attrs["type"] == "date"
    assert fields["at"].attrs["value"] == "13:00"
    assert fields["at"].attrs["type"] == "time"


def test_builder_fixed_footer_only_in_dialogs(built: str) -> None:
    (footer,) = find(built, cls="card-footer")
    assert [b.text.strip() for b in footer.children] == ["Cancel", "Save"]
    body = builder_card().to_dict(RenderContext(dialog=True))
    in_message = str(card_html(body))
    assert not find(in_message, cls="card-footer")
    assert "only in dialogs" in in_message


@pytest.fixture(scope="module")
def google() -> str:
    return str(card_html(CONTACT_CARD, card_id="contact", zone=BERLIN))


def test_google_samples_pass_the_emulators_schema_and_the_limits() -> None:
    assert preview(json.dumps(CONTACT_CARD)).errors == []
    dialog = {
        "actionResponse": {
            "type": "DIALOG",
            "dialogAction": {"dialog": {"body": CONTACT_FORM_DIALOG}},
        }
    }
    assert preview(json.dumps(dialog)).errors == []


def test_google_header_with_image_and_collapsible_section(google: str) -> None:
    (image,) = find(google, tag="img", cls="header-image")
    assert image.attrs["src"].startswith("https://")
    assert "circle" in image.classes
    assert find(google, cls="card-title")[0].text == "Sasha"
    assert find(google, cls="card-subtitle")[0].text == "Software Engineer"
    (details,) = find(google, tag="details", cls="collapsed")
    assert "+1 (555) 555-1234" in details.text
    assert "sasha@example.com" not in details.text


def test_google_buttons_filled_outlined_coloured_and_icon_only(google: str) -> None:
    buttons = find(google, cls="btn")
    kinds = {b.attrs.get("aria-label") or b.text.strip(): b.classes for b in buttons}
    assert "btn-filled" in kinds["Share"]
    assert "btn-outlined" in kinds["Edit"]
    coloured = next(b for b in buttons if b.text.strip() == "Coloured")
    assert coloured.attrs["data-bg"] == "#0080ff"
    assert "btn-borderless" in kinds["Delete"]


def test_google_grid_columns_chips_switch_and_labels(google: str) -> None:
    (grid,) = find(google, cls="grid")
    assert "cols-2" in grid.classes
    assert [c.text.strip()[:11] for c in grid.children] == ["First itemo", "Second item"]
    assert find(google, cls="dt-top")[0].text == "Order"
    assert find(google, cls="dt-bottom")[0].text == "Arrives Tuesday"
    (columns,) = find(google, cls="columns")
    assert "fill" in columns.children[0].classes
    assert "fill" not in columns.children[1].classes
    chips = find(google, cls="btn-chip")
    assert [c.text.strip() for c in chips] == ["\u2630Docs", "Later"]
    assert "disabled" in chips[1].attrs
    assert find(google, cls="font-color")[0].attrs["data-color"] == "#80e27e"


def test_google_form_dialog_inputs_and_footer() -> None:
    html = str(card_html(CONTACT_FORM_DIALOG, zone=BERLIN, dialog=True))
    fields = {e.attrs["data-name"]: e for e in find(html) if "data-field" in e.attrs}
    assert set(fields) == {
        "contactName", "notes", "contactBirthdate", "meeting", "callAt",
        "contactType", "interests", "newsletter", "size", "teammates",
    }  # fmt: skip
    name = fields["contactName"]
    assert name.attrs["maxlength"] == "40"
    assert name.attrs["data-autocomplete"]
    (datalist,) = find(html, tag="datalist")
    assert [o.attrs["value"] for o in datalist.children] == ["Sasha", "Charlie"]
    assert fields["notes"].tag == "textarea"
    assert fields["notes"].text == "Met at the offsite"
    # timezoneOffsetDate (330 minutes, India) wins over the person's zone.
    assert fields["meeting"].attrs["value"] == "2026-01-15T15:30"
    assert fields["meeting"].attrs["data-offset"] == "330"
    assert fields["contactBirthdate"].attrs["value"] == "1995-01-01"
    assert fields["callAt"].attrs["value"] == "10:30"  # 09:30 UTC in Berlin
    assert fields["teammates"].attrs["data-max"] == "3"
    assert find(html, tag="input", cls="external-query")[0].attrs["data-external"]
    (footer,) = find(html, cls="card-footer")
    assert [b.text.strip() for b in footer.children] == ["Reset", "Submit"]
    assert find(html, cls="dialog-title")[0].children[0].text == "Add a contact"


@pytest.mark.parametrize(
    ("widget", "named"),
    [
        ({"carousel": {"carouselCards": []}}, "carousel"),
        ({"someFutureWidget": {"x": 1}, "horizontalAlignment": "CENTER"}, "someFutureWidget"),
        ({}, "empty widget"),
        ({"id": "only-an-id"}, "empty widget"),
    ],
)
def test_a_widget_it_cannot_draw_is_a_placeholder_naming_its_type(
    widget: dict[str, object], named: str
) -> None:
    html = str(card_html({"sections": [{"widgets": [{"textParagraph": {"text": "x"}}, widget]}]}))
    (placeholder,) = find(html, cls="unknown-widget")
    assert named in placeholder.text
    assert "cannot show" in placeholder.text


def test_cards_v1_and_add_on_only_parts_are_named_not_blank() -> None:
    html = str(message_html({"cards": [{"sections": []}], "sender": {"type": "BOT"}}))
    assert "Cards v1" in find(html, cls="unknown-widget")[0].text
    html = str(card_html({"cardActions": [{"actionLabel": "x"}], "sections": []}))
    assert "cardActions" in find(html, cls="unknown-widget")[0].text
    button = {"text": "Push", "onClick": {"card": {"sections": []}}}
    html = str(card_html({"sections": [{"widgets": [{"buttonList": {"buttons": [button]}}]}]}))
    assert "onClick.card" in find(html, tag="button")[0].attrs["title"]


def test_message_text_cards_and_accessory_widgets() -> None:
    message = {
        "name": "spaces/A/messages/M",
        "sender": {"name": "users/app", "displayName": "Nudge", "type": "BOT"},
        "createTime": "2026-01-15T12:00:00Z",
        "text": "Hi <users/123>, *done*",
        "privateMessageViewer": {"name": "users/123"},
        "cardsV2": [{"cardId": "c", "card": {"sections": [{"widgets": [{"divider": {}}]}]}}],
        "accessoryWidgets": [
            {
                "buttonList": {
                    "buttons": [{"text": "Edit", "onClick": {"action": {"function": "edit"}}}]
                }
            }
        ],
    }
    html = str(message_html(message, viewer="users/123", zone=BERLIN, people={"users/123": "Ada"}))
    assert find(html, tag="time")[0].text == "13:00"
    assert find(html, cls="private-tag")[0].text == "Only visible to you"
    assert find(html, cls="mention")[0].text == "@Ada"
    assert find(html, cls="message-text")[0].children[1].tag == "b"
    assert find(html, cls="card")[0].attrs["data-card-id"] == "c"
    (accessory,) = find(html, cls="accessory")
    assert accessory.text.strip() == "Edit"
    assert find(html, tag="button")[-1].text.strip() == "Edit"
