"""Crawl throughput: the full MarkWatch pipeline vs bare Scrapy over the same testbed.

The full crawl is what `markwatch crawl` runs (detection, photos downloaded and analysed,
index, evidence, alerts); bare Scrapy is the same spider with no item pipelines. `ratio`
compares listings per second (the full crawl also fetches each listing's photo).
`photos_only_*` is Scrapy making the full crawl's downloads (pages and photos) with no
processing but the Listing check (the photos pipeline needs the contract JSON):
`ratio_vs_photos_only` is what MarkWatch's own stages cost over those downloads, and
`photos_only_ratio` what the downloads alone allow against bare Scrapy. `text_only_*`
is the full crawl without photos (none downloaded, none analysed; evidence, index and
alerts as usual): `ratio_text_only` is what the stages cost that are not about photos.

CPU per listing (`*_cpu_ms_per_listing`) counts every process of a crawl while it runs:
the crawl process and its worker processes. `ratio_cpu_ceiling` is the ratio the full
crawl would reach if it kept every CPU busy: it tells a crawl short of CPU from one that
waits.

Each crawl runs in its own process (a Twisted reactor starts once per process);
the testbed runs in a third process so neither crawl shares its GIL with the server.
Also measures the peak RSS of the full-pipeline crawl.
"""

from __future__ import annotations

import json
import os
import resource  # fallback where /proc is absent
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]

_CRAWL_SCRIPT = r"""
import json, resource, sys, tempfile, time
from pathlib import Path
mode, base_url, data_dir = sys.argv[1], sys.argv[2], sys.argv[3]
from bench.bench_crawl import peak_rss_mb
from markwatch.crawling import CrawlJob, run_crawls
components = None
product = {}
if mode in ("full", "text"):
    import dataclasses
    from crawler.components import PipelineComponents
    from markwatch.compose import services
    from markwatch.settings import load_settings
    settings = dataclasses.replace(load_settings(environ={}), data_dir=Path(data_dir))
    ctx = services(settings, images=mode == "full")
    svc = ctx.__enter__()
    components = PipelineComponents(
        svc.detector, svc.index, svc.alerts, images=svc.images, stores=svc.stores
    )
    # What `markwatch crawl` adds: listing photos downloaded and analysed, evidence kept
    # (WARC, photos; no screenshots, which only scheduled crawls take).
    from markwatch.crawling import crawl_overrides
    product = crawl_overrides(settings, screenshots=False)
overrides = {**product, "LOG_LEVEL": "ERROR", **json.loads(sys.argv[4])}
if mode == "bare":
    overrides["ITEM_PIPELINES"] = {}
elif mode == "text":  # every stage but the photos: none downloaded, none analysed
    overrides["MARKWATCH_IMAGES_STORE"] = ""
elif mode == "photos":  # the full crawl's downloads; of its processing only the item check
    overrides["ITEM_PIPELINES"] = {
        "crawler.pipelines.ListingPipeline": 100,
        "crawler.media.ListingImagesPipeline": 250,
    }
    overrides["MARKWATCH_IMAGES_STORE"] = str(Path(data_dir) / "images")
stats = run_crawls(
    [CrawlJob("taobao", {"base_url": base_url, "max_pages": 100000})], components, overrides
)[0]
# From spider open to close (crawler.resources): the crawl process and its ended workers.
from crawler.resources import CPU_STAT, WORKERS_STAT
cpu = stats[CPU_STAT] + stats[WORKERS_STAT]
elapsed = (stats["finish_time"] - stats["start_time"]).total_seconds()
children = resource.getrusage(resource.RUSAGE_CHILDREN)  # worker processes, ended by now
print(json.dumps({
    "items": stats.get("item_scraped_count", 0),
    "children_peak_rss_mb": children.ru_maxrss / 1024,
    "stats": {k: v for k, v in stats.items() if k.startswith("markwatch/")},
    "pages": stats.get("response_received_count", 0),
    "seconds": elapsed,
    "cpu_seconds": cpu,
    "peak_rss_mb": peak_rss_mb(),
}))
"""


