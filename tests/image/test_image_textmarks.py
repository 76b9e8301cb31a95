"""Printed mark names: the bare wordmark and the programme lock-ups that are not the mark."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from detectors.image.analyze import AnalyzerConfig, ImageAnalyzer
from detectors.image.ocr import OcrConfig, OcrEngine, OcrLine
from detectors.image.textmarks import NameSpotter, caption_search_box


def _line(text: str, x0: float, y0: float, x1: float, y1: float, score: float = 0.95) -> OcrLine:
    return OcrLine(text, ((x0, y0), (x1, y0), (x1, y1), (x0, y1)), score)


WORDMARK = _line("BEIJING 2022", 100, 100, 300, 140)


def test_bare_wordmark_lines_are_the_wordmark_alone() -> None:
    lines = [
        WORDMARK,
        _line("北京 2022 年冬奥会奖牌", 0, 0, 300, 30),
        _line("BEIJING Z022", 0, 0, 9, 9),
    ]
    assert [line.text for line in NameSpotter().bare_wordmarks(lines)] == [
        "BEIJING 2022",
        "BEIJING Z022",
    ]


def test_a_small_word_centred_over_the_wordmark_is_a_programme_caption() -> None:
    caption = _line("Education", 160, 75, 240, 97)
    assert NameSpotter().programme_caption([caption, WORDMARK]) == "Education"


@pytest.mark.parametrize(
    "other",
    [
        _line("Alpine skiing", 140, 150, 260, 170),  # the sport's name under a pictogram
        _line("Education", 300, 75, 380, 97),  # beside, not over the wordmark
        _line("Education", 100, 20, 300, 60),  # as tall as the wordmark: a title line
        _line("2022", 170, 75, 230, 97),  # no word
        _line("冰墩墩", 160, 75, 240, 97),  # a mark's own name is no programme
    ],
    ids=["below", "beside", "as-tall", "digits", "mark-name"],
)
def test_other_text_near_the_wordmark_is_no_caption(other: OcrLine) -> None:
    assert NameSpotter().programme_caption([other, WORDMARK]) is None


def test_the_caption_search_box_reaches_above_the_wordmark() -> None:
    x0, y0, x1, y1 = caption_search_box(WORDMARK)
    assert y0 < 100 - 20 and y1 > 140 and x0 < 100 and x1 > 300


def _lockup(caption: str | None) -> np.ndarray:
    image = np.full((400, 600, 3), 245, np.uint8)
    if caption:
        cv2.putText(image, caption, (250, 284), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (60, 60, 60), 1)
    cv2.putText(image, "BEIJING 2022", (200, 320), cv2.FONT_HERSHEY_DUPLEX, 1.0, (20, 20, 20), 2)
    return image


@pytest.fixture(scope="module")
def text_only() -> ImageAnalyzer:
    off = AnalyzerConfig(rings=None, panda_face=None)
    return ImageAnalyzer(None, OcrEngine(OcrConfig(threads=1)), off)


def _png(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", image)
    assert ok
    return buf.tobytes()


def test_the_bare_wordmark_is_evidence_and_a_programme_lockup_is_not(
    text_only: ImageAnalyzer,
) -> None:
    bare = text_only.analyze("bare.png", _png(_lockup(None)))
    assert [m.mark for m in bare.insignia] == ["北京2022"], bare
    lockup = text_only.analyze("lockup.png", _png(_lockup("Education")))
    assert lockup.insignia == (), lockup
    assert "BEIJING" in lockup.ocr_text  # the text is still reported, only not as the mark
