"""`markwatch testbed`: serve the replica sites on loopback."""

from __future__ import annotations

import argparse
import sys

from markwatch.settings import Settings
from testbed.generate import DEFAULT_SEED
from testbed.realworld import realworld_dir
from testbed.server import Testbed, TestbedServer

NAME = "testbed"
HELP = "serve the replica marketplaces (GET /_truth.json lists the expected verdicts)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8800)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--scale", type=int, default=1, help="multiply the listing count")
    parser.add_argument(
        "--server",
        choices=("asgi", "threaded"),
        default="asgi",
        help="asgi: uvicorn over pre-rendered pages (default); threaded: the stdlib server",
    )
    parser.add_argument(
        "--no-prerender",
        action="store_true",
        help="render pages on first request (large --scale: keeps memory down)",
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    realworld_dir()  # the replicas' photos come from it: fail before serving, not per image
    server = TestbedServer(
        Testbed.build(args.seed, args.scale), args.host, args.port, kind=args.server
    )
    if not args.no_prerender:
        rendered = server.prerender()
        print(f"testbed: {rendered} pages and photos pre-rendered", file=sys.stderr)
    print(f"testbed serving {len(server.bed.listings)} listings on {server.url}", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0
