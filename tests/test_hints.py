"""The handler a log suggests for an unhandled event: a sensible name and the command's real ID."""

from __future__ import annotations

import builtins

import pytest

from devkit.sample_events import (
    Persona,
    addon_message_event,
    card_click_event,
    legacy_message_event,
)
from shared.chat.events.models import CommandEvent, Event
from shared.chat.events.parse import parse_event
from shared.core.hints import function_name, handler_hint, slug


def hint_for(event: dict[str, object]) -> tuple[str, str]:
    """(decorator line, def line) of the hint for ``event``."""
    parsed: Event = parse_event(event)
    lines = handler_hint(parsed).splitlines()
    [decorator] = [line for line in lines if line.startswith("@router")]
    [define] = [line for line in lines if line.startswith("def ")]
    return decorator, define


@pytest.mark.parametrize(
    ("typed", "ids", "decorator", "function"),
    [
        ("/help", {"/help": 1}, "@router.command('/help', command_id=1)", "on_help"),
        ("/list", {"/list": 12}, "@router.command('/list', command_id=12)", "on_list"),
        ("/frob", {}, "@router.command('/frob')", "on_frob"),  # no ID configured: none invented
        ("/Über-Check", {"/Über-Check": 3}, None, "on_uber_check"),
        ("/2fa", {"/2fa": 4}, None, "on_2fa"),
        ("/日本", {"/日本": 5}, "@router.command('/日本', command_id=5)", "on_command_5"),
    ],
)
def test_command_hints(
    typed: str, ids: dict[str, int], decorator: str | None, function: str
) -> None:
    line, define = hint_for(legacy_message_event(typed, Persona(), ids))
    if decorator is not None:
        assert line == decorator
    assert define.startswith(f"def {function}(event: CommandEvent, ctx: Context)")


def test_an_addon_command_without_a_name_uses_its_id() -> None:
    event = addon_message_event("/help", Persona(), {"/help": 7})
    del event["chat"]["appCommandPayload"]["message"]
    parsed = parse_event(event)
    assert isinstance(parsed, CommandEvent)
    lines = handler_hint(parsed).splitlines()
    assert "@router.command('/command_7', command_id=7)" in lines
    assert any(line.startswith("def on_command_7(") for line in lines)


@pytest.mark.parametrize(
    ("function", "name"),
    [
        ("snooze", "snooze"),
        ("help", "on_help"),  # a builtin
        ("list", "on_list"),
        ("class", "on_class"),  # a keyword
        ("router", "on_router"),  # the pasted module's own name
        ("remind.snooze-later", "remind_snooze_later"),
        ("3rd", "on_3rd"),
        ("…", "on_click"),
    ],
)
def test_action_hints_never_shadow_or_go_blank(function: str, name: str) -> None:
    decorator, define = hint_for(card_click_event(function, {}))
    assert decorator == f"@router.action({function!r})"
    assert define.startswith(f"def {name}(event: CardClickEvent")


def test_names_are_identifiers_that_shadow_nothing() -> None:
    for text in ("help", "id", "", "  ", "a-b", "Ünïcödé", "print", "9"):
        name = function_name(text, "on_event")
        assert name.isidentifier()
        assert name not in dir(builtins)
    assert slug("Café Crème!") == "cafe_creme"
