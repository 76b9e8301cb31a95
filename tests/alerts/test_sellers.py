"""Seller profiles across crawls and platforms; the repeat-infringer list and flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts.config import AlertsConfig, RepeatInfringerConfig
from alerts.lifecycle import Transition
from alerts.store import AlertStore
from detectors.types import Seller

from .samples import finding, listing

T0 = datetime(2026, 5, 1, tzinfo=UTC)
CREDIT = "91220000MA0Y000001"


def _store(db_url: str, threshold: int = 2, window_days: int = 30) -> AlertStore:
    return AlertStore(
        db_url,
        config=AlertsConfig(
            repeat_infringer=RepeatInfringerConfig(threshold=threshold, window_days=window_days)
        ),
    )


def _confirmed(
    store: AlertStore, n: int, seller: Seller, at: datetime, platform: str = "taobao"
) -> int:
    item = listing(n, seller=seller, platform=platform)
    (change,) = store.record(item, finding(item), at=at)
    store.transition(change.alert.id, Transition("confirmed"), actor="li.wei", at=at)
    return change.alert.id


def test_profile_accumulates_locations_and_credit_code_across_crawls(db_url: str) -> None:
    store = _store(db_url)
    first = listing(1, seller=Seller("长白山特产店", "安徽 亳州", id="shop-9"))
    later = listing(2, seller=Seller("长白山特产店", "吉林 白山", id="shop-9", credit_code=CREDIT))
    store.record(first, finding(first), at=T0)
    (change,) = store.record(later, finding(later), at=T0 + timedelta(days=3))
    (profile,) = store.sellers()
    assert change.alert.seller_id == profile.id
    assert profile.locations == ("安徽 亳州", "吉林 白山")
    assert profile.credit_code == CREDIT
    assert profile.first_seen.startswith("2026-05-01")
    assert profile.last_seen.startswith("2026-05-04")
    store.set_shop_url(profile.id, "https://shop9.taobao.example")
    assert store.seller(profile.id).shop_url == "https://shop9.taobao.example"
    store.close()


def test_new_alerts_of_a_repeat_infringer_are_flagged(db_url: str) -> None:
    store = _store(db_url, threshold=2)
    seller = Seller("山货店", "安徽 亳州", id="s-1")
    _confirmed(store, 1, seller, T0)
    item = listing(2, seller=seller)
    (before,) = store.record(item, finding(item), at=T0)
    assert before.alert.repeat_infringer is False  # one confirmed alert so far
    store.transition(before.alert.id, Transition("confirmed"), actor="li.wei", at=T0)
    item = listing(3, seller=seller)
    (after,) = store.record(item, finding(item), at=T0 + timedelta(days=1))
    assert after.alert.repeat_infringer is True
    other = listing(4, seller=Seller("别家店", "吉林 长春", id="s-2"))
    assert store.record(other, finding(other), at=T0)[0].alert.repeat_infringer is False
    (entry,) = store.repeat_infringers(at=T0 + timedelta(days=1))
    assert (entry.seller.name, entry.confirmed_alerts) == ("山货店", 2)
    store.close()


def test_window_and_dismissals_limit_the_count(db_url: str) -> None:
    store = _store(db_url, threshold=2, window_days=30)
    seller = Seller("山货店", "安徽 亳州", id="s-1")
    _confirmed(store, 1, seller, T0)
    second = _confirmed(store, 2, seller, T0 + timedelta(days=5))
    assert store.repeat_infringers(at=T0 + timedelta(days=10))
    assert store.repeat_infringers(at=T0 + timedelta(days=31)) == []  # first one aged out
    store.transition(second, Transition("dismissed", reason="授权经销"), actor="li.wei")
    assert store.repeat_infringers(at=T0 + timedelta(days=10)) == []
    store.close()


def test_shops_of_one_company_on_two_platforms_count_together(db_url: str) -> None:
    store = _store(db_url, threshold=2)
    _confirmed(
        store,
        1,
        Seller("参王旗舰店", "吉林 通化", id="a", credit_code=CREDIT),
        T0,
        platform="taobao",
    )
    _confirmed(
        store, 2, Seller("参王专营店", "吉林 通化", id="b", credit_code=CREDIT), T0, platform="jd"
    )
    (entry,) = store.repeat_infringers(at=T0)
    assert entry.confirmed_alerts == 2 and len(entry.related_seller_ids) == 2
    item = listing(3, platform="pdd", seller=Seller("参王店", "吉林", id="c", credit_code=CREDIT))
    assert store.record(item, finding(item), at=T0)[0].alert.repeat_infringer is True
    store.close()
