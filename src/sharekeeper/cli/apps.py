"""How every ``sharekeeper`` command group is made: Click's plain help (Rich's help panels cost a
third of a second to import and print ``<bool>`` beside every flag), no shell-completion
options, and no pretty tracebacks (a failure is one line; ``--debug`` shows the traceback)."""

from __future__ import annotations

import typer


def command_group(help: str) -> typer.Typer:
    return typer.Typer(
        help=help,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        add_completion=False,
        no_args_is_help=True,
    )
