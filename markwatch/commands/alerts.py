"""`markwatch alerts deliver|digest|dead-letters|retry|repeat-infringers`: the outbox by hand."""

from __future__ import annotations

import argparse
import json
import sys

from alerts.config import AlertsConfigError
from alerts.outbox import OutboxDispatcher
from markwatch.compose import alert_services
from markwatch.settings import Settings

NAME = "alerts"
HELP = "deliver queued alerts, build digests, list and retry dead letters"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="alerts_command", required=True)
    deliver = sub.add_parser("deliver", help="send what is due (one pass, or until idle)")
    deliver.add_argument(
        "--until-idle",
        action="store_true",
        help="keep going through retries until nothing is pending",
    )
    deliver.add_argument(
        "--timeout", type=float, default=300.0, help="seconds to keep going with --until-idle"
    )
    digest = sub.add_parser("digest", help="queue the daily digests of finished days")
    digest.add_argument("--include-today", action="store_true")
    sub.add_parser("dead-letters", help="list messages that gave up (JSON lines)")
    retry = sub.add_parser("retry", help="send dead letters again")
    retry.add_argument("ids", nargs="*", type=int, help="outbox ids (default: all)")
    sub.add_parser("repeat-infringers", help="the repeat-infringer list (JSON lines)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        return _run(args, settings)
    except AlertsConfigError as exc:
        print(f"markwatch: configuration error: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, settings: Settings) -> int:
    with alert_services(settings) as (store, channels):
        command = args.alerts_command
        if command == "deliver":
            dispatcher = OutboxDispatcher(store, channels)
            report = (
                dispatcher.deliver_until_idle(args.timeout)
                if args.until_idle
                else dispatcher.deliver_due()
            )
            print(
                json.dumps(
                    {
                        "sent": report.sent,
                        "retrying": report.retrying,
                        "dead": report.dead,
                        "released": report.released,
                        "outbox": store.outbox_counts(),
                    }
                )
            )
        elif command == "digest":
            print(json.dumps({"digests": store.build_digests(include_today=args.include_today)}))
        elif command == "dead-letters":
            for dead in store.outbox.dead_letters():
                print(
                    json.dumps(
                        {
                            "id": dead.id,
                            "channel": dead.channel,
                            "idempotency_key": dead.idempotency_key,
                            "attempts": dead.attempts,
                            "last_error": dead.last_error,
                            "created_at": dead.created_at,
                        },
                        ensure_ascii=False,
                    )
                )
        elif command == "retry":
            print(json.dumps({"requeued": store.outbox.retry_dead(args.ids or None)}))
        elif command == "repeat-infringers":
            for entry in store.repeat_infringers():
                print(
                    json.dumps(
                        {
                            "seller_id": entry.seller.id,
                            "name": entry.seller.name,
                            "platform": entry.seller.platform,
                            "credit_code": entry.seller.credit_code,
                            "confirmed_alerts": entry.confirmed_alerts,
                            "related_seller_ids": list(entry.related_seller_ids),
                        },
                        ensure_ascii=False,
                    )
                )
    return 0
