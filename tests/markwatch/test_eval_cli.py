"""`markwatch eval` and the packaged evaluation sets (synthetic, real-text, holdout)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from detectors import Detector, DetectorConfig, load_catalog
from detectors.evaluation import CATEGORIES, Label, LabelError, evaluate_labelled
from markwatch.evalsets import (
    HOLDOUT_FILE,
    REAL_FILE,
    EvalSetError,
    iter_real_rows,
    load_set_rows,
    set_files,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(load_catalog(), DetectorConfig())


def _run_eval(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "markwatch.cli", "eval", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_real_rows_are_labelled_and_sourced() -> None:
    rows = list(iter_real_rows())
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "ids are unique across the set and its holdout"
    for row in rows:
        label = Label.from_row(row)
        assert label.category in CATEGORIES
        prov = row["provenance"]
        assert prov["retrieved"] and prov["field_map"] and prov["kind"]
        assert any(k in prov for k in ("source_url", "repo", "index_file_id", "shared_file"))
        if "ref" in row:
            assert "title" not in row, "rows from the shared folder are references, not copies"
        else:
            assert row.get("title") or row.get("description")
    offers = [Label.from_row(r) for r in rows if r["label"]["offer"]]
    assert len(rows) >= 350
    assert sum(lbl.review for lbl in offers) >= 100
    assert sum(not lbl.review for lbl in offers) >= 200
    assert len(rows) - len(offers) >= 35
    for category in ("rice", "ginseng", "other_gi", "olympic"):
        assert any(lbl.review and lbl.category == category for lbl in offers), category


def test_holdout_split_follows_the_id_hash() -> None:
    real = set_files("real")["real"][0]
    holdout = set_files("holdout")["holdout"][0]
    assert real.name == REAL_FILE and holdout.name == HOLDOUT_FILE
    for path, kept_apart in ((real, False), (holdout, True)):
        for line in path.read_text(encoding="utf-8").splitlines():
            row_id = json.loads(line)["id"]
            in_holdout = int(hashlib.sha1(row_id.encode()).hexdigest(), 16) % 10 < 3
            assert in_holdout is kept_apart, row_id


def test_set_files_are_package_data_without_machine_paths() -> None:
    for files in set_files("all").values():
        for path in files:
            assert path.is_file(), path
            assert "/work/" not in path.read_text(encoding="utf-8")
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"*.jsonl"' in pyproject and '"*.md"' in pyproject
    with pytest.raises(EvalSetError, match="unknown evaluation set"):
        set_files("nope")


def test_shared_references_resolve(realworld_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MARKWATCH_REALWORLD_DIR", str(realworld_root))
    loaded = load_set_rows(set_files("real")["real"] + set_files("holdout")["holdout"])
    assert loaded.unresolved == 0
    resolved = [r for r in loaded.rows if r["provenance"].get("shared_file")]
    assert resolved and all(r["title"] for r in resolved)
    synthetic = load_set_rows(set_files("synthetic")["synthetic"])
    assert synthetic.unresolved == 0 and len(synthetic.rows) == 510
    unrelated = [r for r in synthetic.rows if r["case"] == "unrelated"]
    assert len(unrelated) == 60 and all(r["title"] and r["price"] for r in unrelated)


def test_labels_refuse_inconsistent_rows() -> None:
    base = {"id": "x:1", "title": "t"}
    with pytest.raises(LabelError, match="needs a 'label'"):
        Label.from_row(base)
    prose_for_review = {"review": True, "marks": ["冰墩墩"], "category": "prose", "offer": False}
    with pytest.raises(LabelError, match="never for review"):
        Label.from_row({**base, "label": prose_for_review})
    with pytest.raises(LabelError, match="names the marks"):
        Label.from_row(
            {**base, "label": {"review": True, "marks": [], "category": "rice", "offer": True}}
        )
    with pytest.raises(LabelError, match="category"):
        Label.from_row(
            {**base, "label": {"review": False, "marks": [], "category": "x", "offer": True}}
        )


def test_labelled_scoring_counts_offers_prose_and_marks(detector: Detector) -> None:
    def row(n: int, title: str, review: bool, marks: list[str], category: str, offer: bool):
        label = {"review": review, "marks": marks, "category": category, "offer": offer}
        return {"id": f"t:{n}", "platform": "taobao", "title": title, "label": label}

    rows = [
        row(1, "长白山人参 林下参 礼盒 50g", True, ["长白山人参"], "ginseng", True),
        row(
            2, "冰墩墩 毛绒 公仔 钥匙扣", True, ["雪容融"], "olympic", True
        ),  # wrong mark on purpose
        row(3, "西洋参片 含片 花旗参", False, [], "negative", True),
        row(4, "金锣玉米热狗40g", False, [], "negative", True),
    ]
    report = evaluate_labelled(detector, rows)
    assert report.rows == 4 and report.prose_rows == 0
    assert report.offers.tp == 2 and report.offers.tn == 2
    assert report.right_mark == 0.5
    assert [m["problem"] for m in report.misses] == ["wrong mark"]
    out = report.to_dict()
    assert set(out["per_category"]) == {"ginseng", "olympic", "negative"}


def test_eval_synthetic_from_another_directory_json(tmp_path: Path) -> None:
    done = _run_eval("--set", "synthetic", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    synthetic = out["sets"]["synthetic"]
    assert synthetic["rows"] >= 300 and synthetic["meets_target"] is True
    assert synthetic["offers"]["precision"] >= 0.95 and synthetic["offers"]["recall"] >= 0.95
    assert "misses" not in synthetic


def test_eval_real_lists_every_miss(tmp_path: Path, realworld_root: Path) -> None:
    env = {"MARKWATCH_REALWORLD_DIR": str(realworld_root)}
    done = _run_eval("--set", "all", "--json", "--misses", cwd=tmp_path, env=env)
    assert done.returncode in (0, 1), done.stderr
    out = json.loads(done.stdout)
    assert set(out["sets"]) == {"synthetic", "real", "holdout"}
    for part in ("real", "holdout"):
        report = out["sets"][part]
        assert report["unresolved"] == 0
        assert len(report["misses"]) == report["miss_count"]
        assert {"offers", "per_category", "right_mark_rate", "prose_misread_rate"} <= set(report)
        for miss in report["misses"]:
            assert {"id", "title", "expected", "got", "problem"} <= set(miss)
    text = _run_eval("--set", "real", "--misses", cwd=tmp_path, env=env)
    assert "== real:" in text.stdout and "right mark" in text.stdout
    prose = _run_eval("--set", "real", "--kind", "prose", "--json", cwd=tmp_path, env=env)
    only_prose = json.loads(prose.stdout)["sets"]["real"]
    assert only_prose["rows"] == only_prose["prose_rows"] > 0


def test_eval_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    missing = _run_eval("--input", str(tmp_path / "none.jsonl"), cwd=tmp_path)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x:1", "title": "t", "label": {"review": "yes"}}\n', encoding="utf-8")
    done = _run_eval("--input", str(bad), cwd=tmp_path)
    assert done.returncode == 2 and "row x:1" in done.stderr and "Traceback" not in done.stderr
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n", encoding="utf-8")
    done = _run_eval("--input", str(broken), cwd=tmp_path)
    assert done.returncode == 2 and "broken.jsonl:1" in done.stderr
