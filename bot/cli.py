"""Command line: ``python -m bot <command>``; exit 0 ok, 1 partial failure, 2 bad usage/config."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Protocol, cast

from bot import __version__
from bot.errors import ConfigError, DisputewatchError, UserError

log = logging.getLogger(__name__)

# Modules that add subcommands; each has register(subparsers) and sets a `handler` default.
COMMAND_MODULES: tuple[str, ...] = (
    "bot.commands",
    "bot.detect.commands",
    "bot.doctor",
    "bot.stories.commands",
    "bot.discord_commands",
)


class _Registrar(Protocol):
    def register(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """Add this module's subcommands."""


class _ArgumentParser(argparse.ArgumentParser):
    """Exit with 2 and one line on bad usage (argparse's default, kept explicit)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """Build the full argument parser."""
    parser = _ArgumentParser(
        prog="python -m bot",
        description="disputewatch: watch tech news for disputes between tech companies.",
    )
    parser.add_argument("--version", action="version", version=f"disputewatch {__version__}")
    parser.add_argument("--env-file", default=None, help="read settings from this file (.env)")
    sub: argparse._SubParsersAction[argparse.ArgumentParser] = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_ArgumentParser
    )
    for name in COMMAND_MODULES:
        module = cast(_Registrar, importlib.import_module(name))
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = cast(Callable[[argparse.Namespace], int] | None, getattr(args, "handler", None))
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return handler(args)
    except ConfigError as exc:
        sys.stderr.write(f"configuration error: {exc}\n")
        return 2
    except UserError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except DisputewatchError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        # `python -m bot search x --json | head`: the reader went away; that is not an error.
        sys.stderr.close()
        return 0
