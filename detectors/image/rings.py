"""The Olympic rings found by their geometry, not by one drawing of them.

Any Games' rings are the rings mark: five equal rings, blue / black / red on top and
yellow / green below, each lower ring between two upper ones. The detector finds
ring-shaped arcs per colour (colour segmentation, a circle fitted to each arc),
groups arcs of one colour into rings, then looks for the arrangement: blue and red
rings of one size with a yellow ring a quarter of the way from blue to red and a
green one three quarters of the way, both offset to the same side of that line.
The arrangement is checked relative to the blue-to-red axis, so rotated, mirrored
(a print seen from behind) and perspective-tilted rings still count. The middle
ring's colour depends on the background (black, or white on dark ground), so it is
only a bonus to the score. Five rings of one colour, a single ring, or coloured
discs are not the rings: colours, ring shape and layout are all required.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from detectors.image.decode import downscale
from detectors.types import InsigniaMatch

RINGS_MARK = "奥林匹克五环"


@dataclass(frozen=True, slots=True)
class HueBand:
    """An HSV band (OpenCV hue 0..180); `low > high` wraps through red."""

    low: int
    high: int
    min_saturation: int
    min_value: int

    def mask(self, hsv: np.ndarray) -> np.ndarray:
        """1 where the pixel is in the band, else 0 (uint8)."""
        floor = (self.min_saturation, self.min_value)
        if self.low <= self.high:
            inside = cv2.inRange(hsv, (self.low, *floor), (self.high, 255, 255))
        else:  # through red: two ranges
            inside = cv2.bitwise_or(
                cv2.inRange(hsv, (self.low, *floor), (180, 255, 255)),
                cv2.inRange(hsv, (0, *floor), (self.high, 255, 255)),
            )
        # 255 -> 1 in OpenCV: numpy's integer division costs as much as the range test.
        return np.asarray(cv2.threshold(inside, 0, 1, cv2.THRESH_BINARY)[1], np.uint8)


@dataclass(frozen=True, slots=True)
class RingsConfig:
    work_side: int = 1000  # rings printed small on a product need the pixels
    # Shrinking by less than 2x is bilinear (see `downscale`): same rings found on the
    # generated set and the gallery (scores +-0.02), a third less time on large photos.
    linear_above: float = 0.5
    blue: HueBand = HueBand(88, 132, 80, 60)
    yellow: HueBand = HueBand(12, 38, 60, 110)
    green: HueBand = HueBand(38, 92, 70, 50)
    red: HueBand = HueBand(160, 9, 80, 70)
    min_radius: float = 4.0  # work pixels
    max_radius_share: float = 0.3  # of the shorter image side
    max_residual: float = 0.22  # mean |distance - R| / R of an arc's pixels
    min_thickness: float = 0.04  # stroke width / R: a ring, not a hairline...
    max_thickness: float = 0.5  # ...nor a disc
    min_arc_degrees: float = 100.0  # one arc: a curve long enough to fix its circle
    min_ring_degrees: float = 170.0  # arcs of one ring together
    radius_tolerance: float = 0.35  # rings of one mark have one size
    position_tolerance: float = 0.12  # of the blue-red distance
    max_pixels_per_arc: int = 600  # arcs are subsampled for the fit
    # A ring touching a same-coloured area (a green ring on a green hill) is one
    # component with it: the area is opened away with this kernel and the thin
    # strokes left over are searched again.
    stroke_kernel: int = 7


@dataclass(frozen=True, slots=True)
class Ring:
    colour: str
    cx: float
    cy: float
    radius: float
    degrees: float  # angular coverage of its arcs


def _fit_circles(
    xs: np.ndarray, ys: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Algebraic (Kasa) least-squares circles of consecutive point groups at once.

    The points are centred on their group's mean first: the 3 x 3 normal equations
    then reduce to a 2 x 2 system in sums of products, solved in closed form for every
    group with a few vectorised reductions (one numpy solve per arc cost more than
    the rest of the detector). Radius NaN: no circle (collinear points).
    """
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    group = np.repeat(np.arange(len(counts)), counts)
    n = counts.astype(np.float64)
    mx = np.add.reduceat(xs, starts) / n
    my = np.add.reduceat(ys, starts) / n
    u = xs - mx[group]
    v = ys - my[group]
    uu, vv = u * u, v * v
    suu = np.add.reduceat(uu, starts)
    svv = np.add.reduceat(vv, starts)
    suv = np.add.reduceat(u * v, starts)
    # Right-hand side: half the sums of u (u^2 + v^2) and v (u^2 + v^2).
    ru = 0.5 * np.add.reduceat(u * (uu + vv), starts)
    rv = 0.5 * np.add.reduceat(v * (uu + vv), starts)
    det = suu * svv - suv * suv
    with np.errstate(divide="ignore", invalid="ignore"):
        uc = (ru * svv - rv * suv) / det
        vc = (rv * suu - ru * suv) / det
        r2 = uc * uc + vc * vc + (suu + svv) / n
        radius = np.where((det != 0) & (r2 > 0), np.sqrt(np.maximum(r2, 0.0)), np.nan)
    return mx + uc, my + vc, radius


