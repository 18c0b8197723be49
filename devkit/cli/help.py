"""Help texts for ``nudge``: from the commands' docstrings, without reStructuredText markup."""

from __future__ import annotations

import argparse
import inspect
import re
from collections.abc import Iterator

_LITERAL = re.compile(r"``(.+?)``")
_ROLE = re.compile(r":[a-z]+:`([^`]+)`")


def plain(text: str) -> str:
    """``x`` and :role:`x` as `x`: what a terminal shows well."""
    return _ROLE.sub(r"`\1`", _LITERAL.sub(r"`\1`", text))


def docstring_summary(func: object) -> str:
    """The first paragraph of ``func``'s docstring as one plain line ("" without one)."""
    doc = inspect.getdoc(func) or ""
    return plain(" ".join(doc.split("\n\n", 1)[0].split()))


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """``parser`` and every subcommand parser below it."""
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                yield from _parsers(child)


def _is_leaf(parser: argparse.ArgumentParser) -> bool:
    return not any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)


def described(parser: argparse.ArgumentParser) -> None:
    """Each command's description defaults to its function's docstring; leaves remember
    their parser (``usage_parser``) so a usage error shows the subcommand's usage."""
    for each in _parsers(parser):
        func = each.get_default("func")
        if func is not None and not each.description:
            each.description = docstring_summary(func) or None
        if _is_leaf(each):
            each.set_defaults(usage_parser=each)


def plain_help(parser: argparse.ArgumentParser) -> None:
    """Strip reStructuredText literals from every description, epilog and option help."""
    for each in _parsers(parser):
        each.description = plain(each.description) if each.description else each.description
        each.epilog = plain(each.epilog) if each.epilog else each.epilog
        for action in each._actions:
            if action.help and action.help is not argparse.SUPPRESS:
                action.help = plain(action.help)
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    choice.help = plain(choice.help) if choice.help else choice.help
