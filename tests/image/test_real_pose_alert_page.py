"""A real photo of 冰墩墩 in a pose no reference shows, under a clean title: flagged by the
image alone, and the matched region drawn on the console's alert page.

The photos are third-party images of the shared gallery (read there, never copied);
none of them is a reference image (their digests differ from every reference's).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from alerts.store import AlertStore
from console.app import create_app
from detectors import Detector, load_catalog
from detectors.image.analyze import ImageAnalyzer
from detectors.image.insignia import InsigniaMatcher
from detectors.image.references import load_reference_dirs
from detectors.types import Listing, Seller
from indexer.base import IndexedDoc
from indexer.sqlite_backend import SqliteIndex
from indexer.text import Tokenizer
from tests.console.seed import build_seeded, login

# Gallery photos of the mascot in poses and renderings unlike the official front view:
# a fan's hand drawing, a 3D model preview, a turtle-graphics drawing.
NEW_POSES = ("pos_003.png", "pos_009.png", "pos_077.png")
CLEAN_TITLE = "冬季新款 可爱熊猫公仔 儿童新年礼物"
SEEN = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def analyzer(realworld_root: Path) -> ImageAnalyzer:
    references = load_reference_dirs([realworld_root / "images"])
    # No OCR: the image itself, not a printed name, must carry the finding.
    return ImageAnalyzer(InsigniaMatcher(references), None)


@pytest.mark.parametrize("name", NEW_POSES)
def test_new_pose_photo_flags_a_clean_title_with_its_region_on_the_alert_page(
    name: str, analyzer: ImageAnalyzer, realworld_root: Path, tmp_path: Path
) -> None:
    gallery = realworld_root / "images" / "gallery"
    assert "冰墩墩" in json.loads((gallery / "labels.json").read_text("utf-8"))[name]["marks"]
    data = (gallery / name).read_bytes()
    url = f"https://img.shop.example/{name}"
    evidence = analyzer.analyze(url, data)
    assert evidence.error == "" and evidence.ocr_text == ""
    found = {m.mark: m for m in evidence.insignia}
    assert "冰墩墩" in found, evidence

    listing = Listing(
        id=f"pdd:{name}",
        platform="pdd",
        url=f"https://mobile.shop.example/goods/{name}",
        title=CLEAN_TITLE,
        price=39.9,
        seller=Seller("玩具小铺", "浙江 义乌", "s-1"),
        images=(url,),
    )
    finding = Detector(load_catalog()).detect(listing, images=[evidence])
    assert finding.verdict != "clear", finding.to_dict()
    reason = next(
        r
        for m in finding.marks
        if m.mark == "冰墩墩"
        for r in m.reasons
        if r.code == "insignia_in_image"
    )
    assert url in reason.evidence and found["冰墩墩"].region_text() in reason.evidence

    # The alert as the console shows it: the photo, with the matched region drawn on it.
    root = tmp_path / "console"
    seeded = build_seeded(root, Tokenizer(["冰墩墩"]))
    index = SqliteIndex(root / "index.sqlite3", Tokenizer(["冰墩墩"]))
    index.upsert([IndexedDoc(listing, finding, first_seen=SEEN, last_seen=SEEN)])
    index.refresh()
    index.close()
    store = AlertStore(root / "alerts.sqlite3")
    changes = store.record(listing, finding, at=SEEN)
    store.close()
    alert_id = next(c.alert.id for c in changes if c.alert.mark == "冰墩墩")
    seeded.evidence.add(listing.id, "image", data, Path(name).suffix, at=SEEN)
    with TestClient(create_app(seeded.deps), follow_redirects=False) as client:
        login(client, "staff")
        page = client.get(f"/alerts/{alert_id}")
    assert page.status_code == 200
    polygon = re.search(r'<polygon points="([^"]+)" class="region">', page.text)
    assert polygon is not None, page.text[-2000:]
    xs = [float(p.split(",")[0]) for p in polygon.group(1).split()]
    ys = [float(p.split(",")[1]) for p in polygon.group(1).split()]
    quad = found["冰墩墩"].quad
    assert min(xs) == pytest.approx(min(x for x, _ in quad), abs=1.0)
    assert max(ys) == pytest.approx(max(y for _, y in quad), abs=1.0)
