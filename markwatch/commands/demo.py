"""`markwatch demo`: testbed -> crawl -> detect -> index -> alert -> webhook, all local.

The last stdout line is the JSON summary of the contract.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from crawler.components import CrawlCounters, PipelineComponents
from crawler.sessions import BrowserCookie, save_state, session_path, storage_state
from markwatch.compose import services
from markwatch.crawling import CrawlJob, crawl_overrides, run_crawls
from markwatch.settings import Settings
from testbed import politeness
from testbed.realworld import realworld_dir
from testbed.server import TestbedServer
from testbed.webhook_sink import WebhookSink

NAME = "demo"
HELP = "crawl the local testbed end to end and print a JSON summary"
SPIDERS = ("taobao", "jd", "pdd", "tmall", "ali1688", "expo", "jlshop")
DEMO_SITES = frozenset(SPIDERS)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", choices=("sqlite", "elasticsearch"), default=None)


def _import_replica_session(data_dir: Path, base_url: str) -> None:
    """What staff do once with `markwatch login tmall --cookies FILE`, done for the demo:
    the replica's session opens its login-walled item pages, so their evidence is
    captured like every other listing's."""
    cookie = BrowserCookie(
        urlsplit(base_url).hostname or "127.0.0.1",
        politeness.SESSION_COOKIE,
        politeness.SESSION_VALUE,
        "/tmall/",
    )
    save_state(session_path(data_dir / "sessions", "tmall"), storage_state([cookie]))


class _Progress:
    def __init__(self, every: int = 100) -> None:
        self.every = every
        self.started = time.monotonic()
        self.shown = 0

    def __call__(self, counters: CrawlCounters) -> None:
        if counters.listings >= self.shown + self.every:
            self.shown = counters.listings - counters.listings % self.every
            rate = counters.listings / max(1e-6, time.monotonic() - self.started)
            print(
                f"  crawled {counters.listings} listings ({rate:.0f}/s), "
                f"{counters.findings} flagged, {counters.alerts} alerts",
                file=sys.stderr,
                flush=True,
            )


def run(args: argparse.Namespace, settings: Settings) -> int:
    realworld_dir()  # the replicas' photos come from it: fail before serving, not per image
    demo_dir = settings.data_dir / "demo"
    shutil.rmtree(demo_dir, ignore_errors=True)  # each demo starts from nothing
    with TestbedServer() as bed, WebhookSink() as sink:
        settings = dataclasses.replace(
            settings,
            data_dir=demo_dir,
            index_backend=args.index or settings.index_backend,
            webhook_urls=(*settings.webhook_urls, sink.url),
        )
        # The open-platform API replicas need keys; the demo crawls the page replicas.
        truth = [
            t
            for t in httpx.get(f"{bed.url}/_truth.json", timeout=10).json()
            if t["site"] in DEMO_SITES
        ]
        print(f"testbed at {bed.url}: {len(truth)} listings", file=sys.stderr)
        _import_replica_session(demo_dir, bed.url)
        print(f"index: {settings.index_backend}, data: {demo_dir}", file=sys.stderr)
        with services(settings, images=True) as svc:
            components = PipelineComponents(
                svc.detector,
                svc.index,
                svc.alerts,
                images=svc.images,
                on_progress=_Progress(),
                stores=svc.stores,
            )
            run_crawls(
                [CrawlJob(name, {"base_url": bed.url}) for name in SPIDERS],
                components,
                # Evidence for every flagged listing; full-page screenshots are left to
                # scheduled crawls, they would triple the demo's run time.
                {**crawl_overrides(settings, screenshots=False), "LOG_LEVEL": "WARNING"},
            )
            delivery = svc.dispatcher.deliver_until_idle(timeout=120)
            counters = components.counters
            summary = {
                "listings": counters.listings,
                "findings": counters.findings,
                "alerts": svc.alerts.count(),
                "notifications": delivery.sent,
                "index": settings.index_backend,
            }
            print(
                f"indexed {svc.index.count()} documents; webhook received "
                f"{sink.distinct_keys} distinct alerts",
                file=sys.stderr,
            )
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if counters.listings == len(truth) else 1
