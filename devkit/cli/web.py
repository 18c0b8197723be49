"""``nudge web``: open the local web Chat simulator against the running stack."""

from __future__ import annotations

import argparse

from devkit.cli.common import EXIT_CONFIG, CliError, local_stack


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
    """Serve the web simulator on the local stack's web port (or ``--port``)."""
    from devkit.ports import port_problem
    from devkit.web.server import run

    stack = local_stack()
    if args.port is None:  # the port `make run` gives the simulator (NUDGE_LOCAL_WEB_PORT)
        args.port = stack.web_port
    problem = port_problem(args.host, args.port)
    if problem is not None:
        served = " (`make run` serves the simulator there already)" * (args.port == stack.web_port)
        raise CliError(
            f"the web simulator cannot start: {problem}{served}. "
            "Pick another port with --port or NUDGE_LOCAL_WEB_PORT.",
            EXIT_CONFIG,
        )
    return run(args)
