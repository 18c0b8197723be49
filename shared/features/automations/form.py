"""The settings form: what the dialog holds, read back, checked, and turned into settings.

``check`` validates everything before anything is stored and returns every problem at
once, as plain sentences (the dialog escapes them):

* welcome text: at most ``welcome.MAX_WELCOME`` characters, and some text when on;
* watch words: see ``matching.parse_watch_words``; the pattern must compile with RE2
  (``matching.compile_pattern``: length cap, memory budget, RE2 syntax);
* alert space: ``spaces/ID`` or a link to the space; Nudge must be in it and so must the
  manager (alerts quote this space's messages there), and there must be something to watch;
* webhook: a mode (``off``, ``all``, ``matches``); unless off, a URL that passes
  ``targets.resolve_target`` (https, public addresses only), watch words or a pattern
  for ``matches``, and ``NUDGE_TOKEN_KEY`` to seal its secret.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from shared.chat.events.models import FormInputs
from shared.features.automations import managers, matching, targets
from shared.features.automations.welcome import MAX_WELCOME
from shared.google.errors import ApiError, NotFound, PermissionDenied
from shared.store.spaces import SpaceSettings

if TYPE_CHECKING:
    from shared.chat.events.models import User
    from shared.services import Services

MODES = {
    "off": "Off",
    "all": "Every message",
    "matches": "Messages matching the watch words or pattern",
}
#: ``spaces/ID``, or the ID inside a Chat link (``/room/ID``, ``#chat/space/ID``).
_SPACE = re.compile(r"(?:^spaces/|/room/|/space/|/dm/)([A-Za-z0-9_-]{1,128})(?:[/?#]|$)")


@dataclass(frozen=True, slots=True)
class Form:
    """The dialog's fields, as typed."""

    welcome_on: bool = False
    welcome_text: str = ""
    watch_words: str = ""
    watch_pattern: str = ""
    alert_space: str = ""
    webhook_url: str = ""
    webhook_mode: str = "off"

    @classmethod
    def read(cls, inputs: FormInputs) -> Form:
        return cls(
            welcome_on="on" in inputs.values("welcome_on"),
            welcome_text=inputs.text("welcome_text").strip(),
            watch_words=inputs.text("watch_words").strip(),
            watch_pattern=inputs.text("watch_pattern").strip(),
            alert_space=inputs.text("alert_space").strip(),
            webhook_url=inputs.text("webhook_url").strip(),
            webhook_mode=inputs.text("webhook_mode") or "off",
        )

    @classmethod
    def of(cls, settings: SpaceSettings) -> Form:
        return cls(
            welcome_on=settings.welcome_on,
            welcome_text=settings.welcome_text,
            watch_words=", ".join(settings.watch_words),
            watch_pattern=settings.watch_pattern,
            alert_space=settings.alert_space,
            webhook_url=settings.webhook_url,
            webhook_mode=settings.webhook_mode if settings.webhook_mode in MODES else "off",
        )


@dataclass(frozen=True, slots=True)
class Checked:
    """What ``check`` made of a form: the settings to store (or problems), and whether the
    webhook needs a new secret (a first URL, or one on another host)."""

    settings: SpaceSettings | None
    problems: tuple[str, ...] = ()
    needs_secret: bool = False


def space_name(raw: str) -> str | None:
    """``spaces/ID`` from ``spaces/ID`` or a Chat link to a space; ``None`` if neither."""
    found = _SPACE.search(raw.strip())
    return f"spaces/{found.group(1)}" if found else None


def _host(url: str) -> str:
    try:
        return (urllib.parse.urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def check(
    form: Form,
    current: SpaceSettings,
    *,
    services: Services,
    user: User,
    resolver: targets.Resolver,
) -> Checked:
    """Validate ``form`` against what is stored; the new settings or every problem."""
    problems: list[str] = []
    if len(form.welcome_text) > MAX_WELCOME:
        problems.append(f"The welcome text is too long: {MAX_WELCOME} characters at most.")
    if form.welcome_on and not form.welcome_text:
        problems.append("Write a welcome text, or switch the welcome off.")

    words, word_problems = matching.parse_watch_words(form.watch_words)
    problems += word_problems
    if form.watch_pattern:
        try:
            matching.compile_pattern(form.watch_pattern)
        except matching.PatternError as exc:
            problems.append(str(exc))
    watching = bool(words or form.watch_pattern)

    alert_space = ""
    if form.alert_space:
        found = space_name(form.alert_space)
        if found is None:
            problems.append("The alert space must look like spaces/AAAA… or be a link to it.")
        else:
            alert_space = found
            problems += _alert_space_problems(services, alert_space, user)
            if not watching:
                problems.append("Keyword alerts need watch words or a pattern to watch for.")

    mode = form.webhook_mode
    needs_secret = False
    if mode not in MODES:
        problems.append("Pick what the webhook forwards.")
        mode = "off"
    if mode != "off":
        problems += _webhook_problems(services, form.webhook_url, resolver)
        if mode == "matches" and not watching:
            problems.append("Forwarding matching messages needs watch words or a pattern.")
        if not services.settings.token_key:
            problems.append(
                "Webhooks need NUDGE_TOKEN_KEY to store their signing secret; "
                "ask whoever runs Nudge to set it."
            )
        needs_secret = not current.webhook_secret or _host(form.webhook_url) != _host(
            current.webhook_url
        )
    elif form.webhook_url:
        try:
            targets.check_shape(form.webhook_url, allow_private=True)
        except targets.UnsafeTarget as exc:
            problems.append(f"Webhook URL: {exc}")

    if problems:
        return Checked(None, tuple(problems))
    changed = replace(
        current,
        welcome_on=form.welcome_on,
        welcome_text=form.welcome_text,
        watch_words=words,
        watch_pattern=form.watch_pattern,
        alert_space=alert_space,
        webhook_url=form.webhook_url,
        webhook_mode=mode,
        updated_by=user.name,
    )
    if mode != "off":  # (re)enabled: a clean slate
        changed = replace(changed, webhook_failures=0, webhook_disabled_reason="")
    if not form.webhook_url:
        changed = replace(changed, webhook_secret="", webhook_failures=0)
    return Checked(changed, (), needs_secret)


def _alert_space_problems(services: Services, alert_space: str, user: User) -> list[str]:
    try:
        if managers.is_member(services, alert_space, user.name):
            return []
    except (NotFound, PermissionDenied):
        return [f"Nudge isn't a member of {alert_space}: add it there first."]
    except ApiError as exc:
        return [f"Couldn't check {alert_space} just now ({exc.reason or exc.status}); try again."]
    return [f"You need to be a member of {alert_space} to send alerts there."]


def _webhook_problems(services: Services, url: str, resolver: targets.Resolver) -> list[str]:
    if not url:
        return ["Give the webhook's URL, or set it to Off."]
    try:
        targets.resolve_target(
            url, resolver=resolver, allow_private=services.settings.allow_private_webhooks
        )
    except targets.UnsafeTarget as exc:
        return [f"Webhook URL: {exc}"]
    except targets.Unresolvable:
        return ["Webhook URL: its host name did not resolve; check it and try again."]
    return []
