"""Listings and findings shaped like the detector's output, for the alert tests."""

from __future__ import annotations

from detectors.types import Finding, Listing, MarkHit, Reason, Seller

GINSENG_REASON = Reason("origin_outside_region", "卖家所在地不在保护范围内", "安徽 亳州")
OLYMPIC_REASON = Reason("olympic_insignia_text", "商品标题含奥运标志", "冰墩墩")


def listing(
    n: int,
    *,
    platform: str = "taobao",
    title: str = "长白山人参 500g 礼盒",
    price: float | None = 39.9,
    seller: Seller | None = None,
) -> Listing:
    return Listing(
        id=f"{platform}:{n}",
        platform=platform,
        url=f"https://item.example/{platform}/{n}",
        title=title,
        price=price,
        seller=seller or Seller("山货店", "安徽 亳州", id="s-1"),
    )


def finding(
    item: Listing,
    *,
    mark: str = "长白山人参",
    kind: str = "gi",
    verdict: str = "infringing",
    score: float = 0.93,
    reason: Reason = GINSENG_REASON,
) -> Finding:
    hit = MarkHit(mark, kind, score, (reason,))  # type: ignore[arg-type]
    return Finding(item.id, verdict, score, (hit,))  # type: ignore[arg-type]
