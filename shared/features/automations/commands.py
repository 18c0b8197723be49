"""``/nudge settings``: show a space's automations and edit them in a dialog (managers only).

``/nudge settings`` (or ``/nudge`` alone) answers privately with the summary card and an
*Edit settings…* button that opens the dialog (when the command is configured to open a
dialog, it opens at once). Saving validates everything (``form.check``) and redraws the
dialog with every problem on top, or stores the settings compare-and-set against the
version the dialog was drawn from: if someone changed them meanwhile, the dialog says so
and keeps what was typed. A webhook's signing secret is created when a webhook is first
set (or moves to another host) and by *New secret*; it is shown once, in the dialog.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from shared.chat.events.models import CommandEvent, DialogCancelEvent, DialogSubmitEvent, Event
from shared.chat.responses import CloseDialog, DialogStatus, OpenDialog, Reply, Response
from shared.core.router import Router
from shared.features.automations import managers, panel, records, targets
from shared.features.automations.form import Form, check
from shared.store.spaces import SpaceSettings

if TYPE_CHECKING:
    from shared.core.context import Context

log = logging.getLogger(__name__)

CHANGED = (
    "Someone changed these settings while you were editing them. "
    "Your changes are still here: check them and save again."
)
NO_KEY = (
    "Webhooks need a working NUDGE_TOKEN_KEY to store their signing secret; "
    "ask whoever runs Nudge to set it."
)
USAGE = "Use /nudge settings to see and change this space's automations (managers only)."


def _refused(event: Event, ctx: Context) -> str:
    return managers.refusal(ctx.services, event.space, event.user)


def _version(event: DialogSubmitEvent) -> int:
    """The settings' version the dialog was drawn from (-1 when the button lost it)."""
    raw = event.parameters.get("version", "")
    return int(raw) if raw.isdigit() else -1


def _dialog(
    stored: SpaceSettings,
    form: Form | None = None,
    *,
    version: int | None = None,
    errors: tuple[str, ...] = (),
    notice: str = "",
) -> OpenDialog:
    """The dialog over ``stored`` (filled with ``form`` when given); ``version`` is what the
    next save compares against (by default, ``stored``'s)."""
    card = panel.settings_dialog(
        form or Form.of(stored),
        stored,
        version=stored.version if version is None else version,
        errors=errors,
        notice=notice,
    )
    return OpenDialog(card)


def build_router(resolver: targets.Resolver) -> Router:
    """The ``/nudge`` command and the dialog's buttons; ``resolver`` checks webhook hosts."""
    router = Router()

    @router.command(
        "/nudge",
        description="See and change this space's automations (managers)",
        usage="settings",
    )
    def nudge(event: CommandEvent, ctx: Context) -> Response:
        if event.argument_text.strip().lower() not in ("", "settings"):
            return Reply(USAGE, private=True)
        refusal = _refused(event, ctx)
        if refusal:
            if event.is_dialog_request:
                return OpenDialog(panel.refusal_card(refusal))
            return Reply(refusal, private=True)
        settings = records.load(ctx.services, event.space.name)
        if event.is_dialog_request:
            return _dialog(settings)
        return Reply(cards=(panel.summary_card(settings),), private=True)

    @router.action(panel.OPEN)
    def open_dialog(event: Event, ctx: Context) -> Response:
        refusal = _refused(event, ctx)
        if refusal:
            return OpenDialog(panel.refusal_card(refusal))  # Chat expects a dialog here
        return _dialog(records.load(ctx.services, event.space.name))

    @router.dialog_submit(panel.SAVE)
    def save(event: DialogSubmitEvent, ctx: Context) -> Response:
        refusal = _refused(event, ctx)
        if refusal:
            return CloseDialog(DialogStatus.PERMISSION_DENIED, refusal)
        services = ctx.services
        space = event.space.name
        form = Form.read(event.form_inputs)
        current = records.load(services, space)
        checked = check(form, current, services=services, user=event.user, resolver=resolver)
        seen = _version(event)
        if checked.settings is None:
            # Keep the version the dialog was drawn from, so a change meanwhile still shows.
            return _dialog(current, form, version=seen, errors=checked.problems)
        wanted = replace(checked.settings, version=seen)
        secret = ""
        if checked.needs_secret:
            from shared.features.automations.webhooks import (
                SecretUnavailable,
                new_secret,
                seal_secret,
            )

            secret = new_secret()
            try:
                wanted = replace(
                    wanted, webhook_secret=seal_secret(services.settings, space, secret)
                )
            except SecretUnavailable:
                return _dialog(current, form, version=seen, errors=(NO_KEY,))
        saved = services.spaces().put_space(wanted)
        if saved is None:
            return _dialog(records.load(services, space), form, errors=(CHANGED,))
        log.info(
            "space automations saved",
            extra={"fields": {"space": space, "by": event.user.name, "version": saved.version}},
        )
        if secret:
            return _dialog(saved, notice="Saved.<br>" + panel.secret_notice(secret))
        return CloseDialog(DialogStatus.OK, "Automations saved.")

    @router.dialog_submit(panel.SECRET)
    def new_secret_for_hook(event: DialogSubmitEvent, ctx: Context) -> Response:
        from shared.features.automations.webhooks import (
            SecretUnavailable,
            new_secret,
            seal_secret,
        )

        refusal = _refused(event, ctx)
        if refusal:
            return CloseDialog(DialogStatus.PERMISSION_DENIED, refusal)
        services = ctx.services
        space = event.space.name
        form = Form.read(event.form_inputs)
        secret = new_secret()
        try:
            sealed = seal_secret(services.settings, space, secret)
        except SecretUnavailable:
            return _dialog(
                records.load(services, space), form, version=_version(event), errors=(NO_KEY,)
            )
        saved = records.update(
            services,
            space,
            lambda current: replace(current, webhook_secret=sealed, updated_by=event.user.name),
        )
        assert saved is not None  # the change always writes
        log.info("webhook secret replaced", extra={"fields": {"space": space}})
        note = panel.secret_notice(secret)
        if not saved.webhook_url:
            note += "<br>Set the webhook URL and what it forwards, then save."
        # Only the secret changed: a dialog drawn from the version just before stays current.
        seen = _version(event)
        return _dialog(
            saved, form, version=saved.version if seen == saved.version - 1 else seen, notice=note
        )

    @router.dialog_cancel(panel.SAVE)
    def cancel(event: DialogCancelEvent, ctx: Context) -> Response:
        return CloseDialog(DialogStatus.CANCELLED)

    return router
