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
_LATIN_WORD = re.compile(r"[a-z]{4,}")


def fold(text: str) -> str:
    return _JUNK.sub("", text).casefold()


@dataclass(frozen=True, slots=True)
class NameSpotter:
    names: Sequence[tuple[str, Sequence[str]]] = DEFAULT_NAMES
    min_score: float = 0.6  # recogniser confidence of the line

    def bare_wordmarks(self, lines: Iterable[OcrLine]) -> list[OcrLine]:
        """Lines that read the "BEIJING 2022" wordmark and nothing else."""
        return [
            line
            for line in lines
            if line.score >= self.min_score
            and len(line.quad) == 4
            and _BEIJING_YEAR.fullmatch(fold(line.text))
        ]

    def programme_caption(self, close: Sequence[OcrLine]) -> str | None:
        """The caption word of a programme lock-up ("Education" over "BEIJING 2022").

        `close` are the lines read closely around one bare wordmark. The Games'
        programmes (education, culture, ...) put a small word centred over the
        wordmark; such a logo is the programme's, not the Games' emblem, so the
        wordmark under it is not evidence of the mark. A caption is a Latin word of
        four letters or more, lower than the wordmark, ending above its middle and
        centred over it, and not a mark's name itself.
        """
        marks = [line for line in close if _BEIJING_YEAR.fullmatch(fold(line.text))]
        if not marks:
            return None
        mark = max(marks, key=lambda line: line.score)
        mx0, my0, mx1, my1 = _bounds(mark)
        for line in close:
            folded = fold(line.text)
            if line is mark or line.score < self.min_score or not _LATIN_WORD.fullmatch(folded):
                continue
            if any(fold(s) in folded for _, spellings in self.names for s in spellings):
                continue
            x0, y0, x1, y1 = _bounds(line)
            centre = (x0 + x1) / 2
            if (
                y1 - y0 < my1 - my0
                and y1 <= (my0 + my1) / 2
                and my0 - y1 <= 0.6 * (my1 - my0)
                and mx0 + 0.2 * (mx1 - mx0) <= centre <= mx1 - 0.2 * (mx1 - mx0)
            ):
                return line.text
        return None

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


def _bounds(line: OcrLine) -> tuple[float, float, float, float]:
    xs = [x for x, _ in line.quad]
    ys = [y for _, y in line.quad]
    return min(xs), min(ys), max(xs), max(ys)


def caption_search_box(line: OcrLine) -> tuple[float, float, float, float]:
    """Where a programme caption over this wordmark line would be (input pixels)."""
    x0, y0, x1, y1 = _bounds(line)
    h = y1 - y0
    return x0 - 0.2 * h, y0 - 0.6 * h, x1 + 0.2 * h, y1 + 0.2 * h
