"""`markwatch crawl SPIDER [-a k=v]`: one crawl with detection, indexing and alerts."""

from __future__ import annotations

import argparse
import json
import sys

from alerts.outbox import BackgroundDelivery
from crawler.components import PipelineComponents
from crawler.health import FATAL_STAT
from crawler.keywords import keywords_from
from markwatch.compose import Services, services
from markwatch.crawling import CrawlJob, crawl_overrides, run_crawls
from markwatch.settings import Settings

NAME = "crawl"
HELP = "run one spider (like `scrapy crawl`) through detect, index and alert"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spider")
    parser.add_argument(
        "-a",
        dest="spider_args",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="spider argument",
    )
    parser.add_argument(
        "--catalog-keywords",
        action="store_true",
        help="search for every catalog mark and watchlist keyword (-a keywords=...)",
    )
    parser.add_argument(
        "-s",
        dest="scrapy_settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Scrapy setting",
    )


def _pairs(items: list[str], what: str) -> dict[str, str]:
    out = {}
    for item in items:
        if "=" not in item:
            raise SystemExit(f"markwatch crawl: {what} must be NAME=VALUE, got {item!r}")
        key, value = item.split("=", 1)
        out[key] = value
    return out


def search_keywords(svc: Services) -> list[str]:
    names = [m.name for m in svc.catalog.marks]
    watched = [k for w in svc.alerts.watchlists() if w.active for k in (*w.marks, *w.keywords)]
    return keywords_from(names, watched)


def run(args: argparse.Namespace, settings: Settings) -> int:
    with services(settings, images=True) as svc:
        components = PipelineComponents(
            svc.detector, svc.index, svc.alerts, images=svc.images, stores=svc.stores
        )
        overrides = {**crawl_overrides(settings), **_pairs(args.scrapy_settings, "-s")}
        spider_args = _pairs(args.spider_args, "-a")
        if args.catalog_keywords and "keywords" not in spider_args:
            spider_args["keywords"] = ",".join(search_keywords(svc))
        # Alerts leave while the crawl runs (a listing's alert need not wait for the crawl).
        with BackgroundDelivery(svc.dispatcher) as background:
            stats = run_crawls([CrawlJob(args.spider, spider_args)], components, overrides)[0]
        delivery = background.report + svc.dispatcher.deliver_until_idle(timeout=120)
        counters = components.counters
        print(
            json.dumps(
                {
                    "listings": counters.listings,
                    "findings": counters.findings,
                    "alerts": counters.alerts,
                    "notifications": delivery.sent,
                    "errors": int(stats.get("log_count/ERROR", 0)),
                },
                ensure_ascii=False,
            )
        )
    fatal = stats.get(FATAL_STAT)
    if fatal:  # e.g. an API signature error: one line naming it, and a non-zero exit
        print(f"markwatch crawl: {fatal}", file=sys.stderr)
        return 1
    return 0 if counters.listings else 1
