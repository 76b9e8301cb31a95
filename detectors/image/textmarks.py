"""Names of the insignia printed in a photo (OCR lines) as image evidence with a region.

"冰墩墩" or "BEIJING 2022" printed on a box is a use of that mark even when no drawing
matches; the OCR box is the region a reviewer is shown. Matching is on the line with
spaces and punctuation removed, case-folded, so "Bing DwenDwen" and "BEIJING 2022™"
both count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from detectors.image.ocr import OcrLine
from detectors.types import InsigniaMatch

_JUNK = re.compile(r"[\s\W_]+", re.UNICODE)

# (catalog mark, spellings once folded). "冬奥" alone is left out on purpose: it is an
# ordinary abbreviation on unofficial slogans ("冬奥 迎接冰雪之约").
DEFAULT_NAMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("冰墩墩", ("冰墩墩", "bingdwendwen")),
    ("雪容融", ("雪容融", "shueyrhonrhon")),
    ("北京2022", ("beijing2022", "北京2022")),
    ("冬奥会", ("冬奥会", "冬季奥运会", "冬季奥林匹克运动会")),
    ("冬残奥会", ("冬残奥会", "冬季残奥会")),
)


# OCR drops or misreads digits of the stylised "2022" of the emblem's wordmark
# ("BEIJING 022", "BEIJING 2O22", "BEIJING Z022"); the word BEIJING plus such a year
# still names it.
_BEIJING_YEAR = re.compile(r"beijing[2z]?[0o][2z]{2}")


def fold(text: str) -> str:
    return _JUNK.sub("", text).casefold()


@dataclass(frozen=True, slots=True)
class NameSpotter:
    names: Sequence[tuple[str, Sequence[str]]] = DEFAULT_NAMES
    min_score: float = 0.6  # recogniser confidence of the line

    def spot(self, lines: Iterable[OcrLine]) -> list[InsigniaMatch]:
        """One match per mark: the most confident line naming it."""
        best: dict[str, InsigniaMatch] = {}
        for line in lines:
            if line.score < self.min_score or len(line.quad) != 4:
                continue
            folded = fold(line.text)
            for mark, spellings in self.names:
                if any(fold(s) in folded for s in spellings) or (
                    mark == "北京2022" and _BEIJING_YEAR.search(folded)
                ):
                    score = round(min(1.0, line.score), 4)
                    if mark not in best or score > best[mark].score:
                        best[mark] = InsigniaMatch(
                            mark, score, line.quad, "ocr", f"printed text reads {line.text!r}"
                        )
        return sorted(best.values(), key=lambda m: -m.score)
