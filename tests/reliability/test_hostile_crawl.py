"""A real crawl of a shop that attacks its crawler: the crawl refuses, survives and finishes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import scrapy_crawl
from .hostile_site import METADATA_URL, hostile_site

# The project's SSRF guard alone, without Scrapy's offsite filter (spiders without
# allowed_domains, like the marketplace ones, rely on the guard only).
GUARD_ONLY = json.dumps(
    {
        "crawler.netguard.SsrfGuardMiddleware": 50,
        "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    }
)


@pytest.mark.parametrize("middlewares", ["project", "guard-only"])
def test_a_hostile_shop_neither_reaches_internal_services_nor_stops_the_crawl(
    tmp_path: Path, middlewares: str
) -> None:
    settings = {"DEPTH_LIMIT": "3", "RETRY_TIMES": "0", "LOG_LEVEL": "DEBUG"}
    if middlewares == "guard-only":
        settings["DOWNLOADER_MIDDLEWARES"] = GUARD_ONLY
    with hostile_site() as site:
        # The start site is trusted because the operator chose it (like the testbed, which
        # is allow-listed by config); nothing else is allow-listed.
        run = scrapy_crawl(
            "generic", tmp_path / "items.jsonl", {"start_urls": f"{site.url}/shop/"}, settings
        )
        shop_paths = site.shop_hits.snapshot()
        internal_paths = site.internal_hits.snapshot()
    (tmp_path / "stderr.txt").write_text(run.stderr)
    assert run.returncode == 0, run.stderr[-3000:]
    # Both honest products are there: the traps in between did not end the crawl.
    assert sorted(item["title"] for item in run.items) == [
        "冰墩墩 毛绒公仔 北京2022", "长白山人参 礼盒 500g"]  # fmt: skip

    # SSRF: neither the direct link nor the redirect reached the other loopback port, and
    # the operator sees each refusal with the page that asked for it.
    assert internal_paths == []
    for refused in (f"{site.internal_url}/_cluster/settings", f"{site.internal_url}/redirected"):
        assert f"WARNING: SSRF guard: refused {refused}" in run.stderr
    # The metadata address: refused by the guard, or (being off-site) filtered before it.
    if middlewares == "guard-only":
        assert f"WARNING: SSRF guard: refused {METADATA_URL}" in run.stderr
    else:
        assert "Filtered offsite request to '169.254.169.254'" in run.stderr
    assert not re.search(r"(Crawled \(\d+\)|Error downloading) <GET http://169\.254", run.stderr)

    # The redirect loop is cut after REDIRECT_MAX_TIMES hops, not followed for ever.
    assert 1 <= sum(p.startswith("/shop/loop-") for p in shop_paths) <= 25
    # 50 MB pages and the 200 MB gzip bomb were cut at DOWNLOAD_MAXSIZE (32 MB), with a
    # warning naming them. (Scrapy's memusage stats cannot show it: ru_maxrss of a child
    # starts at its parent's high-water mark.)
    assert re.search(r"WARNING: Expected to receive 52428800 bytes.*huge-declared", run.stderr)
    assert re.search(r"WARNING: Received \d+ bytes which is larger than download max size"
                     r".*huge-streamed", run.stderr)  # fmt: skip
    assert re.search(r"WARNING: Ignored response <200 \S+/shop/bomb>", run.stderr)
    # A body cut short of its Content-Length is an error for that page only.
    assert re.search(r"Got data loss in \S+/shop/short", run.stderr)
