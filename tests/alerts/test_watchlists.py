"""Watchlists: pure matching rules, and each watchlist receives exactly its alerts."""

from __future__ import annotations

import pytest

from alerts.channels.registry import build_channel
from alerts.config import AlertsConfig, ChannelConfig
from alerts.models import Alert
from alerts.outbox import OutboxDispatcher
from alerts.store import AlertStore
from alerts.watchlists import Watchlist, WatchlistError, matches
from detectors.types import Seller

from .receivers import SignedReceiver
from .samples import OLYMPIC_REASON, finding, listing


def _alert(**over: object) -> Alert:
    base: dict[str, object] = dict(
        id=1,
        listing_id="taobao:1",
        mark="长白山人参",
        kind="gi",
        verdict="suspicious",
        score=0.6,
        status="new",
        first_seen="",
        last_seen="",
        listing={
            "platform": "taobao",
            "title": "正宗长白山人参 礼盒",
            "description": "林下参",
            "seller": {
                "name": "山货店",
                "location": "安徽 亳州",
                "id": "s-1",
                "credit_code": "91220000MA0Y000001",
            },
        },
        reasons=[],
    )
    base.update(over)
    return Alert(**base)  # type: ignore[arg-type]


W = Watchlist


@pytest.mark.parametrize(
    ("watchlist", "alert", "expected"),
    [
        (W("all", "staff"), _alert(), True),
        (W("mark", "a", marks=("长白山人参",)), _alert(), True),
        (W("mark", "a", marks=("集安人参", "五常大米")), _alert(), False),
        (W("kind", "a", kinds=("olympic",)), _alert(), False),
        (W("kw", "a", keywords=("礼盒",)), _alert(), True),
        (W("kw-desc", "a", keywords=("林下参",)), _alert(), True),
        (W("kw", "a", keywords=("冰墩墩",)), _alert(), False),
        (W("seller-name", "a", sellers=("山货店",)), _alert(), True),
        (W("seller-id", "a", sellers=("s-1",)), _alert(), True),
        (W("seller-credit", "a", sellers=("91220000MA0Y000001",)), _alert(), True),
        (W("seller", "a", sellers=("别家店",)), _alert(), False),
        (W("platform", "a", platforms=("jd", "taobao")), _alert(), True),
        (W("platform", "a", platforms=("jd",)), _alert(), False),
        (W("region", "a", regions=("安徽",)), _alert(), True),
        (W("region", "a", regions=("吉林",)), _alert(), False),
        (W("verdict", "a", min_verdict="infringing"), _alert(), False),
        (W("verdict", "a", min_verdict="infringing"), _alert(verdict="infringing"), True),
        (W("score", "a", min_score=0.7), _alert(), False),
        (W("score", "a", min_score=0.6), _alert(), True),
        (W("and", "a", marks=("长白山人参",), regions=("吉林",)), _alert(), False),
        (W("off", "a", active=False), _alert(), False),
    ],
    ids=lambda v: v.name if isinstance(v, Watchlist) else None,
)
def test_matching(watchlist: Watchlist, alert: Alert, expected: bool) -> None:
    assert matches(watchlist, alert) is expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "x", "owner": "o", "colour": "red"}, "unknown key 'colour'"),
        ({"name": "x"}, "owner is required"),
        ({"name": "x", "owner": "o", "marks": "长白山人参"}, "marks must be a list"),
        ({"name": "x", "owner": "o", "min_verdict": "clear"}, "min_verdict"),
        ({"name": "x", "owner": "o", "delivery": "weekly"}, "delivery"),
        ({"name": "x", "owner": "o", "min_score": 2}, "min_score"),
    ],
)
def test_bad_watchlists_are_refused_naming_the_field(data: dict[str, object], message: str) -> None:
    with pytest.raises(WatchlistError, match=message):
        Watchlist.from_mapping(data)


def test_each_watchlist_receives_exactly_the_alerts_that_match_it(db_url: str) -> None:
    ginseng_wl = W("changbaishan", "长白山人参协会", marks=("长白山人参",), channels=("ginseng",))
    olympic_wl = W(
        "olympic",
        "北京冬奥组委市场开发部",
        kinds=("olympic",),
        min_verdict="infringing",
        channels=("olympic",),
    )
    anhui_wl = W(
        "anhui-team",
        "执法二组",
        owner_kind="staff_team",
        regions=("安徽",),
        platforms=("taobao",),
        channels=("anhui",),
    )
    with (
        SignedReceiver("s1") as ginseng,
        SignedReceiver("s2") as olympic,
        SignedReceiver("s3") as anhui,
    ):
        config = AlertsConfig(
            channels=tuple(
                ChannelConfig(name, "webhook", {"type": "webhook", "url": r.url, "secret": s})
                for name, r, s in (
                    ("ginseng", ginseng, "s1"),
                    ("olympic", olympic, "s2"),
                    ("anhui", anhui, "s3"),
                )
            ),
            watchlists=(ginseng_wl, olympic_wl, anhui_wl),
        )
        store = AlertStore(db_url, config=config)
        anhui_seller = Seller("山货店", "安徽 亳州", id="s-1")
        jilin_seller = Seller("冬奥周边店", "吉林 长春", id="s-2")
        cases = {
            "ginseng-anhui-taobao": (listing(1, seller=anhui_seller), {}),
            "ginseng-jilin-jd": (listing(2, platform="jd", seller=jilin_seller), {}),
            "olympic-infringing": (
                listing(3, title="冰墩墩 手办", seller=jilin_seller),
                {"mark": "冰墩墩", "kind": "olympic", "reason": OLYMPIC_REASON},
            ),
            "olympic-suspicious-anhui": (
                listing(4, title="冰墩墩 同款", seller=anhui_seller),
                {
                    "mark": "冰墩墩",
                    "kind": "olympic",
                    "verdict": "suspicious",
                    "reason": OLYMPIC_REASON,
                },
            ),
        }
        ids = {}
        for name, (item, kwargs) in cases.items():
            (change,) = store.record(item, finding(item, **kwargs))  # type: ignore[arg-type]
            ids[change.alert.id] = name
        channels = {c.name: build_channel(c.name, c.table) for c in config.channels}
        report = OutboxDispatcher(store, channels).deliver_due()
        store.close()

    def got(receiver: SignedReceiver) -> set[str]:
        return {ids[p["alert_id"]] for p in receiver.accepted.values()}

    assert got(ginseng) == {"ginseng-anhui-taobao", "ginseng-jilin-jd"}
    assert got(olympic) == {"olympic-infringing"}
    assert got(anhui) == {"ginseng-anhui-taobao", "olympic-suspicious-anhui"}
    assert report.sent == 5 and ginseng.rejected == olympic.rejected == anhui.rejected == 0
    assert {p["watchlist"] for p in anhui.accepted.values()} == {"anhui-team"}
