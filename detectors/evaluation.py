"""Precision / recall / F1 of flagged-vs-clear on labelled listings.

Two row formats: the synthetic set's `expected` {"verdict", "mark"} (`evaluate`), and the
real-text set's `label` {"review", "marks", "category", "offer", "note"} (`evaluate_labelled`),
which scores shop listings (offer rows) and prose rows (news, notices) apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detectors.engine import Detector
from detectors.types import Listing

# The synthetic set ships as package data of `markwatch.evalsets` (no import: detectors stay
# free of our other packages); `markwatch.evalsets` resolves every set by name.
EVAL_DIR = Path(__file__).resolve().parents[1] / "markwatch" / "evalsets" / "synthetic"
CATEGORIES = ("rice", "ginseng", "other_gi", "olympic", "negative", "prose")


class LabelError(ValueError):
    """A labelled row is malformed; carries the row id and the problem."""

    def __init__(self, row_id: str, problem: str) -> None:
        super().__init__(f"row {row_id or '?'}: {problem}")
        self.row_id = row_id
        self.problem = problem


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


@dataclass(frozen=True, slots=True)
class Label:
    """What a person decided about one row of the real-text set."""

    review: bool  # an officer should look at it
    marks: tuple[str, ...]  # canonical names of the marks the text invokes
    category: str  # one of CATEGORIES
    offer: bool  # an offer of goods (False: news, notice, explainer)
    note: str = ""

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Label:
        row_id = str(row.get("id") or "")
        data = row.get("label")
        if not isinstance(data, dict):
            raise LabelError(row_id, "needs a 'label' object")
        category = data.get("category")
        if category not in CATEGORIES:
            raise LabelError(row_id, f"label.category must be one of {', '.join(CATEGORIES)}")
        review, offer = data.get("review"), data.get("offer")
        if not isinstance(review, bool) or not isinstance(offer, bool):
            raise LabelError(row_id, "label.review and label.offer must be true or false")
        marks = data.get("marks") or []
        if not isinstance(marks, list) or not all(isinstance(m, str) for m in marks):
            raise LabelError(row_id, "label.marks must be a list of mark names")
        if review and not marks:
            raise LabelError(row_id, "a row for review names the marks it invokes")
        if not offer and review:
            raise LabelError(row_id, "prose (offer: false) is never for review")
        return cls(review, tuple(marks), category, offer, str(data.get("note") or ""))

    @classmethod
    def from_expected(cls, row: Mapping[str, Any], kinds: Mapping[str, str]) -> Label:
        """The synthetic set's `expected` as a label (every synthetic row is an offer)."""
        expected = row["expected"]
        mark = expected.get("mark") or ""
        review = expected["verdict"] != "clear"
        category = kinds.get(mark, "negative") if review else "negative"
        return cls(review, (mark,) if mark else (), category, True)


@dataclass(frozen=True)
class LabelledReport:
    offers: Scores  # review-vs-not on offer rows
    per_category: Mapping[str, Scores]
    right_mark: float  # true positives whose top mark is one of the labelled marks
    prose_rows: int
    prose_flagged: int  # prose rows that got a non-clear verdict (misread as an offer)
    rows: int
    misses: tuple[dict[str, Any], ...] = field(default=())

    @property
    def prose_misread_rate(self) -> float:
        return self.prose_flagged / self.prose_rows if self.prose_rows else 0.0

    def meets(
        self, precision: float = 0.95, recall: float = 0.90, mark: float = 0.95, prose: float = 0.05
    ) -> bool:
        o = self.offers
        return (
            o.precision >= precision
            and o.recall >= recall
            and self.right_mark >= mark
            and self.prose_misread_rate <= prose
        )

    def to_dict(self, with_misses: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rows": self.rows,
            "offers": self.offers.to_dict(),
            "per_category": {k: v.to_dict() for k, v in sorted(self.per_category.items())},
            "right_mark_rate": round(self.right_mark, 4),
            "prose_rows": self.prose_rows,
            "prose_misread_as_offer": self.prose_flagged,
            "prose_misread_rate": round(self.prose_misread_rate, 4),
            "miss_count": len(self.misses),
        }
        if with_misses:
            out["misses"] = list(self.misses)
        return out


def _got(finding: Any) -> dict[str, Any]:
    top = finding.top_mark
    return {
        "verdict": finding.verdict,
        "mark": top.mark if top else None,
        "reasons": [r.code for m in finding.marks for r in m.reasons],
    }


def evaluate_labelled(
    detector: Detector, rows: Iterable[Mapping[str, Any]], *, synthetic: bool = False
) -> LabelledReport:
    """Flagged = suspicious or infringing. Misses: wrong review decision, wrong top mark on a
    true positive, or prose that is flagged."""
    kinds = {m.name: m.kind for m in detector.catalog.marks}
    offers = Scores()
    per_category: dict[str, Scores] = {}
    right = tp = n = prose = prose_flagged = 0
    misses: list[dict[str, Any]] = []
    for row in rows:
        n += 1
        label = Label.from_expected(row, kinds) if synthetic else Label.from_row(row)
        finding = detector.detect(Listing.from_dict(dict(row)))
        flagged = finding.verdict != "clear"
        top = finding.top_mark
        problem = ""
        if not label.offer:
            prose += 1
            prose_flagged += flagged
            per_category[label.category] = per_category.get(label.category, Scores()).add(
                False, flagged
            )
            problem = "prose flagged as an offer" if flagged else ""
        else:
            offers = offers.add(label.review, flagged)
            per_category[label.category] = per_category.get(label.category, Scores()).add(
                label.review, flagged
            )
            if label.review and flagged:
                tp += 1
                if top is not None and top.mark in label.marks:
                    right += 1
                else:
                    problem = "wrong mark"
            elif label.review:
                problem = "missed"
            elif flagged:
                problem = "false alarm"
        if problem:
            misses.append(
                {
                    "id": row.get("id"),
                    "title": row.get("title"),
                    "category": label.category,
                    "problem": problem,
                    "expected": {"review": label.review, "marks": list(label.marks)},
                    "got": _got(finding),
                }
            )
    return LabelledReport(
        offers=offers,
        per_category=per_category,
        right_mark=right / tp if tp else 1.0,
        prose_rows=prose,
        prose_flagged=prose_flagged,
        rows=n,
        misses=tuple(misses),
    )