def _fit_circle(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float] | None:
    """One algebraic circle through the points, or None."""
    cx, cy, radius = _fit_circles(xs, ys, np.array([len(xs)]))
    if not math.isfinite(float(radius[0])):
        return None
    return float(cx[0]), float(cy[0]), float(radius[0])


def _coverage(angles: np.ndarray, bins: int = 36) -> float:
    hist = np.zeros(bins, bool)
    hist[((angles + math.pi) / (2 * math.pi) * bins).astype(int) % bins] = True
    return float(hist.sum()) * 360.0 / bins


@dataclass(frozen=True, slots=True)
class _Piece:
    xs: np.ndarray  # float64 pixel columns (subsampled)
    ys: np.ndarray
    area: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1


def _pieces(mask: np.ndarray, cfg: RingsConfig, rng: np.random.Generator) -> list[_Piece]:
    """Blobs of a colour mask small enough to be (part of) a ring, as their outlines.

    A stroke's outline runs along both of its edges, so a circle fitted to it lies
    on the stroke's centre line; contours are much cheaper than pixel labelling.
    """
    max_side = 2.2 * cfg.max_radius_share * min(mask.shape)
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    if hierarchy is None:
        return []
    tree = hierarchy[0]
    # Most outlines are specks: the cheap tests run on all of them at once.
    lengths = np.fromiter(map(len, contours), np.int64, len(contours))
    outer = (tree[:, 3] < 0) & (lengths >= 12)
    holes: dict[int, list[int]] = {}
    for index in np.flatnonzero(tree[:, 3] >= 0).tolist():
        holes.setdefault(int(tree[index][3]), []).append(index)
    out = []
    for index in np.flatnonzero(outer).tolist():
        contour = contours[index]
        x, y, w, h = cv2.boundingRect(contour)
        if max(w, h) < 2 * cfg.min_radius or max(w, h) > max_side or max(w, h) > 4 * min(w, h):
            continue  # too small, too big, or a bar rather than an arc
        inner = holes.get(index, [])
        area = cv2.contourArea(contour) - sum(cv2.contourArea(contours[i]) for i in inner)
        points = np.concatenate([contour] + [contours[i] for i in inner]).reshape(-1, 2)
        if len(points) > cfg.max_pixels_per_arc:
            points = points[rng.choice(len(points), cfg.max_pixels_per_arc, replace=False)]
        points = points.astype(np.float64)
        # Outline pixels sit half a pixel outside the stroke on one side: area is low.
        stroke_area = max(float(area), 0.0) + 0.5 * len(contour)
        out.append(_Piece(points[:, 0], points[:, 1], int(stroke_area), (x, y, x + w, y + h)))
    return out


