"""taobao_api: keyword search through Taobao Open Platform's affiliate material search.

`-a method=taobao.tbk.dg.material.optional` selects the legacy method (default: the
`.upgrade` successor); `-a sign_method=hmac`; `-a adzone_id=` for a real affiliate account.
"""

from __future__ import annotations

from typing import Any

from crawler.openapi.spider import OpenApiSpider
from crawler.openapi.top import METHOD, TopClient


class TaobaoApiSpider(OpenApiSpider):
    name = "taobao_api"
    default_base_url = "https://eco.taobao.com"

    def make_client(self, page_size: int, options: dict[str, Any]) -> TopClient:
        return TopClient(
            method=str(options.get("method", METHOD)),
            page_size=page_size,
            sign_method=str(options.get("sign_method", "md5")),
            adzone_id=str(options.get("adzone_id", "")),
        )
