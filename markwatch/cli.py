"""`markwatch` command line: parses arguments, loads settings once, dispatches."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from markwatch.config import ConfigError
from markwatch.settings import load_settings
from testbed.realworld import RealWorldDataMissing

# Sub-command modules under markwatch.commands, in help order.
COMMAND_MODULES: tuple[str, ...] = (
    "demo",
    "testbed",
    "crawl",
    "login",
    "detect",
    "extract",
    "eval",
    "eval_images",
    "serve",
    "schedule",
    "evidence",
    "alerts",
    "reindex",
    "bench",
)


def _load_commands() -> list[ModuleType]:
    modules = []
    for name in COMMAND_MODULES:
        try:
            modules.append(importlib.import_module(f"markwatch.commands.{name}"))
        except ModuleNotFoundError as exc:
            # A command whose module is not written yet is simply absent.
            if exc.name != f"markwatch.commands.{name}":
                raise
    return modules


def build_parser(modules: Sequence[ModuleType]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="markwatch", description=__doc__)
    parser.add_argument(
        "--config", help="TOML configuration file (default: markwatch.toml if present)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for module in modules:
        command_parser = sub.add_parser(module.NAME, help=module.HELP)
        module.add_arguments(command_parser)
        command_parser.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(_load_commands())
    args = parser.parse_args(argv)
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"markwatch: configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        return int(args._run(args, settings) or 0)
    except RealWorldDataMissing as exc:
        print(f"markwatch: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
