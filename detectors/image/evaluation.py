"""Scores image analysis on a labelled gallery of real images (`labels.json`).

Split rule (so no image is both a reference and a test case): references come only
from the configured reference galleries; every labelled gallery image whose SHA-256
equals a reference file's is left out of the evaluation and listed as `excluded`.
The shared gallery is never used as a reference source, so the rest is unseen.

Scoring: a positive image counts for each mark it is labelled with; a mark is found
when the analysis reports that mark (drawing or printed name). "Beijing 2022 marks"
are the mascots and the two emblems; an image showing any of them is caught when
any Beijing 2022 mark is reported for it, including the printed names 北京2022 /
冬奥会 (a printed name is a use of the mark). Olympic rings of any Games are the
rings mark only. A negative is a false positive when anything at all is reported.
"""

from __future__ import annotations

import hashlib
import json
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from detectors.image.pandaface import BING_DWEN_DWEN
from detectors.image.rings import RINGS_MARK
from detectors.types import ImageEvidence

# labels.json spells the rings 奥运五环; the catalog's canonical name is 奥林匹克五环.
LABEL_ALIASES = {"奥运五环": "奥林匹克五环"}
BEIJING_MARKS = frozenset({BING_DWEN_DWEN, "雪容融", "冬梦", "飞跃"})
BEIJING_NAMES = frozenset({"北京2022", "冬奥会", "冬残奥会"})
RINGS = RINGS_MARK  # one spelling of the mark name for the detector and the scoring


class GalleryError(ValueError):
    """The gallery folder or its labels.json cannot be used; `path` names it."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True, slots=True)
class Case:
    file: str
    marks: frozenset[str]
    form: str


@dataclass(frozen=True, slots=True)
class Outcome:
    case: Case
    found: tuple[str, ...]
    methods: tuple[str, ...]
    ms: float


@dataclass(slots=True)
class GalleryReport:
    outcomes: list[Outcome] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    def _positives(self, marks: frozenset[str]) -> list[Outcome]:
        return [o for o in self.outcomes if o.case.marks & marks]

    def beijing_recall(self) -> float | None:
        cases = self._positives(BEIJING_MARKS)
        if not cases:
            return None
        hits = sum(bool(set(o.found) & (BEIJING_MARKS | BEIJING_NAMES)) for o in cases)
        return hits / len(cases)

    def mark_recall(self) -> dict[str, float]:
        out = {}
        for mark in sorted({m for o in self.outcomes for m in o.case.marks}):
            cases = self._positives(frozenset({mark}))
            out[mark] = round(sum(mark in o.found for o in cases) / len(cases), 4)
        return out

    def pair_recall(self) -> float | None:
        """(image, mark) pairs over the Beijing 2022 marks, each mark found exactly."""
        pairs = [(o, m) for o in self.outcomes for m in o.case.marks & BEIJING_MARKS]
        return sum(m in o.found for o, m in pairs) / len(pairs) if pairs else None

    def negatives(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.case.marks]

    def false_positive_rate(self) -> float | None:
        negatives = self.negatives()
        return sum(bool(o.found) for o in negatives) / len(negatives) if negatives else None

    def misses(self) -> list[str]:
        out = []
        for o in self.outcomes:
            if not o.case.marks and o.found:
                out.append(f"FP {o.case.file}: {', '.join(o.found)} ({', '.join(o.methods)})")
            for mark in sorted(o.case.marks - set(o.found)):
                out.append(
                    f"miss {o.case.file}: {mark} ({o.case.form}); found "
                    f"{', '.join(o.found) or 'nothing'}"
                )
        return out

    def summary(self) -> dict[str, object]:
        def r(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        times = [o.ms for o in self.outcomes]
        return {
            "images": len(self.outcomes),
            "excluded_as_references": sorted(self.excluded),
            "beijing2022_positives": len(self._positives(BEIJING_MARKS)),
            "negatives": len(self.negatives()),
            "beijing2022_recall": r(self.beijing_recall()),
            "beijing2022_mark_recall": r(self.pair_recall()),
            "recall_by_mark": self.mark_recall(),
            "false_positive_rate": r(self.false_positive_rate()),
            "analyse_ms_p50": round(statistics.median(times), 1) if times else None,
            "misses": self.misses(),
        }


def load_cases(gallery: Path) -> list[tuple[Case, Path]]:
    labels_path = gallery / "labels.json"
    try:
        raw = json.loads(labels_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GalleryError(f"cannot read {labels_path}: {exc}", labels_path) from None
    if not isinstance(raw, dict):
        raise GalleryError(f"{labels_path} must map file names to labels", labels_path)
    cases = []
    for file, label in sorted(raw.items()):
        marks = frozenset(LABEL_ALIASES.get(m, m) for m in label.get("marks", ()))
        cases.append((Case(file, marks, str(label.get("form", ""))), gallery / file))
    return cases


def evaluate_gallery(
    gallery: Path,
    analyse: Callable[[str, bytes], ImageEvidence],
    reference_digests: Iterable[str] = (),
) -> GalleryReport:
    """Runs `analyse` (name, bytes) -> evidence over every labelled image not a reference."""
    digests = set(reference_digests)
    report = GalleryReport()
    for case, path in load_cases(gallery):
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise GalleryError(f"cannot read {path}: {exc}", path) from None
        if hashlib.sha256(data).hexdigest() in digests:
            report.excluded.append(case.file)
            continue
        started = time.process_time()
        evidence = analyse(case.file, data)
        ms = (time.process_time() - started) * 1000
        found = tuple(dict.fromkeys(m.mark for m in evidence.insignia))
        methods = tuple(dict.fromkeys(m.method for m in evidence.insignia))
        report.outcomes.append(Outcome(case, found, methods, ms))
    return report
