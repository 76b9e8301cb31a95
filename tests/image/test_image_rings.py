"""Olympic-rings geometry detector on synthetic drawings (no reference art needed)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from detectors.image.rings import RINGS_MARK, RingsDetector

# BGR colours of the five rings, top row then bottom row.
BLUE, BLACK, RED = (200, 129, 0), (0, 0, 0), (78, 51, 238)
YELLOW, GREEN = (49, 177, 252), (81, 166, 0)


def _rings(
    colours: tuple[tuple[int, int, int], ...] = (BLUE, BLACK, RED, YELLOW, GREEN),
    radius: int = 40,
    size: tuple[int, int] = (480, 640),
    background: tuple[int, int, int] = (255, 255, 255),
    filled: bool = False,
) -> np.ndarray:
    """Five rings in the official layout, interlaced: each lower ring passes under one
    upper ring and over the next, so every ring is cut where another crosses it."""
    image = np.full((*size, 3), background, np.uint8)
    step = int(2.2 * radius)
    x0, y0 = size[1] // 2 - step, size[0] // 2 - radius // 2
    centres = [(x0, y0), (x0 + step, y0), (x0 + 2 * step, y0)]
    centres += [(x0 + step // 2, y0 + radius), (x0 + 3 * step // 2, y0 + radius)]
    thickness = -1 if filled else max(2, radius // 6)
    for centre, colour in zip(centres, colours, strict=True):
        cv2.circle(image, centre, radius, colour, thickness, cv2.LINE_AA)
    if not filled:
        # Upper rings redrawn over the lower ones on their right-hand arcs: interlacing.
        for centre, colour in zip(centres[:3], colours[:3], strict=True):
            cv2.ellipse(image, centre, (radius, radius), 0, -60, 60, colour, thickness)
    return image


def test_finds_interlaced_coloured_rings_with_region_and_reason() -> None:
    image = _rings()
    found = RingsDetector().find(image)
    assert len(found) == 1
    match = found[0].to_match()
    assert match.mark == RINGS_MARK and match.method == "rings" and "five-ring" in match.reason
    xs = [x for x, _ in match.quad]
    ys = [y for _, y in match.quad]
    # The region covers the five rings (centre x 320 +- 2.2 R + R), not the whole photo.
    assert 170 <= min(xs) <= 240 and 400 <= max(xs) <= 470
    assert 150 <= min(ys) <= 220 and 270 <= max(ys) <= 330


@pytest.mark.parametrize(
    "transform",
    [
        lambda im: cv2.flip(im, 1),  # mirrored: the print seen from behind
        lambda im: cv2.rotate(im, cv2.ROTATE_90_CLOCKWISE),
        lambda im: cv2.resize(im, None, fx=0.35, fy=0.35, interpolation=cv2.INTER_AREA),
        lambda im: cv2.imdecode(cv2.imencode(".jpg", im, [cv2.IMWRITE_JPEG_QUALITY, 40])[1], 1),
    ],
    ids=["mirror", "rot90", "small", "jpeg40"],
)
def test_survives_mirror_rotation_scale_and_jpeg(transform) -> None:  # type: ignore[no-untyped-def]
    assert RingsDetector().find(transform(_rings()))


def test_rings_on_a_dark_ground_with_a_white_middle_ring() -> None:
    assert RingsDetector().find(
        _rings((BLUE, (255, 255, 255), RED, YELLOW, GREEN), background=(0, 0, 0))
    )


@pytest.mark.parametrize(
    "image",
    [
        _rings((BLUE,) * 5),  # five rings of one colour: not told apart from any pattern
        _rings(filled=True),  # coloured discs (a ball pool), not rings
        _rings((BLUE, BLACK, RED, GREEN, YELLOW)),  # lower colours swapped
    ],
    ids=["one-colour", "discs", "swapped-lower"],
)
def test_not_found_without_colours_ring_shape_and_layout(image: np.ndarray) -> None:
    assert RingsDetector().find(image) == []


def test_single_ring_and_blank_photo() -> None:
    single = np.full((300, 300, 3), 255, np.uint8)
    cv2.circle(single, (150, 150), 80, BLUE, 8)
    assert RingsDetector().find(single) == []
    assert RingsDetector().find(np.zeros((200, 200), np.uint8)) == []  # greyscale


def test_circle_fit_recovers_known_circles_at_once() -> None:
    """The closed-form fit gives each group its circle, as a least-squares solve does."""
    from detectors.image.rings import _fit_circle, _fit_circles

    rng = np.random.default_rng(1)
    groups = [(120.0, 80.0, 35.0, 0.0, 2.5), (400.5, 300.25, 7.5, 1.0, 4.0)]
    xs, ys, counts = [], [], []
    for cx, cy, r, start, span in groups:  # arcs, not whole circles, with pixel noise
        t = rng.uniform(start, start + span, 200)
        xs.append(cx + r * np.cos(t) + rng.normal(0, 0.3, 200))
        ys.append(cy + r * np.sin(t) + rng.normal(0, 0.3, 200))
        counts.append(200)
    fx, fy, fr = _fit_circles(np.concatenate(xs), np.concatenate(ys), np.array(counts))
    for i, (cx, cy, r, _, _) in enumerate(groups):
        assert fx[i] == pytest.approx(cx, abs=0.5)
        assert fy[i] == pytest.approx(cy, abs=0.5)
        assert fr[i] == pytest.approx(r, abs=0.5)
        # Same minimiser as the uncentred 3 x 3 normal equations.
        a = np.column_stack([xs[i], ys[i], np.ones(200)])
        d, e, _ = np.linalg.solve(a.T @ a, a.T @ -(xs[i] ** 2 + ys[i] ** 2))
        assert (fx[i], fy[i]) == pytest.approx((-d / 2, -e / 2), abs=1e-6)
    line = np.arange(10, dtype=np.float64)
    assert _fit_circle(line, 2 * line) is None  # collinear: no circle


def test_stops_before_the_lower_rings_when_blue_and_red_cannot_be_the_top_row() -> None:
    """A blue and a red ring of different sizes are no rings' top row: yellow and green
    are not segmented (the costliest half), and nothing is found."""
    image = np.full((480, 640, 3), 255, np.uint8)
    for centre, radius, colour in (
        ((150, 200), 60, BLUE),
        ((450, 200), 20, RED),
        ((250, 300), 40, YELLOW),
        ((350, 300), 40, GREEN),
    ):
        cv2.circle(image, centre, radius, colour, max(2, radius // 6), cv2.LINE_AA)
    detector = RingsDetector()
    assert set(detector.candidates(image)) == {"blue", "red"}
    assert detector.find(image) == []
