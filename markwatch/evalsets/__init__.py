"""The labelled evaluation sets, shipped as package data so `markwatch eval` works anywhere.

- `synthetic`: generated listings (`synthetic/make_eval_set.py`), rows carry `expected`.
- `real`: third-party texts copied verbatim from cited sources, hand-labelled (`real/`,
  provenance in `real/PROVENANCE.md`), rows carry `label` and `provenance`.
- `holdout`: rows of the real set kept apart by a fixed hash of their id; nobody tunes on them.

Real rows taken from the shared third-party folder are stored as a reference (`ref`: file and
index) instead of a copy; they are resolved through `testbed.realworld` and left out, counted,
when that folder is absent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

SET_NAMES = ("synthetic", "real", "holdout", "all")
REAL_FILE = "real_text.jsonl"
HOLDOUT_FILE = "real_text_holdout.jsonl"


class EvalSetError(ValueError):
    """An unknown set name, or a row that cannot be read; carries the place."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where


def _folder(name: str) -> Path:
    return Path(str(resources.files(__package__).joinpath(name)))


def set_files(name: str) -> dict[str, list[Path]]:
    """The JSONL files of each part of a named set ({"synthetic": [...], "real": [...]})."""
    if name not in SET_NAMES:
        raise EvalSetError(f"unknown evaluation set {name!r}; choose one of {', '.join(SET_NAMES)}")
    parts: dict[str, list[Path]] = {}
    if name in ("synthetic", "all"):
        parts["synthetic"] = sorted(_folder("synthetic").glob("*.jsonl"))
    if name in ("real", "all"):
        parts["real"] = [_folder("real") / REAL_FILE]
    if name in ("holdout", "all"):
        parts["holdout"] = [_folder("real") / HOLDOUT_FILE]
    return parts


@dataclass(frozen=True)
class LoadedRows:
    rows: list[dict[str, Any]]
    unresolved: int  # rows whose shared source file is not on this machine


def _jiangsu_jd(item: dict[str, Any]) -> dict[str, Any]:
    # The dump's JD listing: title and the item page's parameter block (商品名称 … 店铺).
    return {"platform": "jd", "title": item["title"], "description": item.get("content") or ""}


def _pdd_goods(item: dict[str, Any]) -> dict[str, Any]:
    # Pinduoduo category API: goods_name, prices in fen.
    return {"platform": "pdd", "title": item["goods_name"], "price": item["normal_price"] / 100}


def _tmall_shop_item(item: dict[str, Any]) -> dict[str, Any]:
    return {"platform": "tmall", "title": item["title"], "price": float(item["price"])}


# How a referenced shared file's entries become Listing fields: (entries of the file, mapper).
REF_FORMATS: dict[str, tuple[Callable[[Any], list[Any]], Callable[[Any], dict[str, Any]]]] = {
    "jiangsu_jd": (lambda data: list(data), _jiangsu_jd),
    "pdd_goods": (lambda data: list(data["goods_list"]), _pdd_goods),
    "tmall_shop_items": (lambda data: list(data["items"]), _tmall_shop_item),
}


def _resolve(row: dict[str, Any], where: str, cache: dict[str, list[Any]]) -> dict[str, Any]:
    from testbed.realworld import realworld_path

    ref = row["ref"]
    fmt = REF_FORMATS.get(ref.get("format", ""))
    if fmt is None:
        raise EvalSetError(f"unknown ref format {ref.get('format')!r}", where)
    entries_of, mapper = fmt
    file = ref["file"]
    if file not in cache:
        path = realworld_path(*file.split("/"))
        cache[file] = entries_of(json.loads(path.read_text(encoding="utf-8")))
    resolved = {k: v for k, v in row.items() if k != "ref"}
    # The referenced entry fills what the row leaves out (a synthetic row keeps its platform).
    for key, value in mapper(cache[file][int(ref["index"])]).items():
        resolved.setdefault(key, value)
    return resolved


def load_set_rows(files: list[Path]) -> LoadedRows:
    """Rows of the files, with shared references resolved (skipped when shared is absent)."""
    from testbed.realworld import RealWorldDataMissing

    rows: list[dict[str, Any]] = []
    unresolved = 0
    cache: dict[str, list[Any]] = {}
    for file in files:
        for lineno, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            where = f"{file.name}:{lineno}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalSetError(f"not JSON ({exc.msg})", where) from exc
            if "ref" in row:
                try:
                    row = _resolve(row, where, cache)
                except RealWorldDataMissing:
                    unresolved += 1
                    continue
            rows.append(row)
    return LoadedRows(rows, unresolved)


def iter_real_rows() -> Iterator[dict[str, Any]]:
    """Every row of the real set and its holdout, unresolved (for tooling and tests)."""
    for name in (REAL_FILE, HOLDOUT_FILE):
        path = _folder("real") / name
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield json.loads(line)
