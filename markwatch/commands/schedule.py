"""`markwatch schedule`: run the crawl schedule from config; `--history` shows past crawls."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from console.console_store import existing_console_store
from markwatch.scheduler import (
    CrawlHistory,
    JobSpec,
    RunRecord,
    ScheduleError,
    Scheduler,
    SubprocessRunner,
    history_target,
)
from markwatch.settings import Settings

NAME = "schedule"
HELP = "run the crawl schedule from config (cron per spider and keyword set)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--once", action="store_true", help="start whatever is due now, wait for it, exit"
    )
    parser.add_argument(
        "--history",
        type=int,
        nargs="?",
        const=30,
        default=None,
        metavar="N",
        help="print the last N crawls (default 30) and exit",
    )
    parser.add_argument("--job", default=None, help="with --history: only this job")


def format_history(records: list[RunRecord]) -> list[str]:
    head = (
        f"{'id':>5} {'job':<20} {'status':<16} {'started':<20} {'ended':<20} "
        f"{'pages':>6} {'items':>6} {'errors':>6} {'alerts':>6}  args / operator alert"
    )
    lines = [head]
    for r in records:
        extra = " ".join(f"{k}={v}" for k, v in r.args.items())
        if r.operator_alert:
            extra += f"  !! {r.operator_alert}"
        lines.append(
            f"{r.id:>5} {r.job[:20]:<20} {r.status:<16} {(r.started_at or '-')[:19]:<20} "
            f"{(r.ended_at or '-')[:19]:<20} {_n(r.pages):>6} {_n(r.items):>6} "
            f"{_n(r.errors):>6} {_n(r.alerts):>6}  {extra}"
        )
    return lines


def _n(value: int | None) -> str:
    return "-" if value is None else str(value)


def console_jobs(settings: Settings, configured: Sequence[JobSpec]) -> list[JobSpec]:
    """Enabled schedules that admins saved in the console (config-file jobs win on names)."""
    with existing_console_store(settings.store_url) as store:
        if store is None:
            return []
        taken = {job.name for job in configured}
        return [
            JobSpec(name=s.name, spider=s.spider, cron=s.cron, args=dict(s.arguments))
            for s in store.schedules()
            if s.enabled and s.name not in taken
        ]


def run(args: argparse.Namespace, settings: Settings) -> int:
    base = settings.data_dir / "schedule"
    history = CrawlHistory(history_target(settings.data_dir, settings.db_url))
    try:
        if args.history is not None:
            for line in format_history(history.recent(args.history, args.job)):
                print(line)
            return 0
        try:
            config = dataclasses.replace(
                settings.schedule,
                jobs=(*settings.schedule.jobs, *console_jobs(settings, settings.schedule.jobs)),
            )
            evidence = settings.evidence
        except (ScheduleError, ValueError) as exc:  # jobs saved in the console
            print(f"markwatch schedule: configuration error: {exc}", file=sys.stderr)
            return 2
        if not config.jobs:
            print("markwatch schedule: no [[schedule.jobs]] configured", file=sys.stderr)
            return 2
        env = dict(os.environ)
        if getattr(args, "config", None):
            env["MARKWATCH_CONFIG"] = str(args.config)  # the crawls read the same config
        runner = SubprocessRunner(
            base / "runs", evidence.scrapy_settings(settings.evidence_dir), env
        )
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        scheduler = Scheduler(
            config, history, runner, base / "locks", on_operator_alert=_print_alert
        )
        if args.once:
            scheduler.tick()
            scheduler.wait_idle(None)
            return 0
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            stop.set()  # finish the running crawls, then exit

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        print(
            f"scheduling {len(config.jobs)} jobs: "
            + ", ".join(f"{j.name} [{j.cron}]" for j in config.jobs),
            file=sys.stderr,
        )
        scheduler.run_forever(stop)
        return 0
    finally:
        history.close()


def _print_alert(job: str, message: str) -> None:
    print(f"OPERATOR ALERT [{job}]: {message}", file=sys.stderr, flush=True)
