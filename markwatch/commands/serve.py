"""`markwatch serve`: the console and the REST API (OpenAPI at /openapi.json).

The first admin account comes from MARKWATCH_ADMIN_USER / MARKWATCH_ADMIN_PASSWORD when
no account exists yet (passwords never go on a command line, where `ps` shows them).
"""

from __future__ import annotations

import argparse
import sys

import uvicorn

from console.app import create_app
from console.auth import AuthError
from console.routes.admin import create_account
from console.web import ConsoleDeps
from markwatch.compose import services
from markwatch.console_wiring import build_console
from markwatch.settings import Settings

NAME = "serve"
HELP = "serve the console and REST API"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)


def bootstrap_admin(deps: ConsoleDeps, settings: Settings) -> str | None:
    """Create the first admin from the configuration; the name created, or None."""
    name, password = settings.admin_user, settings.admin_password
    if not name or not password or deps.auth.users():
        return None
    create_account(deps, name, password, "admin", display_name=name)
    return name


def run(args: argparse.Namespace, settings: Settings) -> int:
    with services(settings) as svc:
        deps = build_console(settings, svc.index, svc.alerts, svc.catalog)
        try:
            created = bootstrap_admin(deps, settings)
        except AuthError as exc:
            print(f"markwatch serve: cannot create the admin: {exc}", file=sys.stderr)
            return 2
        if created:
            print(f"created admin account {created!r}", file=sys.stderr)
        elif not deps.auth.users():
            print(
                "no accounts yet: set MARKWATCH_ADMIN_USER and MARKWATCH_ADMIN_PASSWORD "
                "to create the first admin",
                file=sys.stderr,
            )
        uvicorn.run(
            create_app(deps),
            host=args.host,
            port=args.port,
            log_level="info",
            # The console reads X-Forwarded-For itself, from [console] trusted_proxies only.
            proxy_headers=False,
        )
    return 0
