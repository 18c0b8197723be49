"""``nudge tick`` and ``nudge reminders list``: run the tick by hand, see what is stored."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from devkit.cli.common import EXIT_CONFIG, CliError, emit, settings_for


def _runtime(args: argparse.Namespace) -> Any:
    from shared.config import ConfigError
    from shared.wiring import Runtime

    try:
        return Runtime(settings_for(args))
    except ConfigError as exc:
        raise CliError(str(exc), EXIT_CONFIG) from None


def cmd_tick(args: argparse.Namespace) -> int:
    """One tick, now, as Cloud Scheduler's would run: every feature's tick jobs."""
    reports = _runtime(args).tick()
    lines = [
        f"{r.job}: {r.done} done, {r.left} left"
        + (" (FAILED)" if r.failed else "")
        + (f"; {r.notes}" if r.notes else "")
        for r in reports
    ] or ["no tick jobs are installed"]
    emit(args, [asdict(r) for r in reports], "\n".join(lines))
    return 0


def _when(epoch: float | None, zone: str) -> str:
    if epoch is None:
        return "-"
    moment = datetime.fromtimestamp(epoch, UTC)
    text = moment.strftime("%Y-%m-%d %H:%M UTC")
    if zone:
        from zoneinfo import ZoneInfo

        try:
            local = moment.astimezone(ZoneInfo(zone))
            text += f" ({local:%H:%M} {zone})"
        except (ValueError, KeyError):
            pass
    return text


def cmd_reminders_list(args: argparse.Namespace) -> int:
    """Every stored reminder (or one user's, or one space's), soonest first."""
    services = _runtime(args).services
    store = services.reminders()
    if args.user:
        items: list[Any] = []
        offset: int | None = 0
        while offset is not None:
            page = store.owned_by(args.user, offset=offset, limit=100)
            items.extend(page.items)
            offset = page.next_offset
    elif args.space:
        items = store.in_space(args.space)
    else:
        items, offset = [], 0
        while offset is not None:
            page = store.listing(offset=offset, limit=100)
            items.extend(page.items)
            offset = page.next_offset
    rows = [
        f"{r.id}  {r.state.value:8}  {_when(r.next_fire, r.zone):32}  "
        f"{r.space or 'DM of ' + (r.mention or r.owner):28}  {r.text[:60]}"
        for r in items
    ]
    payload = [{**asdict(r), "schedule": dict(r.schedule), "state": r.state.value} for r in items]
    emit(args, payload, "\n".join(rows) or "no reminders are stored")
    return 0
