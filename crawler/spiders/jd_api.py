"""jd_api: keyword search through JD Union's `jd.union.open.goods.query` (JOS gateway)."""

from __future__ import annotations

from typing import Any

from crawler.openapi.jos import JosClient
from crawler.openapi.spider import OpenApiSpider


class JdApiSpider(OpenApiSpider):
    name = "jd_api"
    default_base_url = "https://api.jd.com"

    def make_client(self, page_size: int, options: dict[str, Any]) -> JosClient:
        return JosClient(page_size=page_size)
