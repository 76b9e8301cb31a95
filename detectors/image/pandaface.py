"""Bing Dwen Dwen's face found by its layout, in any rendering (2D art, 3D models).

What every rendering of the mascot keeps is the panda face: two large dark eye
patches, mirror images of each other, each holding a big light round eye (the
mascot's eyes are drawn as bright rings inside the patch), a small dark nose between
and below them, all on a white face. A real panda's eyes are small and dark inside
its patches, a raccoon's mask is one band, teddy bears have no patches: the bright
round eye inside each of two mirrored patches is the part those do not have.
The region reported is the face (patches, eyes and nose), in input pixels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import cv2
import numpy as np

from detectors.image.decode import downscale
from detectors.types import InsigniaMatch

BING_DWEN_DWEN = "冰墩墩"


@dataclass(frozen=True, slots=True)
class PandaFaceConfig:
    work_side: int = 800  # faces in 3D-model screenshots are small: 640 loses them
    # Shrinking by less than 2x is bilinear (see `downscale`): the area filter was
    # two thirds of the detector's time, and it finds the same faces (scores +-0.01).
    linear_above: float = 0.5
    dark_value: int = 80  # max(B, G, R) at most this: the black patches, nose, pupils
    patch_black: int = 45  # the patches' own black; an eye's iris is lighter
    min_patch_area: float = 40.0  # work pixels
    max_patch_share: float = 0.08  # of the image: a patch is part of a face
    # The eye's area over the patch's hull area. The mascot's eye is large (0.15-0.30
    # over the gallery's renders, plush toys and fan art); a cartoon panda's eye is a
    # small white catchlight (0.08-0.11 in the generated negatives), which must not pass.
    min_eye_share: float = 0.13
    max_eye_share: float = 0.55  # more is a ring or a letter O, not a patch with an eye
    min_eye_roundness: float = 0.5  # area over its enclosing circle's
    # The eye (or its rim) is light: mid-grey in a grey-lit 3D viewport (about 120),
    # where a real panda's eye stays dark brown (under 70).
    min_eye_value: int = 115
    max_area_ratio: float = 1.8  # the two patches are one size...
    max_mirror_degrees: float = 35.0  # ...and mirror images about the face's axis
    min_gap: float = 0.9  # patch distance over the patch's long axis
    max_gap: float = 3.2
    min_face_value: int = 150  # median brightness of the face around the patches
    max_face_saturation: int = 90


@dataclass(frozen=True, slots=True)
class _Eye:
    x: float
    y: float
    share: float  # of the patch's hull area


@dataclass(frozen=True, slots=True)
class _Patch:
    cx: float
    cy: float
    area: float
    major: float
    angle: float  # degrees, of the long axis, 0..180
    eye: _Eye


@dataclass(frozen=True, slots=True)
class PandaFaceFinding:
    score: float
    quad: tuple[tuple[float, float], ...]
    reason: str

    def to_match(self) -> InsigniaMatch:
        return InsigniaMatch(BING_DWEN_DWEN, self.score, self.quad, "face-layout", self.reason)


class PandaFaceDetector:
    """Pure: a BGR image in, Bing Dwen Dwen faces found in it out (best first)."""

    def __init__(self, config: PandaFaceConfig | None = None) -> None:
        self.config = config or PandaFaceConfig()

    def find(self, image: np.ndarray) -> list[PandaFaceFinding]:
        if image.ndim != 3:
            return []
        cfg = self.config
        small = downscale(image, cfg.work_side, cfg.linear_above)
        back = image.shape[1] / small.shape[1]
        # max(B, G, R) through OpenCV: numpy's reduction over the channel axis is
        # strided and costs ten times as much on a photo.
        blue, green, red = cv2.split(small)
        value: np.ndarray = np.asarray(cv2.max(cv2.max(blue, green), red), np.uint8)
        dark = (value <= cfg.dark_value).astype(np.uint8)
        outlines, hierarchy = cv2.findContours(dark, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
        if hierarchy is None:
            return []
        contours = cast(tuple[np.ndarray, ...], outlines)  # OpenCV's stubs say Sequence[Mat]
        patches = self._patches(contours, hierarchy[0], dark, value)
        found = []
        for i, left in enumerate(patches):
            for right in patches[i + 1 :]:
                finding = self._face(left, right, contours, hierarchy[0], dark, small, back)
                if finding is not None:
                    found.append(finding)
        return sorted(found, key=lambda f: -f.score)

    def _patches(
        self,
        contours: tuple[np.ndarray, ...],
        tree: np.ndarray,
        dark: np.ndarray,
        value: np.ndarray,
    ) -> list[_Patch]:
        cfg = self.config
        pixels = dark.shape[0] * dark.shape[1]
        out = []
        for index, contour in enumerate(contours):
            if tree[index][3] >= 0 or len(contour) < 5:
                continue
            area = cv2.contourArea(contour)
            if not (cfg.min_patch_area <= area <= cfg.max_patch_share * pixels):
                continue
            eye = self._eye(contour, value)
            if eye is None:
                continue
            (cx, cy), axes, angle = cv2.fitEllipse(contour)
            major, minor = max(axes), min(axes)
            if minor <= 0:
                continue
            if axes[0] > axes[1]:
                angle += 90.0
            out.append(_Patch(cx, cy, area, major, angle % 180.0, eye))
        return out

    def _eye(self, contour: np.ndarray, value: np.ndarray) -> _Eye | None:
        """The big, round, light eye inside a dark patch, if it has one.

        Looked for inside the patch's convex hull, not only in its holes: at small
        sizes the patch's rim above the eye is thinner than a pixel and the eye
        breaks out of it. A dark pupil inside the eye is filled in.
        """
        cfg = self.config
        hull = cv2.convexHull(contour)
        x, y, w, h = cv2.boundingRect(hull)
        inside = np.zeros((h, w), np.uint8)
        cv2.drawContours(inside, [hull - [x, y]], -1, 1, -1)
        hull_area = float(inside.sum())
        # The hull's rim is shaved off: where the eye breaks through the patch's edge it
        # would otherwise join the light strip between the patch and its hull.
        rim = max(1, round(0.06 * min(w, h)))
        shaved = cv2.erode(inside, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * rim + 1,) * 2))
        # The patch itself is near black; a rendered iris is dark grey, so the eye is
        # what is lighter than the patch's own black (threshold below `dark_value`).
        light = shaved & (value[y : y + h, x : x + w] > cfg.patch_black).astype(np.uint8)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(light, connectivity=4)
        best: _Eye | None = None
        for label in range(1, count):
            bx, by, bw, bh, _ = (int(v) for v in stats[label])
            blob = (labels[by : by + bh, bx : bx + bw] == label).astype(np.uint8)
            outline, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
            if not outline:
                continue
            filled = cv2.contourArea(max(outline, key=cv2.contourArea))
            share = filled / hull_area
            if not (cfg.min_eye_share <= share <= cfg.max_eye_share):
                continue
            _, radius = cv2.minEnclosingCircle(max(outline, key=cv2.contourArea))
            roundness = filled / (math.pi * radius * radius) if radius > 0 else 0.0
            if roundness < cfg.min_eye_roundness:
                continue
            # The eye's light part (its white, its rim): the brightest quarter of it.
            pixels = value[y + by : y + by + bh, x + bx : x + bx + bw][blob > 0]
            if float(np.percentile(pixels, 75)) < cfg.min_eye_value:
                continue
            if best is None or share > best.share:
                best = _Eye(x + bx + bw / 2, y + by + bh / 2, share)
        return best

    def _face(
        self,
        a: _Patch,
        b: _Patch,
        contours: tuple[np.ndarray, ...],
        tree: np.ndarray,
        dark: np.ndarray,
        small: np.ndarray,
        back: float,
    ) -> PandaFaceFinding | None:
        cfg = self.config
        if a.cx > b.cx:
            a, b = b, a  # left patch first: "below the line" is then +y
        if max(a.area, b.area) > cfg.max_area_ratio * min(a.area, b.area):
            return None
        dx, dy = b.cx - a.cx, b.cy - a.cy
        distance = math.hypot(dx, dy)
        size = (a.major + b.major) / 2
        if not (cfg.min_gap * size <= distance <= cfg.max_gap * size):
            return None
        axis = math.degrees(math.atan2(dy, dx))
        # Mirror images about the perpendicular of the line joining them: their long
        # axes make opposite angles with that line.
        rel_a = (a.angle - axis) % 180.0
        rel_b = (b.angle - axis) % 180.0
        mirror = abs(((rel_a + rel_b) % 180.0 + 90.0) % 180.0 - 90.0)
        if mirror > cfg.max_mirror_degrees:
            return None
        # Upright-ish faces only: a face on its side is rare and doubles the search.
        if abs(((axis + 90.0) % 180.0) - 90.0) > 40.0:
            return None
        # Eyes sit on the same side of the patches' line (both up in the face).
        ux, uy = dx / distance, dy / distance
        side_a = (a.eye.x - a.cx) * -uy + (a.eye.y - a.cy) * ux
        side_b = (b.eye.x - b.cx) * -uy + (b.eye.y - b.cy) * ux
        if side_a * side_b < 0 and min(abs(side_a), abs(side_b)) > 0.1 * size:
            return None
        nose = self._nose(a, b, contours, tree)
        if nose is None:
            return None
        x0 = min(a.cx, b.cx) - size * 0.7
        x1 = max(a.cx, b.cx) + size * 0.7
        y0 = min(a.cy, b.cy) - size * 0.8
        y1 = max(a.cy, b.cy, nose[1]) + size * 0.6
        height, width = dark.shape
        box = (max(0, int(x0)), max(0, int(y0)), min(width, int(x1)), min(height, int(y1)))
        light = dark[box[1] : box[3], box[0] : box[2]] == 0
        if light.size == 0 or light.sum() < 20:
            return None
        # HSV of the face's box only: few photos get this far.
        region = cv2.cvtColor(small[box[1] : box[3], box[0] : box[2]], cv2.COLOR_BGR2HSV)
        face_value = float(np.median(region[..., 2][light]))
        face_saturation = float(np.median(region[..., 1][light]))
        if face_value < cfg.min_face_value or face_saturation > cfg.max_face_saturation:
            return None
        score = round(0.7 + 0.2 * (1 - mirror / cfg.max_mirror_degrees) + 0.1 * face_value / 255, 4)
        left, top, right, bottom = (v * back for v in box)
        quad = ((left, top), (right, top), (right, bottom), (left, bottom))
        reason = (
            "panda face layout: two mirrored dark eye patches, each with a light round "
            f"eye, {distance / size:.1f} patch lengths apart, a dark nose between them, "
            f"on a white face (median brightness {face_value:.0f})"
        )
        return PandaFaceFinding(score, quad, reason)

    def _nose(
        self, a: _Patch, b: _Patch, contours: tuple[np.ndarray, ...], tree: np.ndarray
    ) -> tuple[float, float] | None:
        """A small dark blob between the patches, near or below the line joining them."""
        dx, dy = b.cx - a.cx, b.cy - a.cy
        distance = math.hypot(dx, dy)
        ux, uy = dx / distance, dy / distance
        mean_area = (a.area + b.area) / 2
        for index, contour in enumerate(contours):
            if tree[index][3] >= 0:
                continue
            area = cv2.contourArea(contour)
            if not (0.02 * mean_area <= area <= 0.4 * mean_area):
                continue
            m = cv2.moments(contour)
            if m["m00"] <= 0:
                continue
            nx, ny = m["m10"] / m["m00"], m["m01"] / m["m00"]
            along = ((nx - a.cx) * ux + (ny - a.cy) * uy) / distance
            across = ((nx - a.cx) * -uy + (ny - a.cy) * ux) / distance
            # Image y grows downwards: below the line is positive `across`.
            if 0.3 <= along <= 0.7 and -0.15 <= across <= 0.6:
                return nx, ny
        return None
