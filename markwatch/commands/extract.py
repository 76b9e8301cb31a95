"""`markwatch extract --platform P FILE`: one saved page or API response -> Listing JSONL."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crawler.parsers import PLATFORMS, ParseError, extract
from markwatch.settings import Settings

NAME = "extract"
HELP = "parse one saved page or API response into Listing JSONL (stdout)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--platform",
        default="auto",
        type=str.lower,
        choices=PLATFORMS,
        help="which site the file comes from (default: auto, sniffed from URL and content)",
    )
    parser.add_argument(
        "--url", default="", help="the URL the file was fetched from (resolves relative links)"
    )
    parser.add_argument("file", help="saved page or API response; '-' reads stdin")


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        body = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"markwatch extract: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        listings = extract(args.platform, body, args.url)
    except ParseError as exc:
        print(f"markwatch extract: {args.file}: {exc}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError) as exc:
        # A page shape no parser anticipated: still one line, and the exit code of bad input.
        print(
            f"markwatch extract: {args.file}: {args.platform}: unreadable page "
            f"({type(exc).__name__}: {exc})",
            file=sys.stderr,
        )
        return 2
    out = sys.stdout
    for listing in listings:
        out.write(json.dumps(listing.to_dict(), ensure_ascii=False) + "\n")
    out.flush()
    if not listings:
        print(f"markwatch extract: {args.file}: no listings found", file=sys.stderr)
    return 0
