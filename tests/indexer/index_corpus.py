"""A small, hand-checked corpus shared by the indexer tests (both backends)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from detectors.types import Finding, Listing, MarkHit, Reason, Seller
from indexer.base import IndexedDoc

MARK_WORDS: tuple[str, ...] = (
    "长白山人参", "集安人参", "五常大米", "梅河大米", "冰墩墩", "雪容融", "冬梦", "北京2022",
)  # fmt: skip
MARK_KINDS = {"冰墩墩": "olympic", "雪容融": "olympic", "冬梦": "olympic", "北京2022": "olympic"}
DAY0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

# id, title, seller, location, price, verdict, score, marks, status, day offset
ROWS: tuple[tuple[str, str, str, str, float | None, str, float, tuple[str, ...], str, int], ...] = (
    ("jd:1", "正宗长白山人参 林下参礼盒", "亳州参茸行", "安徽 亳州", 399.0,
     "infringing", 0.93, ("长白山人参",), "new", 0),
    ("jd:2", "吉林长白山人参 野山参 <特级>", "抚松参业", "吉林 白山", 1280.0,
     "clear", 0.1, ("长白山人参",), "dismissed", 0),
    ("tb:3", "集安人参 六年根 鲜参", "集安参园", "吉林 通化", 268.0,
     "clear", 0.05, ("集安人参",), "new", 1),
    ("tb:4", "五常大米 稻花香 5kg 新米", "哈尔滨粮油", "黑龙江 哈尔滨", 89.9,
     "clear", 0.08, ("五常大米",), "new", 1),
    ("tb:5", "梅河大米 东北大米 10斤", "沭阳米业", "江苏 宿迁", 59.0,
     "suspicious", 0.61, ("梅河大米",), "triaged", 2),
    ("pdd:6", "冰墩墩 手办 钥匙扣 北京2022冬奥会", "义乌小商品", "浙江 金华", 19.9,
     "infringing", 0.88, ("冰墩墩", "北京2022"), "new", 2),
    ("pdd:7", "雪容融 毛绒公仔", "义乌小商品", "浙江 金华", None,
     "infringing", 0.8, ("雪容融",), "new", 3),
    ("expo:8", "冬梦 会徽 徽章 纪念品", "北京礼品展商", "北京 朝阳", 35.0,
     "suspicious", 0.55, ("冬梦",), "new", 3),
    ("jd:9", "东北黑木耳 干货 500g", "长白山特产店", "吉林 延边", 45.0,
     "clear", 0.0, (), "new", 4),
)  # fmt: skip


def make_doc(
    row: tuple, *, status: str | None = None, shift: timedelta = timedelta()
) -> IndexedDoc:
    doc_id, title, seller, location, price, verdict, score, marks, row_status, day = row
    platform = doc_id.split(":")[0]
    hits = tuple(
        MarkHit(m, MARK_KINDS.get(m, "gi"), score, (Reason("name_match", f"title names {m}", m),))  # type: ignore[arg-type]
        for m in marks
    )
    seen = DAY0 + timedelta(days=day) + shift
    return IndexedDoc(
        listing=Listing(
            id=doc_id,
            platform=platform,
            url=f"https://example.test/{doc_id}",
            title=title,
            description=f"{title} 产地直发",
            price=price,
            seller=Seller(name=seller, location=location, id=f"s-{seller}"),
        ),
        finding=Finding(doc_id, verdict, score, hits),  # type: ignore[arg-type]
        first_seen=seen,
        last_seen=seen,
        status=status or row_status,
    )


def corpus() -> list[IndexedDoc]:
    return [make_doc(r) for r in ROWS]
