"""The web simulator in a real headless Chromium against the real app, emulator and tick.

Each flow runs as two different people in the two event formats, switched in the
page: /help shows its card; a click updates a card in place; the /remind dialog
shows the app's validation errors inside it, then closes with a toast; a reminder
the tick posts arrives in the open page without a reload. The README's screenshot
(docs/images/simulator.png) is taken here, so it always shows the current page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.stack import ROOT, Stack

pytestmark = [pytest.mark.needs("chromium"), pytest.mark.slow]

SCREENSHOT = ROOT / "docs" / "images" / "simulator.png"
WHO = [
    pytest.param("Dev User", "legacy", "Europe/Berlin", id="dev-legacy"),
    pytest.param("Alex Example", "addon", "America/New_York", id="alex-addon"),
]


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def choose(page: Any, select: str, value: str) -> None:
    """Pick ``value`` in a settings ``select``; the page reloads with it (when it changed)."""
    if page.eval_on_selector(select, "el => el.value") != value:
        with page.expect_navigation():
            page.select_option(select, value=value)
    expect(page.locator(select)).to_have_value(value)
    expect(page.locator("body[data-ready='1']")).to_have_count(1)


def open_as(page: Any, stack: Stack, person: str, fmt: str, zone: str) -> None:
    """Open the page, then pick the person, format and zone with the page's own controls."""
    page.goto(stack.simulator.url)
    expect(page.locator("body[data-ready='1']")).to_have_count(1)
    user = page.locator("#user option", has_text=person).get_attribute("value")
    choose(page, "#user", user)
    choose(page, "#format", fmt)
    page.fill("#tz", zone)
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    body = page.locator("body")
    expect(body).to_have_attribute("data-user", user)
    expect(body).to_have_attribute("data-format", fmt)
    expect(body).to_have_attribute("data-tz", zone)
    expect(page.locator("body[data-ready='1']")).to_have_count(1)


def say(page: Any, text: str) -> None:
    page.fill("#compose-text", text)
    page.press("#compose-text", "Enter")
    expect(page.locator("#compose-text")).to_have_value("")


def message(page: Any, text: str) -> Any:
    return page.locator("article.message", has_text=text)


def events_sent(stack: Stack, kind: str) -> list[dict[str, Any]]:
    """The events of ``kind`` the simulator sent, newest first."""
    return [
        json.loads(e.event)
        for e in stack.simulator.simulator.log.after(0)
        if e.title.startswith(kind)
    ]


@pytest.mark.parametrize(("person", "fmt", "zone"), WHO)
def test_help_card_and_a_click_that_updates_the_card_in_place(
    page: Any, stack: Stack, person: str, fmt: str, zone: str
) -> None:
    open_as(page, stack, person, fmt, zone)
    say(page, "/help")
    help_card = message(page, "Nudge commands")
    expect(help_card).to_be_visible()
    expect(help_card).to_contain_text("/remind")
    expect(help_card.locator(".private-tag")).to_have_text("Only visible to you")

    other = "Alex Example" if person == "Dev User" else "Dev User"
    say(page, f"/remind @{other.split()[0].lower()} to stretch in 10 minutes")
    confirmation = message(page, "Reminder set")
    expect(confirmation).to_contain_text(f"@{other}: stretch")  # a real USER_MENTION
    name = confirmation.get_attribute("data-name")
    confirmation.get_by_role("button", name="Undo").click()
    same = page.locator(f'article.message[data-name="{name}"]')
    expect(same).to_contain_text("Deleted")
    expect(message(page, "Reminder set")).to_have_count(0)

    clicks = events_sent(stack, "CARD_CLICKED")
    assert clicks, "no click reached the app"
    common = clicks[0].get("common") or clicks[0].get("commonEventObject")
    assert common["timeZone"]["id"] == zone
    assert common["userLocale"] == "en"
    assert ("commonEventObject" in clicks[0]) == (fmt == "addon")


