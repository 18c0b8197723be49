"""Every input widget in a real browser: what the page collects is what Chat would send.

A scripted app (tests/devkit/web/scripted_app.py) answers ``/help`` with Google's
contact-form card plus a switch, so that each widget kind is filled in the page and
its value checked in the ``CARD_CLICKED`` event; typing into autocomplete fields sends
``WIDGET_UPDATED`` and the suggestions show.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from devkit.devkey import DevKey
from devkit.emulator import ChatEmulator
from devkit.web import WebSimulator
from tests.devkit.web.samples import CONTACT_FORM_DIALOG
from tests.devkit.web.scripted_app import ScriptedApp

pytestmark = [pytest.mark.needs("chromium"), pytest.mark.slow]

SWITCH = {
    "decoratedText": {
        "text": "Notify me",
        "switchControl": {"name": "notify", "value": "yes", "controlType": "SWITCH"},
    }
}


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def form_card() -> dict[str, Any]:
    card = copy.deepcopy(CONTACT_FORM_DIALOG)
    footer = card.pop("fixedFooter")
    widgets = card["sections"][0]["widgets"]
    widgets.append(SWITCH)
    widgets.append({"buttonList": {"buttons": [footer["primaryButton"]]}})
    return card


def answer(event: dict[str, Any]) -> dict[str, Any]:
    if event["type"] == "APP_COMMAND":
        return {"cardsV2": [{"cardId": "form", "card": form_card()}]}
    if event["type"] == "WIDGET_UPDATED":
        query = event["common"]["parameters"]["autocomplete_widget_query"]
        items = [{"text": f"{query} one", "value": f"{query}-1"}, {"text": f"{query} two"}]
        return {
            "actionResponse": {
                "type": "UPDATE_WIDGET",
                "updatedWidget": {"suggestions": {"items": items}},
            }
        }
    return {"actionResponse": {"type": "UPDATE_MESSAGE"}, "text": "Thanks!"}


@pytest.fixture(scope="module")
def scripted() -> Iterator[tuple[WebSimulator, ScriptedApp]]:
    with ChatEmulator(port=0) as emulator, ScriptedApp() as app:
        app.answer = answer
        simulator = WebSimulator(
            app_url=app.url,
            emulator_url=emulator.url,
            key=DevKey.generate(),
            audience="424242424242",
            command_ids={"/help": 1},
        )
        with simulator:
            yield simulator, app


def test_every_input_widget_sends_what_chat_would(
    browser: Any, scripted: tuple[WebSimulator, ScriptedApp]
) -> None:
    simulator, app = scripted
    context = browser.new_context(viewport={"width": 1440, "height": 1200})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(simulator.url + "?tz=Asia/Kolkata")
        page.fill("#compose-text", "/help")
        page.press("#compose-text", "Enter")
        card = page.locator("article.message .card")
        expect(card).to_be_visible()

        name = card.get_by_label("First and last name")
        name.fill("Sa")
        expect(name).to_have_attribute("data-suggestions", "2")
        offered = name.evaluate("field => [...field.list.options].map(o => o.value)")
        assert offered == ["Sa-1", "Sa two"]
        name.fill("Sasha Lovelace")
        card.get_by_label("Notes").fill("Likes chess")
        card.get_by_label("Birthdate").fill("1990-05-17")
        card.get_by_label("Meet at").fill("2026-02-01T10:15")
        card.get_by_label("Call at").fill("08:45")
        card.get_by_label("Work").check()
        card.get_by_label("Go").check()
        card.get_by_label("Chess").uncheck()
        card.get_by_label("Subscribe").check()
        card.get_by_label("Size").select_option("S")
        search = card.locator("input.external-query")
        search.fill("iv")
        expect(search).to_have_attribute("data-suggestions", "2")
        card.get_by_label("Teammates", exact=True).select_option(["users/1", "iv-1"])
        card.get_by_label("notify").check()
        card.get_by_role("button", name="Submit").click()
        expect(page.locator("article.message", has_text="Thanks!")).to_be_visible()
    finally:
        context.close()
    assert errors == []
    widget_events = [e for e in app.events if e["type"] == "WIDGET_UPDATED"]
    assert widget_events[0]["common"]["invokedFunction"] == "suggestNames"
    assert widget_events[-1]["common"]["invokedFunction"] == "findPeople"
    (click,) = [e for e in app.events if e["type"] == "CARD_CLICKED"]
    assert click["common"]["invokedFunction"] == "submitForm"
    assert click["common"]["timeZone"]["id"] == "Asia/Kolkata"
    inputs = click["common"]["formInputs"]
    strings = {k: v["stringInputs"]["value"] for k, v in inputs.items() if "stringInputs" in v}
    assert strings == {
        "contactName": ["Sasha Lovelace"],
        "notes": ["Likes chess"],
        "contactType": ["Work"],
        "interests": ["go"],
        "newsletter": ["yes"],
        "size": ["S"],
        "teammates": ["users/1", "iv-1"],
        "notify": ["yes"],
    }
    assert inputs["contactBirthdate"] == {"dateInput": {"msSinceEpoch": "642902400000"}}
    # "Meet at" has timezoneOffsetDate 330: read in UTC+5:30, whatever the person's zone.
    assert inputs["meeting"]["dateTimeInput"]["msSinceEpoch"] == "1769921100000"
    assert inputs["callAt"] == {"timeInput": {"hours": 8, "minutes": 45}}