def _circles_of(
    xs: np.ndarray,
    ys: np.ndarray,
    counts: np.ndarray,
    areas: np.ndarray,
    cfg: RingsConfig,
    max_r: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per group of consecutive points: (cx, cy, radius, degrees covered) rows and
    whether the group lies on a ring-like circle, for every group at once."""
    bins = 36
    cx, cy, radius = _fit_circles(xs, ys, counts)
    group = np.repeat(np.arange(len(counts)), counts)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    dx, dy = xs - cx[group], ys - cy[group]
    with np.errstate(invalid="ignore"):
        residual = np.add.reduceat(np.abs(np.hypot(dx, dy) - radius[group]), starts) / counts
        at = ((np.arctan2(dy, dx) + math.pi) / (2 * math.pi) * bins).astype(int) % bins
        hist = np.zeros((len(counts), bins), bool)
        hist[group, at] = True
        degrees = hist.sum(axis=1) * (360.0 / bins)
        thickness = areas / np.maximum(1.0, radius * np.radians(degrees))
        ok = (
            np.isfinite(radius)
            & (radius >= cfg.min_radius)
            & (radius <= max_r)
            & (residual <= cfg.max_residual * radius)
            & (thickness / radius >= cfg.min_thickness)
            & (thickness / radius <= cfg.max_thickness)
        )
    return np.column_stack([cx, cy, radius, degrees]), ok


def _circle_of(
    xs: np.ndarray, ys: np.ndarray, area: int, cfg: RingsConfig, max_r: float
) -> tuple[float, float, float, float] | None:
    """(cx, cy, radius, degrees covered) when the pixels lie on a ring-like circle."""
    fits, ok = _circles_of(xs, ys, np.array([len(xs)]), np.array([float(area)]), cfg, max_r)
    if not ok[0]:
        return None
    cx, cy, radius, degrees = (float(v) for v in fits[0])
    return cx, cy, radius, degrees


def _on_circle(
    pieces: list[_Piece],
    boxes: np.ndarray,
    fit: tuple[float, float, float, float],
    skip: set[int],
) -> list[int]:
    """Pieces lying (mostly) on the fitted circle; `boxes` are the pieces' boxes."""
    cx, cy, radius, _ = fit
    pad = 1.4 * radius
    near = np.flatnonzero(
        (boxes[:, 2] >= cx - pad)
        & (boxes[:, 0] <= cx + pad)
        & (boxes[:, 3] >= cy - pad)
        & (boxes[:, 1] <= cy + pad)
    )
    out = []
    for other in near.tolist():
        if other in skip:
            continue
        piece = pieces[other]
        off = np.abs(np.hypot(piece.xs - cx, piece.ys - cy) - radius)
        if float(np.mean(off <= 0.4 * radius)) >= 0.6:
            out.append(other)
    return out


def _hollow(mask: np.ndarray, cx: float, cy: float, radius: float) -> bool:
    """The ring's middle is not its colour (a disc, a ball, a dot is)."""
    r = max(1, int(0.35 * radius))
    x, y = round(cx), round(cy)
    inner = mask[max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1]
    return inner.size > 0 and float(inner.mean()) < 0.2


def _colour_rings(
    pieces: list[_Piece], mask: np.ndarray, colour: str, cfg: RingsConfig, max_r: float
) -> list[Ring]:
    """Rings of one colour: a long arc fixes a circle, then the other pieces on that
    circle (the ring is cut where other rings cross over it) join and are refitted."""
    if not pieces:
        return []
    fits, ok = _circles_of(
        np.concatenate([p.xs for p in pieces]),
        np.concatenate([p.ys for p in pieces]),
        np.array([len(p.xs) for p in pieces]),
        np.array([float(p.area) for p in pieces]),
        cfg,
        max_r,
    )
    boxes = np.array([p.box for p in pieces], np.float64).reshape(-1, 4)
    seeds = []
    for index in np.flatnonzero(ok & (fits[:, 3] >= cfg.min_arc_degrees)).tolist():
        cx, cy, radius, degrees = (float(v) for v in fits[index])
        seeds.append(((cx, cy, radius, degrees), index))
    seeds.sort(key=lambda s: -s[0][3] * s[0][2])  # longest arcs first: surest circles
    used: set[int] = set()
    rings = []
    for seed, index in seeds:
        if index in used:
            continue
        fit, members = seed, [index]
        for _ in range(3):  # a short arc's circle is rough: gather, refit, gather again
            found = [index, *_on_circle(pieces, boxes, fit, used | {index})]
            if found == members:
                break
            xs = np.concatenate([pieces[m].xs for m in found])
            ys = np.concatenate([pieces[m].ys for m in found])
            refit = _circle_of(xs, ys, sum(pieces[m].area for m in found), cfg, max_r)
            if refit is None:
                break
            fit, members = refit, found
        if fit[3] < cfg.min_ring_degrees or not _hollow(mask, fit[0], fit[1], fit[2]):
            continue
        used.update(members)
        rings.append(Ring(colour, fit[0], fit[1], fit[2], fit[3]))
    return rings


@dataclass(frozen=True, slots=True)
class RingsFinding:
    score: float
    quad: tuple[tuple[float, float], ...]  # input pixels
    reason: str
    rings: tuple[Ring, ...]  # blue, yellow, green, red (work pixels)

    def to_match(self) -> InsigniaMatch:
        return InsigniaMatch(RINGS_MARK, self.score, self.quad, "rings", self.reason)


class RingsDetector:
    """Pure: a BGR image in, the rings arrangements found in it out."""

    def __init__(self, config: RingsConfig | None = None) -> None:
        self.config = config or RingsConfig()

    def candidates(self, image: np.ndarray) -> dict[str, list[Ring]]:
        """Rings per colour (work pixels); stops early when no arrangement is possible."""
        cfg = self.config
        small = downscale(image, cfg.work_side, cfg.linear_above)
        hsv = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (cfg.stroke_kernel,) * 2)
        max_r = cfg.max_radius_share * min(small.shape[:2])
        rng = np.random.default_rng(0)  # subsampling is deterministic
        out: dict[str, list[Ring]] = {}
        # Blue and red first: most photos have no ring of one of them, and then the
        # other colours are not worth segmenting.
        for name in ("blue", "red", "yellow", "green"):
            band: HueBand = getattr(cfg, name)
            mask = band.mask(hsv)
            rings = _colour_rings(_pieces(mask, cfg, rng), mask, name, cfg, max_r)
            thick = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
            if thick.any():
                thin_mask = mask & (1 - thick)
                thin = _colour_rings(_pieces(thin_mask, cfg, rng), mask, name, cfg, max_r)
                rings += [r for r in thin if not any(_same(r, q) for q in rings)]
            out[name] = rings
            if not rings:
                break
            if name == "red" and not any(
                _top_pair(blue, red, cfg) for blue in out["blue"] for red in rings
            ):
                break  # no blue and red ring of one size at the top row's spacing
        return out

    def find(self, image: np.ndarray) -> list[RingsFinding]:
        if image.ndim != 3:
            return []  # the arrangement is told by its colours
        cfg = self.config
        side = max(image.shape[:2])
        back = side / cfg.work_side if side > cfg.work_side else 1.0
        found = self.candidates(image)
        if len(found) < 4 or not all(found.values()):
            return []
        findings: list[RingsFinding] = []
        for blue in found["blue"]:
            for red in found["red"]:
                finding = self._arrangement(blue, red, found, back)
                if finding is not None:
                    findings.append(finding)
        findings.sort(key=lambda f: -f.score)
        kept: list[RingsFinding] = []
        for finding in findings:  # one finding per arrangement: overlapping ones are one
            if not any(_overlap(finding, k) for k in kept):
                kept.append(finding)
        return kept

    def _arrangement(
        self, blue: Ring, red: Ring, found: dict[str, list[Ring]], back: float
    ) -> RingsFinding | None:
        cfg = self.config
        pair = _top_pair(blue, red, cfg)
        if pair is None:
            return None
        radius, length = pair
        axis = np.array([red.cx - blue.cx, red.cy - blue.cy])
        unit = axis / length
        normal = np.array([-unit[1], unit[0]])
        tol = cfg.position_tolerance * length

        def place(ring: Ring) -> tuple[float, float]:
            rel = np.array([ring.cx - blue.cx, ring.cy - blue.cy])
            return float(rel @ unit) / length, float(rel @ normal) / length

        best: tuple[float, Ring, Ring] | None = None
        for yellow in found["yellow"]:
            if abs(yellow.radius - radius) > cfg.radius_tolerance * radius:
                continue
            ya, yn = place(yellow)
            if abs(ya - 0.25) * length > tol or not (0.1 <= abs(yn) <= 0.4):
                continue
            for green in found["green"]:
                if abs(green.radius - radius) > cfg.radius_tolerance * radius:
                    continue
                ga, gn = place(green)
                # Both lower rings on the same side of the top row, at one depth.
                if abs(ga - 0.75) * length > tol or gn * yn <= 0 or abs(gn - yn) * length > tol:
                    continue
                error = (abs(ya - 0.25) + abs(ga - 0.75) + abs(gn - yn)) * length / tol
                if best is None or error < best[0]:
                    best = (error, yellow, green)
        if best is None:
            return None
        error, yellow, green = best
        rings = (blue, yellow, green, red)
        points = np.array(
            [
                (r.cx + dx * r.radius, r.cy + dy * r.radius)
                for r in rings
                for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
            ],
            np.float32,
        )
        box = cv2.boxPoints(cv2.minAreaRect(points)) * back
        whole = min(r.degrees for r in rings) / 360.0
        score = round(min(1.0, 0.7 + 0.2 * whole + 0.1 * max(0.0, 1 - error / 3)), 4)
        reason = (
            f"five-ring layout: blue/red rings r={radius * back:.0f}px "
            f"{length / radius:.1f} radii apart, yellow and green rings between and "
            f"below them (arcs cover {min(r.degrees for r in rings):.0f}+ degrees)"
        )
        quad = tuple((float(x), float(y)) for x, y in box)
        return RingsFinding(score, quad, reason, rings)


def _top_pair(blue: Ring, red: Ring, cfg: RingsConfig) -> tuple[float, float] | None:
    """(mean radius, distance) when a blue and a red ring can be the top row's ends."""
    radius = (blue.radius + red.radius) / 2
    if abs(blue.radius - red.radius) > cfg.radius_tolerance * radius:
        return None
    length = float(np.hypot(red.cx - blue.cx, red.cy - blue.cy))
    # Top rings are about 2.2 radii apart centre to centre: blue-red about 4.4 R.
    if not (3.2 * radius <= length <= 6.0 * radius):
        return None
    return radius, length


def _same(a: Ring, b: Ring) -> bool:
    return math.hypot(a.cx - b.cx, a.cy - b.cy) <= 0.3 * a.radius and (
        abs(a.radius - b.radius) <= 0.3 * a.radius
    )


def _overlap(a: RingsFinding, b: RingsFinding) -> bool:
    """The centre of one finding lies inside the other's region."""
    centre = np.mean(np.array(a.quad, np.float32), axis=0)
    region = np.array(b.quad, np.float32).reshape(-1, 1, 2)
    return cv2.pointPolygonTest(region, (float(centre[0]), float(centre[1])), False) >= 0