@pytest.mark.parametrize(("person", "fmt", "zone"), WHO)
def test_the_remind_dialog_shows_validation_errors_then_closes(
    page: Any, stack: Stack, person: str, fmt: str, zone: str
) -> None:
    open_as(page, stack, person, fmt, zone)
    say(page, "/remind")
    message(page, "Reminders").get_by_role("button", name="New reminder…").click()
    dialog = page.locator("#dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".dialog-title")).to_contain_text("New reminder")
    expect(dialog.get_by_label("When")).to_have_value(re.compile(r"\d{4}-\d\d-\d\dT\d\d:00"))

    dialog.get_by_role("button", name="Create reminder").click()  # nothing typed
    expect(dialog).to_contain_text("Say what to remind you of.")
    expect(dialog).to_be_visible()

    dialog.get_by_label("Remind me to").fill("water the plants")
    dialog.get_by_role("button", name="Create reminder").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#toast")).to_contain_text("set for")
    submits = [e for e in events_sent(stack, "CARD_CLICKED") if "SUBMIT_DIALOG" in json.dumps(e)]
    inputs = (submits[0].get("common") or submits[0]["commonEventObject"])["formInputs"]
    assert inputs["what"] == {"stringInputs": {"value": ["water the plants"]}}
    assert inputs["when"]["dateTimeInput"]["hasTime"] is True


@pytest.mark.parametrize(("person", "fmt", "zone"), WHO)
def test_a_reminder_the_tick_posts_arrives_live_and_done_updates_it(
    page: Any, stack: Stack, person: str, fmt: str, zone: str
) -> None:
    open_as(page, stack, person, fmt, zone)
    say(page, "/remind here stand-up in 1 minute")
    expect(message(page, "Reminder set")).to_be_visible()
    page.evaluate("window.__sameDocument = true")

    stack.tick()  # as reminders_tick would, two minutes from now

    delivered = message(page, "⏰ stand-up")
    expect(delivered).to_be_visible(timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True, "the page reloaded"
    name = delivered.get_attribute("data-name")
    delivered.get_by_role("button", name="Done", exact=True).click()
    expect(page.locator(f'article.message[data-name="{name}"]')).to_contain_text("Done ✓ by")


def test_screenshot_for_the_readme(page: Any, stack: Stack) -> None:
    open_as(page, stack, "Dev User", "legacy", "Europe/Berlin")
    say(page, "/remind here stand-up every weekday at 9:30am")
    expect(message(page, "Reminder set")).to_be_visible()
    say(page, "/remind here stretch in 1 minute")
    expect(message(page, "Reminder set")).to_have_count(2)
    stack.tick()
    expect(message(page, "⏰ stretch")).to_be_visible(timeout=15_000)
    page.locator("#exchanges .exchange").first.locator("summary").first.click()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000


def test_hostile_text_stays_text_under_a_strict_csp(page: Any, stack: Stack) -> None:
    open_as(page, stack, "Dev User", "legacy", "UTC")
    hostile = '<script>window.pwned=1</script> <img src=x onerror="window.pwned=2"> <users/all>'
    say(page, hostile)
    typed = message(page, "window.pwned=1")
    expect(typed).to_be_visible()
    expect(typed.locator(".message-text")).to_have_text(hostile)
    assert page.evaluate("window.pwned") is None
    assert page.locator("#timeline script, #timeline img").count() == 0
    csp = page.request.get(stack.simulator.url).headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_card_preview_shows_widgets_placeholders_and_limit_errors(
    page: Any, stack: Stack, tmp_path: Path
) -> None:
    page.goto(stack.simulator.url + "preview")
    card = {
        "header": {"title": "Preview <b>me</b>"},
        "sections": [
            {
                "widgets": [
                    {"textParagraph": {"text": '<a href="javascript:alert(1)">x</a>'}},
                    {"carousel": {"carouselCards": []}},
                    {"columns": {"columnItems": [{"widgets": []}] * 3}},
                ]
            }
        ],
    }
    page.fill("#json", json.dumps(card))
    page.get_by_role("button", name="Render").click()
    expect(page.locator(".errors")).to_contain_text("Columns has 3 columns")
    expect(page.locator(".unknown-widget")).to_contain_text("carousel")
    expect(page.locator(".preview-result a")).to_have_count(0)  # javascript: is no link

    page.fill("#json", json.dumps({"cardsV2": [{"cardId": "a", "card": {"sections": []}}], "x": 1}))
    page.get_by_role("button", name="Render").click()
    expect(page.locator(".errors")).to_contain_text('Unknown name "x"')
