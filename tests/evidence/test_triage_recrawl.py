"""Triage survives re-crawls: the index status is the alert store's, on both backends.

The end-to-end test crawls the testbed's provincial shop twice with `markwatch crawl` (each
crawl its own process: one Twisted reactor per process), dismissing one alert through the
REST API in between.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from alerts.index_status import IndexStatusSync
from alerts.lifecycle import Transition
from alerts.store import AlertStore
from console.app import create_app
from console.routes.admin import create_account
from detectors.types import Finding, Listing, MarkHit, Reason, Seller
from indexer.base import IndexedDoc, SearchIndex, SearchQuery
from indexer.elasticsearch_backend import ElasticsearchIndex, EsIndexConfig
from indexer.sqlite_backend import SqliteIndex
from indexer.text import Tokenizer
from markwatch.compose import services
from markwatch.console_wiring import build_console
from markwatch.settings import load_settings
from testbed.server import TestbedServer

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _listing(price: float = 88.0) -> Listing:
    return Listing(
        id="taobao:77", platform="taobao", url="https://item.taobao.example/77",
        title="长白山人参 礼盒", description="", price=price, currency="CNY", quantity="",
        seller=Seller(name="亳州参行", location="安徽 亳州", id="s77"),
    )  # fmt: skip


def _finding(verdict: str, *marks: str) -> Finding:
    reason = Reason("origin_outside_region", "sold from outside the GI region", "安徽 亳州")
    hits = tuple(MarkHit(m, "gi", 0.9, (reason,)) for m in marks)
    return Finding("taobao:77", verdict, 0.9, hits)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[AlertStore]:
    alert_store = AlertStore(tmp_path / "alerts.sqlite3")
    yield alert_store
    alert_store.close()


def _dismissed(store: AlertStore, verdict: str = "suspicious") -> int:
    (change,) = store.record(_listing(), _finding(verdict, "长白山人参"), at=T0)
    store.transition(change.alert.id, Transition("dismissed", reason="授权经销商"), actor="staff")
    return change.alert.id


def test_a_resighting_updates_price_but_keeps_the_dismissal(store: AlertStore) -> None:
    alert_id = _dismissed(store)
    store.record(_listing(price=66.0), _finding("suspicious", "长白山人参"),
                 at=T0 + timedelta(days=1))  # fmt: skip
    alert = store.get(alert_id)
    assert (alert.status, alert.price, alert.dismissed_reason) == ("dismissed", 66.0, "授权经销商")
    assert "reopened" not in {e.action for e in store.audit_trail(alert_id)}


def test_a_higher_verdict_reopens_a_dismissal_saying_why(store: AlertStore) -> None:
    alert_id = _dismissed(store, "suspicious")
    (change,) = store.record(_listing(), _finding("infringing", "长白山人参"),
                             at=T0 + timedelta(days=1))  # fmt: skip
    assert "reopened" in change.changes
    assert store.get(alert_id).status == "new"
    entry = store.audit_trail(alert_id)[-1]
    assert (entry.action, entry.from_status, entry.to_status) == ("reopened", "dismissed", "new")
    assert entry.detail == {"why": "verdict suspicious -> infringing"}


def test_a_new_mark_reopens_the_listing(store: AlertStore) -> None:
    alert_id = _dismissed(store)
    changes = store.record(_listing(), _finding("suspicious", "长白山人参", "抚松人参"),
                           at=T0 + timedelta(days=1))  # fmt: skip
    assert [c.created for c in changes] == [False, True]
    assert store.get(alert_id).status == "new"
    assert store.audit_trail(alert_id)[-1].detail == {"why": "new mark 抚松人参 on the listing"}
    assert store.listing_statuses(["taobao:77"]) == {"taobao:77": "new"}


def _check_status_sync(store: AlertStore, index: SearchIndex) -> None:
    alert_id = _dismissed(store)
    sync = IndexStatusSync(store, index)
    # A crawl writes a document without knowing about triage: the store's status goes in.
    sync.write([IndexedDoc(_listing(), _finding("suspicious", "长白山人参"), T0, T0)])
    index.refresh()
    assert index.get("taobao:77")["status"] == "dismissed"  # type: ignore[index]
    store.transition(alert_id, Transition("confirmed"), actor="staff")
    assert sync.sync(["taobao:77"]) == 1
    page = index.search(SearchQuery(status=["confirmed"], facets=True))
    assert [h.id for h in page.hits] == ["taobao:77"]
    assert ("confirmed", 1) in page.facets["status"]
    # A later crawl (newer version on Elasticsearch) still carries the store's status.
    later = T0 + timedelta(hours=1)
    sync.write([IndexedDoc(_listing(70.0), _finding("suspicious", "长白山人参"), later, later)])
    index.refresh()
    doc = index.get("taobao:77")
    assert doc is not None and (doc["status"], doc["price"]) == ("confirmed", 70.0)
    assert sync.sync(["taobao:77", "absent:1"]) == 0


def test_status_sync_on_sqlite(store: AlertStore, tmp_path: Path) -> None:
    index = SqliteIndex(tmp_path / "index.sqlite3", Tokenizer(["长白山人参"]))
    _check_status_sync(store, index)
    index.close()


def test_status_sync_on_elasticsearch(store: AlertStore, es_url: str, es_index_prefix: str) -> None:
    config = EsIndexConfig(urls=(es_url,), prefix=es_index_prefix)
    index = ElasticsearchIndex(config, Tokenizer(["长白山人参"]))
    _check_status_sync(store, index)
    index.close()


# -- end to end: dismiss through the API, crawl again -------------------------------------
def _crawl(env: dict[str, str], base_url: str) -> None:
    command = [sys.executable, "-m", "markwatch.cli", "crawl", "profile",
               "-a", "profile=jlshop", "-a", f"base_url={base_url}"]  # fmt: skip
    result = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]


def _api(env: dict[str, str]) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = load_settings(environ=env)
    with services(settings) as svc:
        deps = build_console(settings, svc.index, svc.alerts, svc.catalog)
        if not deps.auth.users():
            create_account(deps, "staff", "correct horse battery", "staff", display_name="s")
        headers = {"Authorization": f"Bearer {deps.auth.issue_token('staff', 'test')}"}
        with TestClient(create_app(deps)) as client:
            yield client, headers


def _search(client: TestClient, headers: dict[str, str], **params: str) -> dict[str, Any]:
    answer = client.get("/api/v1/search", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


@pytest.mark.parametrize("backend", ["sqlite", "elasticsearch"])
def test_dismissal_survives_a_recrawl(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MARKWATCH_DATA_DIR": str(tmp_path / "data"),
           "MARKWATCH_INDEX": backend}  # fmt: skip
    env.pop("MARKWATCH_CONFIG", None)
    if backend == "elasticsearch":
        env["MARKWATCH_ES_URL"] = request.getfixturevalue("es_url")
        env["MARKWATCH_ES_PREFIX"] = request.getfixturevalue("es_index_prefix")
    with TestbedServer() as bed:
        _crawl(env, bed.url)
        for client, headers in _api(env):
            alerts = client.get("/api/v1/alerts", params={"status": "new"}, headers=headers)
            target = alerts.json()["alerts"][0]
            listing_id = target["listing_id"]
            # Every alert of the listing (one per mark), so the listing itself is dismissed.
            for alert in alerts.json()["alerts"]:
                if alert["listing_id"] == listing_id:
                    answer = client.post(
                        f"/api/v1/alerts/{alert['id']}/transition",
                        json={"action": "dismiss", "reason": "authorised reseller"},
                        headers=headers,
                    )
                    assert answer.status_code == 200, answer.text
            before = _search(client, headers, status="dismissed")
            assert [h["listing_id"] for h in before["hits"]] == [listing_id]
            first_seen = before["hits"][0]["last_seen"]
        _crawl(env, bed.url)
    for client, headers in _api(env):
        after = _search(client, headers, status="dismissed")
        assert [h["listing_id"] for h in after["hits"]] == [listing_id]
        assert after["hits"][0]["last_seen"] > first_seen  # the re-crawl did update it
        facets = dict(map(tuple, _search(client, headers)["facets"]["status"]))
        assert facets.get("dismissed") == 1
        new = _search(client, headers, status="new")
        assert listing_id not in {h["listing_id"] for h in new["hits"]}
        assert (
            client.get(f"/api/v1/alerts/{target['id']}", headers=headers).json()["alert"]["status"]
            == "dismissed"
        )
