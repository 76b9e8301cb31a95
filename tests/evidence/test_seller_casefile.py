"""A per-seller referral package across two platforms: DOCX, evidence, hashes, authority."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from docx import Document

from alerts.authorities import authority_for
from alerts.lifecycle import Transition
from alerts.seller_links import core_name, group_of
from alerts.store import AlertStore
from crawler.evidence.store import EvidenceStore
from crawler.evidence.warc import CapturedExchange, build_warc
from detectors.types import Finding, Listing, MarkHit, Reason, Seller
from markwatch.cli import main

from .local_tsa import LocalTsa

CODE = "91341602MA2N1X0Q5K"  # administrative code 341602: 亳州市谯城区
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _listing(lid: str, platform: str, shop: str, seller_id: str, **extra: str) -> Listing:
    return Listing(
        id=lid, platform=platform, url=f"http://127.0.0.1:8800/{platform}/item/{lid}",
        title=f"长白山人参 礼盒 {lid}",
        description=str(extra.get("text", "正宗长白山人参 电话 13912345678")),
        price=99.0, currency="CNY", quantity="500g",
        seller=Seller(name=shop, location="安徽 亳州", id=seller_id, credit_code=extra.get("code")),
        images=(), source="ecommerce",
    )  # fmt: skip


def _finding(lid: str) -> Finding:
    reason = Reason("origin_outside_region", "sold from outside the GI region", "安徽 亳州")
    return Finding(lid, "infringing", 0.93, (MarkHit("长白山人参", "gi", 0.93, (reason,)),))


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    store = AlertStore(data / "alerts.sqlite3")
    evidence = EvidenceStore(data / "evidence")
    listings = [
        _listing("taobao:1", "taobao", "亳州参行", "tb-1", code=CODE),
        _listing("taobao:2", "taobao", "亳州参行", "tb-1", code=CODE),
        _listing("jd:9", "jd", "亳州参行旗舰店", "jd-7", code=CODE),
        _listing("pdd:5", "pdd", "别人家的店", "pdd-3", text="人参 电话 13800000000"),  # another
    ]
    for listing in listings:
        (change,) = store.record(listing, _finding(listing.id), at=T0)
        page = CapturedExchange(listing.url, "GET", [], 200, [("Content-Type", "text/html")],
                                f"<html>{listing.title}</html>".encode())  # fmt: skip
        evidence.add(listing.id, "warc", build_warc([page]), ".warc")
        evidence.add(listing.id, "image", f"photo {listing.id}".encode(), ".jpg")
        if listing.id == "taobao:1":
            store.transition(change.alert.id, Transition("confirmed"), actor="staff")
    store.close()
    return data


def _seller_id(data: Path, key: str) -> int:
    store = AlertStore(data / "alerts.sqlite3")
    try:
        return next(s.id for s in store.sellers() if s.platform_seller_id == key)
    finally:
        store.close()


def test_authority_from_credit_code_location_and_licence() -> None:
    assert authority_for(CODE).name == "亳州市谯城区市场监督管理局"  # type: ignore[union-attr]
    assert authority_for(location="吉林省白山市抚松县").name == "抚松县市场监督管理局"  # type: ignore[union-attr]
    assert authority_for(location="安徽 亳州").name == "亳州市市场监督管理局"  # type: ignore[union-attr]
    assert authority_for(licence="SC10122062100015").unit.code == "220621"  # type: ignore[union-attr]
    assert authority_for(location="火星") is None


def test_shops_link_by_credit_code_and_name(seeded: Path) -> None:
    store = AlertStore(seeded / "alerts.sqlite3")
    sellers, alerts = store.sellers(), store.alerts()
    store.close()
    taobao = next(s for s in sellers if s.platform == "taobao")
    group = group_of(taobao.id, sellers, alerts)
    assert sorted(s.platform for s in group.sellers) == ["jd", "taobao"]
    assert group.links[0].reason == f"统一社会信用代码相同 {CODE}"
    assert core_name("亳州参行旗舰店") == core_name("亳州参行") == "亳州参行"


def test_case_file_for_a_seller_on_two_platforms(
    seeded: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MARKWATCH_DATA_DIR", str(seeded))
    with LocalTsa() as tsa:
        monkeypatch.setenv("MARKWATCH_TSA_URL", tsa.url)
        monkeypatch.setenv("MARKWATCH_TSA_CA_FILE", str(tsa.ca_file))
        assert main(["evidence", "stamp"]) == 0
        seller = _seller_id(seeded, "jd-7")
        draft = tmp_path / "draft.json"
        assert main(["evidence", "case", str(seller), str(tmp_path / "x.zip"),
                     "--write-draft", str(draft)]) == 0  # fmt: skip
        edits = json.loads(draft.read_text("utf-8"))
        assert edits["authority"] == "亳州市谯城区市场监督管理局"
        edits["notes"] = "已电话核实店铺经营地址。"  # staff edit before export
        draft.write_text(json.dumps(edits, ensure_ascii=False), encoding="utf-8")
        capsys.readouterr()
        dest = tmp_path / "case.zip"
        assert main(["evidence", "case", str(seller), str(dest), "--draft", str(draft)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["listings"] == 3 and summary["authority"] == "亳州市谯城区市场监督管理局"

    archive = zipfile.ZipFile(dest)
    names = set(archive.namelist())
    document = Document(io.BytesIO(archive.read("案件材料.docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "亳州市谯城区市场监督管理局" in text
    assert "证据清单" in text and "案件摘要" in text and "已电话核实店铺经营地址。" in text
    assert "在 jd、taobao 平台共有 3 条" in text and "1 条已经人工核实确认" in text
    for lid in ("taobao:1", "taobao:2", "jd:9"):
        assert lid in cells
    assert "pdd:5" not in cells  # another seller's listing stays out
    evidence = EvidenceStore(seeded / "evidence")
    logged = [e for lid in ("taobao:1", "taobao:2", "jd:9") for e in evidence.entries_for(lid)]
    assert len(logged) == 6
    for entry in logged:
        assert entry.sha256 in cells
        assert f"evidence/{entry.path}" in names
        assert hashlib.sha256(archive.read(f"evidence/{entry.path}")).hexdigest() == entry.sha256
    assert "未加盖" not in cells  # every file carries its attested time
    sums: dict[str, str] = {}
    for line in archive.read("SHA256SUMS").decode().splitlines():
        digest, name = line.split("  ", 1)
        sums[name] = digest
    assert all(hashlib.sha256(archive.read(n)).hexdigest() == h for n, h in sums.items())


def test_a_bad_draft_is_refused_clearly(
    seeded: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MARKWATCH_DATA_DIR", str(seeded))
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps({"listings": []}), encoding="utf-8")
    seller = _seller_id(seeded, "tb-1")
    assert (
        main(["evidence", "case", str(seller), str(tmp_path / "c.zip"), "--draft", str(draft)]) == 1
    )
    assert "not editable in a case file: ['listings']" in capsys.readouterr().err
    assert main(["evidence", "case", "999", str(tmp_path / "c.zip")]) == 1
    assert "no seller 999" in capsys.readouterr().err


def _confirm_all(data: Path) -> None:
    store = AlertStore(data / "alerts.sqlite3")
    for alert in store.alerts(status="new"):
        store.transition(alert.id, Transition("confirmed"), actor="staff")
    store.close()


def test_repeat_infringer_notice_with_evidence_trail(
    seeded: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _confirm_all(seeded)
    config = tmp_path / "markwatch.toml"
    config.write_text("[alerts.repeat_infringer]\nthreshold = 3\nwindow_days = 30\n", "utf-8")
    monkeypatch.setenv("MARKWATCH_DATA_DIR", str(seeded))
    monkeypatch.setenv("MARKWATCH_CONFIG", str(config))
    dest = tmp_path / "notice.csv"
    assert main(["evidence", "notice", str(dest)]) == 0
    rows = list(csv.reader(io.StringIO(dest.read_bytes().decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "经营者名称", "统一社会信用代码"]
    (entry,) = rows[1:]  # the two-platform entity; the pdd shop has one confirmation only
    assert entry[2] == CODE and entry[6] == "3"
    assert "taobao:亳州参行" in entry[4] and "jd:亳州参行旗舰店" in entry[4]
    evidence = EvidenceStore(seeded / "evidence")
    for lid in ("taobao:1", "taobao:2", "jd:9"):
        for logged in evidence.entries_for(lid):
            assert f"sha256:{logged.sha256}" in entry[8]


def test_complaint_lists_split_per_notice(
    seeded: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _confirm_all(seeded)
    monkeypatch.setenv("MARKWATCH_DATA_DIR", str(seeded))
    out = tmp_path / "complaints"
    assert main(["evidence", "complaints", "taobao", str(out), "--per-notice", "1"]) == 0
    files = sorted(out.iterdir())
    assert [f.name for f in files] == ["taobao-complaints-1.csv", "taobao-complaints-2.csv"]
    rows = list(csv.reader(io.StringIO(files[0].read_bytes().decode("utf-8-sig"))))
    assert rows[1][1:4] == ["taobao", "http://127.0.0.1:8800/taobao/item/taobao:1", "taobao:1"]
    assert main(["evidence", "complaints", "taobao", str(out), "--per-notice", "0"]) == 1
    assert "per_notice must be at least 1" in capsys.readouterr().err
