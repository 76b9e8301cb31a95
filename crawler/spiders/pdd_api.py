"""pdd_api: keyword search through Pinduoduo's `pdd.ddk.goods.search` (POP gateway).

`-a pid=` passes a real promotion position id (required by the live platform)."""

from __future__ import annotations

from typing import Any

from crawler.openapi.ddk import DdkClient
from crawler.openapi.spider import OpenApiSpider


class PddApiSpider(OpenApiSpider):
    name = "pdd_api"
    default_base_url = "https://gw-api.pinduoduo.com"

    def make_client(self, page_size: int, options: dict[str, Any]) -> DdkClient:
        return DdkClient(page_size=page_size, pid=str(options.get("pid", "")))