def peak_rss_mb() -> float:
    """This process's own peak RSS. VmHWM belongs to the address space, which exec
    replaces; getrusage's ru_maxrss would carry over the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _wait_for(url: str, timeout: float = 60.0, server: subprocess.Popen[Any] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"testbed exited with status {server.returncode}")
        try:
            httpx.get(url, timeout=2).raise_for_status()
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"testbed did not come up at {url}")


# Both crawls alike: the testbed is one loopback host, so the per-domain limit (8, for
# real marketplaces) would cap the crawl below what the crawler can do.
CRAWL_SETTINGS = {
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    # RSS every 100 listings: enough samples for the growth figure in a short crawl.
    "MARKWATCH_RSS_SAMPLE_ITEMS": 100,
}


def _crawl(mode: str, base_url: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mw-bench-") as data_dir:
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                _CRAWL_SCRIPT,
                mode,
                base_url,
                data_dir,
                json.dumps(CRAWL_SETTINGS),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
    if out.returncode != 0:
        raise RuntimeError(f"{mode} crawl failed: {out.stderr[-2000:]}")
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def bench_crawl(scale: int = 1, port: int = 8871, *, baseline: bool = True) -> dict[str, Any]:
    """Full pipeline vs bare Scrapy (`baseline=False`: the pipeline alone, for memory)."""
    server_log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "markwatch.cli",
            "testbed",
            "--port",
            str(port),
            "--scale",
            str(scale),
            # Pre-rendered pages make the testbed fast; at memory-test scale they would
            # not fit, and that run measures memory, not speed.
            *(() if baseline else ("--no-prerender",)),
        ],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=server_log,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        try:
            _wait_for(f"{base_url}/robots.txt", timeout=300, server=server)
        except RuntimeError as exc:
            server_log.seek(0)
            raise RuntimeError(
                f"{exc}: {server_log.read().decode(errors='replace')[-1000:]}"
            ) from exc
        truth = sum(
            1
            for t in httpx.get(f"{base_url}/_truth.json", timeout=30).json()
            if t["site"] == "taobao"
        )
        bare = _crawl("bare", base_url) if baseline else None
        photos = _crawl("photos", base_url) if baseline else None
        text = _crawl("text", base_url) if baseline else None
        full = _crawl("full", base_url)
    finally:
        server.terminate()
        server.wait(timeout=30)
        server_log.close()
    # Listings per second is what both crawls deliver alike: the full crawl also fetches
    # every listing's photo, so its responses per second count those too.
    result: dict[str, Any] = {
        "listings": truth,
        "pipeline_pages_per_s": round(full["pages"] / full["seconds"], 1),
        "pipeline_listings_per_s": round(_rate(full), 1),
        "complete": full["items"] == truth,
        "pipeline_peak_rss_mb": round(full["peak_rss_mb"], 1),
        # The detection and writer processes (largest of them).
        "pipeline_workers_peak_rss_mb": round(full["children_peak_rss_mb"], 1),
        "pipeline_stats": full["stats"],
        "crawl_settings": CRAWL_SETTINGS,
        "load_average_1m": round(os.getloadavg()[0], 2),
        # CPU of the crawl process and its workers while crawling (not their start-up).
        "pipeline_cpu_ms_per_listing": _cpu_ms(full),
        "cpus": usable_cpus(),
    }
    if bare is not None and photos is not None and text is not None:
        result.update(_against_baselines(full, bare, photos, text, result["cpus"]))
        result["complete"] = result["complete"] and bare["items"] == truth
    return result


def _against_baselines(
    full: dict[str, Any],
    bare: dict[str, Any],
    photos: dict[str, Any],
    text: dict[str, Any],
    cpus: int,
) -> dict[str, Any]:
    full_rate, bare_rate, photos_rate, text_rate = (_rate(r) for r in (full, bare, photos, text))
    return {
        "bare_scrapy_pages_per_s": round(bare["pages"] / bare["seconds"], 1),
        "bare_scrapy_listings_per_s": round(bare_rate, 1),
        "ratio": round(full_rate / bare_rate, 3),  # listings per second
        "bare_scrapy_cpu_ms_per_listing": _cpu_ms(bare),
        # The most the full crawl could reach if it kept every CPU busy for its whole
        # run: its CPU per listing, against bare Scrapy's measured rate.
        "ratio_cpu_ceiling": round(cpus / (full["cpu_seconds"] / full["items"]) / bare_rate, 3),
        "photos_only_pages_per_s": round(photos["pages"] / photos["seconds"], 1),
        "photos_only_listings_per_s": round(photos_rate, 1),
        "ratio_vs_photos_only": round(full_rate / photos_rate, 3),
        "photos_only_cpu_ms_per_listing": _cpu_ms(photos),
        # What the full crawl's downloads alone allow: Scrapy making them with no
        # processing, against bare Scrapy.
        "photos_only_ratio": round(photos_rate / bare_rate, 3),
        "text_only_listings_per_s": round(text_rate, 1),
        "text_only_cpu_ms_per_listing": _cpu_ms(text),
        "ratio_text_only": round(text_rate / bare_rate, 3),
    }


def _rate(run: dict[str, Any]) -> float:
    """Listings per second: what every crawl delivers alike."""
    return float(run["items"] / run["seconds"])


def _cpu_ms(run: dict[str, Any]) -> float:
    return round(1000 * run["cpu_seconds"] / max(1, run["items"]), 2)


if __name__ == "__main__":
    scale = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    os.environ.setdefault("PYTHONHASHSEED", "0")
    print(json.dumps(bench_crawl(scale), indent=2))
