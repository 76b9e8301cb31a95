"""`markwatch detect`: Listing JSONL in, Finding JSONL out, same order, images included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from markwatch.cli import main
from testbed.images import artwork_photo

LISTINGS = [
    {
        "id": "t:photo",
        "platform": "taobao",
        "title": "可爱熊猫公仔 毛绒玩具 生日礼物",
        "price": 39,
        "seller": {"name": "礼品店", "location": "浙江 义乌"},
        "images": ["bing.jpg", "broken.jpg", "absent.jpg", "http://127.0.0.1:9200/x.jpg"],
    },
    {
        "id": "t:genuine",
        "platform": "taobao",
        "title": "正宗长白山人参 林下参 500g",
        "price": 380,
        "seller": {"name": "白山参业", "location": "吉林 白山"},
    },
    {
        "id": "t:evasive",
        "platform": "taobao",
        "title": "五 常大米 稻花香 10斤",
        "price": 59,
        "seller": {"name": "米铺", "location": "江苏 宿迁"},
    },
    {"id": "t:plain", "platform": "jd", "title": "冰丝T恤 女 夏季", "price": 29},
]


def _run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rows: list[object]
) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    (tmp_path / "bing.jpg").write_bytes(artwork_photo("cli-test", "冰墩墩"))
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated jpeg")
    source = tmp_path / "listings.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    code = main(["detect", "--input", str(source)])
    lines = capsys.readouterr().out.splitlines()
    return code, [json.loads(line) for line in lines]


def test_one_finding_per_listing_in_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, findings = _run(tmp_path, capsys, LISTINGS)
    assert code == 0
    assert [f["id"] for f in findings] == [r["id"] for r in LISTINGS]
    verdicts = {f["id"]: f["verdict"] for f in findings}
    assert verdicts == {
        "t:photo": "infringing",
        "t:genuine": "clear",
        "t:evasive": "infringing",
        "t:plain": "clear",
    }
    for finding in findings:
        if finding["verdict"] != "clear":
            assert all(r["detail"] for m in finding["marks"] for r in m["reasons"])


def test_clean_title_with_mascot_photo_is_flagged_with_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, findings = _run(tmp_path, capsys, LISTINGS[:1])
    (finding,) = findings
    (hit,) = finding["marks"]
    assert hit["mark"] == "冰墩墩"
    insignia = next(r for r in hit["reasons"] if r["code"] == "insignia_in_image")
    assert insignia["evidence"].startswith("bing.jpg [") and insignia["evidence"].count("(") == 4
    # Broken, missing and internal-address images are reported, and the run went on.
    errors = " | ".join(finding["errors"])
    assert "broken.jpg" in errors and "absent.jpg" in errors
    assert "internal address" in errors


def test_bad_line_gets_a_finding_with_an_error_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, findings = _run(tmp_path, capsys, [LISTINGS[1], {"title": "no id"}, LISTINGS[3]])
    assert code == 1
    assert [f["id"] for f in findings] == ["t:genuine", "line:2", "t:plain"]
    assert findings[1]["errors"]
