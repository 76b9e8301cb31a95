"""Triage from the pages (one and bulk), assignment, the index mirror, the case file."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from fastapi.testclient import TestClient

from .seed import Seeded, login


def test_confirm_then_refer_from_the_alert_page(client: TestClient, seeded: Seeded) -> None:
    csrf = login(client, "staff")
    plush = seeded.alert_ids["taobao:1001"]
    answer = client.post(f"/alerts/{plush}/triage", data={"action": "confirm", "csrf": csrf})
    assert answer.status_code == 303
    page = client.get(answer.headers["location"]).text
    assert 'id="triage-result">已完成: 1' in page
    assert seeded.deps.backend.alert(plush).status == "confirmed"
    # The search index mirrors the status, so the status facet finds it.
    assert '<strong id="total">1</strong>' in client.get("/search?status=confirmed").text
    client.post(
        f"/alerts/{plush}/triage",
        data={
            "action": "refer",
            "csrf": csrf,
            "case_number": "吉市监〔2026〕7号",
            "agency": "吉林省市场监督管理厅",
        },
    )
    alert = seeded.deps.backend.alert(plush)
    assert (alert.status, alert.case_number) == ("referred", "吉市监〔2026〕7号")
    trail = [(e.actor, e.to_status) for e in seeded.deps.backend.store.audit_trail(plush)]
    assert ("staff", "referred") in trail


def test_dismiss_needs_a_reason(client: TestClient, seeded: Seeded) -> None:
    csrf = login(client, "staff")
    rice = seeded.alert_ids["taobao:1004"]
    answer = client.post(f"/alerts/{rice}/triage", data={"action": "dismiss", "csrf": csrf})
    assert "failed" in answer.headers["location"]
    assert seeded.deps.backend.alert(rice).status == "new"
    client.post(
        f"/alerts/{rice}/triage",
        data={"action": "dismiss", "csrf": csrf, "reason": "authorised user (合作社)"},
    )
    assert seeded.deps.backend.alert(rice).dismissed_reason == "authorised user (合作社)"


def test_bulk_confirm_and_assign(client: TestClient, seeded: Seeded) -> None:
    csrf = login(client, "staff")
    ids = [seeded.alert_ids["taobao:1001"], seeded.alert_ids["pdd:3003"]]
    answer = client.post(
        "/alerts/bulk", data={"csrf": csrf, "action": "confirm", "ids": [str(i) for i in ids]}
    )
    assert "done=2" in answer.headers["location"]
    assert {seeded.deps.backend.alert(i).status for i in ids} == {"confirmed"}
    client.post(
        "/alerts/bulk",
        data={"csrf": csrf, "action": "assign", "assignee": "staff", "ids": [str(i) for i in ids]},
    )
    assert seeded.deps.backend.assignees(ids) == {ids[0]: "staff", ids[1]: "staff"}
    assert 'id="assignee">staff<' in client.get(f"/alerts/{ids[0]}").text


def test_alert_page_shows_the_evidence(client: TestClient, seeded: Seeded) -> None:
    login(client, "staff")
    plush = seeded.alert_ids["taobao:1001"]
    html = client.get(f"/alerts/{plush}").text
    # The photo, tied to its listing URL through the WARC, with the matched quad drawn on it.
    assert f'href="/alerts/{plush}/evidence/{seeded.image_sha}"' in html
    assert 'points="60.0,40.0 230.0,40.0 230.0,300.0 60.0,300.0"' in html
    assert "冰墩墩 官方授权" in html  # OCR text
    assert 'class="screenshot"' in html
    assert "<mark>冰墩墩</mark>" in html  # matched text in the title


def test_case_file_holds_alert_evidence_hashes_and_summary(
    client: TestClient, seeded: Seeded
) -> None:
    login(client, "staff")
    plush = seeded.alert_ids["taobao:1001"]
    answer = client.get(f"/alerts/{plush}/casefile.zip")
    assert answer.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    names = set(archive.namelist())
    assert {"alert.json", "manifest.json", "summary.html", "SHA256SUMS"} <= names
    logged = {e.path: e.sha256 for e in seeded.evidence.entries_for("taobao:1001")}
    assert {f"evidence/{p}" for p in logged} <= names
    for line in archive.read("SHA256SUMS").decode().splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest
    manifest = json.loads(archive.read("manifest.json"))
    assert all(item["matches_log"] for item in manifest)
    document = json.loads(archive.read("alert.json"))
    assert document["alert"]["id"] == plush
    assert document["image_regions"][0]["regions"][0]["quad"][0] == [60.0, 40.0]
    summary = archive.read("summary.html").decode()
    assert "冰墩墩 毛绒公仔" in summary and "<script" not in summary


def test_dashboard_counts(client: TestClient, seeded: Seeded) -> None:
    login(client, "staff")
    html = client.get("/dashboard").text
    assert 'id="alert-total">4<' in html
    stats = seeded.deps.backend.dashboard()
    assert dict(stats.by_mark) == {"冰墩墩": 2, "长白山人参": 1, "五常大米": 1}
    assert dict(stats.by_region)["安徽"] == 1
    assert stats.by_day == (("2026-11-20", 4),)


def test_admin_pages(client: TestClient, seeded: Seeded) -> None:
    csrf = login(client, "admin")
    answer = client.post(
        "/admin/schedules",
        data={
            "csrf": csrf,
            "name": "nightly-taobao",
            "spider": "taobao",
            "cron": "0 3 * * *",
            "arguments": "keyword=长白山人参",
            "enabled": "on",
        },
    )
    assert answer.status_code == 303
    html = client.get("/admin").text
    assert "nightly-taobao" in html and "keyword=长白山人参" in html
    bad = client.post(
        "/admin/schedules", data={"csrf": csrf, "name": "x", "spider": "jd", "cron": "every night"}
    )
    assert "error=" in bad.headers["location"]
    token_page = client.post("/admin/tokens", data={"csrf": csrf, "username": "staff"}).text
    assert 'id="new-token">mwt_' in token_page
    login(client, "staff")
    assert client.get("/admin").status_code == 403
