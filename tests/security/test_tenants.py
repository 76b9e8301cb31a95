"""Tenant isolation: a rights holder reaches only alerts of the marks staff granted it.

The seeding (tests/console/seed.py) grants the Olympic office the olympic family and the
ginseng association 长白山人参. Each organisation then tries the attack of the issue (a
watchlist naming the other's mark, or none at all) and every holder-facing route is asked
for everything: answers must only ever hold its own marks.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from fastapi.testclient import TestClient

from alerts.db import alembic_config, open_engine
from alerts.store import AlertStore
from alerts.watchlists import Watchlist
from console.app import create_app
from detectors.types import Finding, Listing, MarkHit, Reason, Seller
from indexer.text import Tokenizer

from ..console.seed import (  # type: ignore[misc]  # mypy: tests/ is no package
    GINSENG_ASSOCIATION,
    OLYMPIC_OFFICE,
    Seeded,
    build_seeded,
    login,
)

# Each organisation: its account, its granted marks, and a mark it must never see.
ORGS = {
    "olympic": (OLYMPIC_OFFICE, {"冰墩墩"}, "长白山人参"),
    "ginseng": (GINSENG_ASSOCIATION, {"长白山人参"}, "冰墩墩"),
}


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    built = build_seeded(tmp_path, Tokenizer(["冰墩墩", "长白山人参", "五常大米"]))
    yield built
    built.deps.backend.index.close()
    built.deps.backend.store.close()


@pytest.fixture
def client(seeded: Seeded) -> Iterator[TestClient]:
    with TestClient(create_app(seeded.deps), follow_redirects=False) as test_client:
        yield test_client


def bearer(seeded: Seeded, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.tokens[user]}"}


@pytest.mark.parametrize("user", sorted(ORGS))
def test_a_watchlist_outside_the_grant_is_refused(
    client: TestClient, seeded: Seeded, user: str
) -> None:
    _org, _mine, other = ORGS[user]
    answer = client.put(
        "/api/v1/watchlists/grab", json={"marks": [other]}, headers=bearer(seeded, user)
    )
    assert answer.status_code == 403
    assert "outside the marks granted" in answer.json()["detail"]
    kinds = client.put(
        "/api/v1/watchlists/grab", json={"kinds": ["gi", "olympic"]}, headers=bearer(seeded, user)
    )
    assert kinds.status_code == 403
    names = [
        w["name"]
        for w in client.get("/api/v1/watchlists", headers=bearer(seeded, user)).json()["watchlists"]
    ]
    assert "grab" not in names


@pytest.mark.parametrize("user", sorted(ORGS))
def test_every_holder_route_shows_only_granted_marks(
    client: TestClient, seeded: Seeded, user: str
) -> None:
    _org, mine, other = ORGS[user]
    headers = bearer(seeded, user)
    # The attack of the issue: an empty watchlist used to list every alert in the system.
    assert client.put("/api/v1/watchlists/everything", json={}, headers=headers).status_code == 200
    listed = client.get("/api/v1/alerts?limit=1000", headers=headers).json()["alerts"]
    assert listed and {a["mark"] for a in listed} <= mine
    assert client.get(f"/api/v1/alerts?mark={other}", headers=headers).json() == {"alerts": []}
    for status in ("new", "confirmed", "dismissed"):
        found = client.get(f"/api/v1/alerts?status={status}", headers=headers).json()["alerts"]
        assert {a["mark"] for a in found} <= mine
    alerts = {a.id: a for a in seeded.deps.backend.store.alerts()}
    for alert_id, alert in alerts.items():
        api = client.get(f"/api/v1/alerts/{alert_id}", headers=headers)
        assert api.status_code == (200 if alert.mark in mine else 404), (alert_id, alert.mark)
        if api.status_code == 200:
            assert api.json()["seller_alerts"] == []  # the seller's other alerts: staff only
        evidence = client.get(
            f"/api/v1/alerts/{alert_id}/evidence/{seeded.image_sha}", headers=headers
        )
        owns_image = alert.listing_id == "taobao:1001" and alert.mark in mine
        assert evidence.status_code == (200 if owns_image else 404)
    # Staff-only surfaces (search, CSV, dashboard, case files) stay closed to every holder.
    some_id = next(iter(alerts))
    for path in (
        "/api/v1/search?q=冰墩墩",
        "/api/v1/search.csv?q=冰墩墩",
        "/api/v1/dashboard",
        f"/api/v1/alerts/{some_id}/casefile",
    ):
        assert client.get(path, headers=headers).status_code == 403, path
    grants = client.get("/api/v1/grants", headers=headers).json()["grants"]
    assert [g["organisation"] for g in grants] == [ORGS[user][0]]
    # The same through the pages.
    login(client, user)
    portal = client.get("/portal")
    assert portal.status_code == 200
    for alert_id, alert in alerts.items():
        page = client.get(f"/alerts/{alert_id}")
        assert page.status_code == (200 if alert.mark in mine else 404)
        file = client.get(f"/alerts/{alert_id}/evidence/{seeded.image_sha}")
        assert file.status_code == (
            200 if alert.listing_id == "taobao:1001" and alert.mark in mine else 404
        )
    for path in (
        "/search?q=冰墩墩",
        "/search/export.csv?q=冰墩墩",
        "/dashboard",
        f"/alerts/{some_id}/casefile.zip",
    ):
        assert client.get(path).status_code == 403, path


def test_deliveries_and_digests_follow_the_grant(tmp_path: Path) -> None:
    store = AlertStore(tmp_path / "alerts.sqlite3")
    store.grant(GINSENG_ASSOCIATION, "mark", "长白山人参", "staff")
    # A catch-all watchlist (saved by hand in the database, past the console's checks).
    store.save_watchlist(Watchlist("all", GINSENG_ASSOCIATION, channels=("ginseng-hook",)))
    store.save_watchlist(
        Watchlist("daily", GINSENG_ASSOCIATION, channels=("ginseng-mail",), delivery="digest")
    )
    at = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    for listing_id, mark, kind in (("jd:1", "冰墩墩", "olympic"), ("jd:2", "长白山人参", "gi")):
        listing = Listing(
            id=listing_id,
            platform="jd",
            url=f"https://item.jd.example/{listing_id}",
            title=f"{mark} 礼盒",
            seller=Seller("店", "安徽 亳州", "s-1"),
        )
        hit = MarkHit(mark, kind, 0.9, (Reason("mark_in_text", "named", mark),))  # type: ignore[arg-type]
        store.record(listing, Finding(listing_id, "infringing", 0.9, (hit,)), at=at)
    routed = {(m.channel, m.payload["mark"]) for m in store.outbox_messages()}
    assert routed == {("ginseng-hook", "长白山人参")}
    store.build_digests(at=datetime(2026, 11, 22, tzinfo=UTC), include_today=True)
    digests = [m for m in store.outbox_messages() if m.kind == "digest"]
    assert digests and all(
        {a["mark"] for a in m.payload["alerts"]} == {"长白山人参"} for m in digests
    )
    store.close()


def test_migration_reports_and_disables_watchlists_outside_a_grant(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    target = tmp_path / "old.sqlite3"
    engine = open_engine(target, migrate_schema=False)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO watchlists (name, owner, owner_kind, criteria, channels, delivery, "
                "language, active, created_at, updated_at) VALUES ('grab', :o, 'rights_holder', "
                "'{\"marks\": [\"冰墩墩\"]}', '[]', 'immediate', 'zh', 1, '2026-01-01', "
                "'2026-01-01'), ('team', 'staff', 'staff_team', '{}', '[]', 'immediate', 'zh', 1, "
                "'2026-01-01', '2026-01-01')"
            ),
            {"o": GINSENG_ASSOCIATION},
        )
    with caplog.at_level("WARNING", logger="alerts.migrations"):
        store = AlertStore(target)
    assert (
        "watchlist 'grab' of '长白山人参协会' names marks outside its grant (冰墩墩)" in caplog.text
    )
    active = {w.name: w.active for w in store.watchlists()}
    assert active == {"grab": False, "team": True}
    store.close()
    engine.dispose()
