"""``nudge web``: open the local web Chat simulator against the running stack."""

from __future__ import annotations

import argparse


def add_web_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``nudge web`` on the CLI's subcommands."""
    from devkit.web.options import DESCRIPTION, add_arguments

    web = sub.add_parser(
        "web",
        help="open the local web Chat simulator: see and click cards and dialogs",
        description=DESCRIPTION + " Start `make run` first.",
    )
    add_arguments(web)
    web.set_defaults(func=cmd_web)


def cmd_web(args: argparse.Namespace) -> int:
    from devkit.web.server import run

    return run(args)
