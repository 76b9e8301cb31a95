"""Text-path throughput of the detector on one core (single process).

`python bench/bench_text.py [--quick]` prints JSON: listings/s on a realistic mix, and
how throughput scales with catalog size (10 / 100 / 1000 marks, extra marks synthesised).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from detectors import Catalog, Detector, Mark, load_catalog
from detectors.catalog_loader import PriceFloor, RegionUnit
from detectors.evaluation import EVAL_DIR, load_rows
from detectors.types import Listing

# Syllable-rich characters to build synthetic place names from.
_SYNTH_CHARS = "金银山河湖海松柏桂兰梅竹青红黄绿东西南北安平宁康泰丰华阳明光永兴隆福禄寿喜乐"


def _listings(n: int, seed: int = 7) -> list[Listing]:
    """Drawn from the labelled set: about 60 % name a mark, a harsher mix than real crawls
    (most crawled listings name none, and those take the cheap path)."""
    rows = [Listing.from_dict(r) for r in load_rows([EVAL_DIR])]
    rng = random.Random(seed)
    return [rng.choice(rows) for _ in range(n)]


def _synthetic_catalog(base: Catalog, size: int, seed: int = 11) -> Catalog:
    rng = random.Random(seed)
    extra: list[Mark] = []
    names: set[str] = {m.name for m in base.marks}
    while len(base.marks) + len(extra) < size:
        place = "".join(rng.choice(_SYNTH_CHARS) for _ in range(2))
        product = rng.choice(["大米", "人参", "木耳", "蜂蜜", "小米", "红枣"])
        name = place + product
        if name in names:
            continue
        names.add(name)
        extra.append(
            Mark(
                name=name,
                kind="gi",
                aliases=(f"{place} {product}",),
                category="rice",
                price_floor=PriceFloor(per_500g=3.0),
                region=(RegionUnit(province="吉林省", city="长春市", counties=("农安县",)),),
            )
        )
    return base.with_marks(extra)


def _rate(detector: Detector, listings: list[Listing]) -> float:
    start = time.perf_counter()
    detector.detect_many(listings)
    return len(listings) / (time.perf_counter() - start)


def bench_text(n: int = 20000, sizes: tuple[int, ...] = (10, 100, 1000)) -> dict[str, Any]:
    base = load_catalog()
    listings = _listings(n)
    t0 = time.perf_counter()
    detector = Detector(base)
    build = time.perf_counter() - t0
    detector.detect_many(listings[:200])  # warm the romanised-word cache
    out: dict[str, Any] = {
        "listings": n,
        "catalog_marks": len(base.marks),
        "build_seconds": round(build, 3),
        "listings_per_second": round(_rate(detector, listings), 1),
        "scaling": {},
    }
    small = listings[: max(n // 4, 500)]
    for size in sizes:
        if size <= len(base.marks):
            catalog = Catalog(base.marks[:size], base.licensees, base.lexicon, base.files)
        else:
            catalog = _synthetic_catalog(base, size)
        t0 = time.perf_counter()
        d = Detector(catalog)
        built = time.perf_counter() - t0
        out["scaling"][str(size)] = {
            "build_seconds": round(built, 3),
            "listings_per_second": round(_rate(d, small), 1),
        }
    out["by_listing_length"] = _length_scaling(detector, small)
    out["full_catalog"] = _full_catalog(detector, listings[: max(n // 2, 1000)])
    return out


# Varied shop prose (storage, shipping, origin talk with place words), so a description is
# not one sentence repeated: place words and product words make the matcher work.
_SHOP_SENTENCES = (
    "本店商品均为实拍，支持七天无理由退换，欢迎咨询客服。",
    "生长于东北黑土地，昼夜温差大，颗粒饱满，口感软糯香甜。",
    "长白山脚下的原生态环境，远离污染，品质有保障。",
    "收到后请置于阴凉干燥处保存，开封后请尽快食用。",
    "顺丰包邮，偏远地区除外，下单后四十八小时内发货。",
    "礼盒包装，送长辈送客户都很有面子，逢年过节佳品。",
    "蒸米饭时米水比例一比一点二，浸泡半小时口感更佳。",
    "人参切片泡水泡酒炖汤均可，每日三到五克为宜。",
    "产品经过严格筛选，去除碎粒和杂质，真空包装锁住新鲜。",
    "吉林省内多仓发货，支持批发代发，量大从优。",
    "谨防假冒，认准本店，假一赔十，售后无忧。",
    "农家自产自销，没有中间商赚差价，价格实惠。",
)


def _full_catalog(detector: Detector, listings: list[Listing]) -> dict[str, Any]:
    """Issue 20 targets, with the whole catalog: real-length titles alone (>= 10,000/s) and
    with 2,000-character descriptions of varied shop prose (>= 3,000/s)."""
    rng = random.Random(5)
    titles = [dataclasses.replace(x, description="") for x in listings]
    described = []
    for x in listings:
        text = x.description
        while len(text) < 2000:
            text += rng.choice(_SHOP_SENTENCES)
        described.append(dataclasses.replace(x, description=text[:2000]))
    out: dict[str, Any] = {"catalog_marks": len(detector.catalog.marks)}
    for key, batch in (("titles", titles), ("descriptions_2000_chars", described)):
        wall, cpu = _rates(detector, batch)
        out[f"{key}_listings_per_second"] = round(wall, 1)
        # CPU seconds of this one process: what one core does when the machine is shared.
        out[f"{key}_listings_per_cpu_second"] = round(cpu, 1)
    return out


def _rates(detector: Detector, listings: list[Listing]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    detector.detect_many(listings)
    return (
        len(listings) / (time.perf_counter() - wall),
        len(listings) / max(time.process_time() - cpu, 1e-9),
    )


# Marketplace descriptions run from nothing to several thousand characters of filler.
_FILLER = "本店商品均为实拍，支持七天无理由退换，欢迎咨询客服，坚持品质优先。"


def _length_scaling(detector: Detector, listings: list[Listing]) -> dict[str, float]:
    """Listings/s with descriptions of ~0, ~500 and ~2,000 characters."""
    out = {}
    for chars in (0, 500, 2000):
        filler = (_FILLER * (chars // len(_FILLER) + 1))[:chars]
        padded = [dataclasses.replace(x, description=f"{x.description}{filler}") for x in listings]
        out[f"{chars}_chars"] = round(_rate(detector, padded), 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5,000 listings (under ~20 s)")
    parser.add_argument("-n", type=int, default=20000)
    args = parser.parse_args()
    print(json.dumps(bench_text(5000 if args.quick else args.n), indent=2))


if __name__ == "__main__":
    main()
