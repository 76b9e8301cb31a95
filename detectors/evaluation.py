"""Precision / recall / F1 of flagged-vs-clear on a labelled set, overall and per mark kind."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detectors.engine import Detector
from detectors.types import Listing

EVAL_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "eval"


@dataclass(frozen=True, slots=True)
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, expected: bool, flagged: bool) -> Scores:
        return Scores(
            self.tp + (expected and flagged),
            self.fp + (flagged and not expected),
            self.fn + (expected and not flagged),
            self.tn + (not expected and not flagged),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "tn": self.tn,
        }


@dataclass(frozen=True)
class EvalReport:
    overall: Scores
    per_kind: Mapping[str, Scores]
    right_mark: float  # share of true positives whose top mark is the expected mark
    verdict_accuracy: float  # exact verdict (infringing / suspicious / clear)
    rows: int
    mistakes: tuple[dict[str, Any], ...] = field(default=())

    def meets(self, target: float = 0.95) -> bool:
        o = self.overall
        return o.precision >= target and o.recall >= target and self.right_mark >= target

    def to_dict(self, max_mistakes: int = 50) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "overall": self.overall.to_dict(),
            "per_kind": {k: v.to_dict() for k, v in sorted(self.per_kind.items())},
            "right_mark_rate": round(self.right_mark, 4),
            "verdict_accuracy": round(self.verdict_accuracy, 4),
            "mistakes": list(self.mistakes[:max_mistakes]),
            "mistake_count": len(self.mistakes),
        }


def load_rows(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    """Rows of every `*.jsonl` given (directories are expanded)."""
    for path in paths:
        files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        for file in files:
            with file.open(encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        yield json.loads(line)


def evaluate(detector: Detector, rows: Iterable[Mapping[str, Any]]) -> EvalReport:
    """Flagged = suspicious or infringing. Rows need "expected": {"verdict", "mark"}."""
    overall = Scores()
    per_kind: dict[str, Scores] = {}
    kinds = {m.name: m.kind for m in detector.catalog.marks}
    right = tp = exact = n = 0
    mistakes: list[dict[str, Any]] = []
    for row in rows:
        n += 1
        expected = row["expected"]
        finding = detector.detect(Listing.from_dict(row))
        want = expected["verdict"] != "clear"
        got = finding.verdict != "clear"
        top = finding.top_mark
        kind = kinds.get(expected.get("mark") or "", None) or (top.kind if top else "none")
        overall = overall.add(want, got)
        per_kind[kind] = per_kind.get(kind, Scores()).add(want, got)
        exact += finding.verdict == expected["verdict"]
        mark_ok = True
        if want and got:
            tp += 1
            mark_ok = top is not None and top.mark == expected.get("mark")
            right += mark_ok
        if want != got or not mark_ok or finding.verdict != expected["verdict"]:
            mistakes.append(
                {
                    "id": row.get("id"),
                    "title": row.get("title"),
                    "location": (row.get("seller") or {}).get("location"),
                    "expected": expected,
                    "got": finding.to_dict(),
                }
            )
    return EvalReport(
        overall=overall,
        per_kind=per_kind,
        right_mark=right / tp if tp else 1.0,
        verdict_accuracy=exact / n if n else 1.0,
        rows=n,
        mistakes=tuple(mistakes),
    )
