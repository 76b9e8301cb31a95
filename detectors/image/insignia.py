"""Find protected insignia inside listing photos.

Paths, cheapest first:
1. pHash of the (border-trimmed) photo against the official artwork: re-posted copies.
2. ORB (the fast path): keypoints looked up in one LSH index over every reference
   and matte variant, a ratio test, then per reference a robust affine consensus
   refined to a homography; a match needs enough inliers, a high enough inlier
   ratio, inliers spread over the reference and a sane quadrilateral.
3. SIFT verifies the strongest ORB candidates that fell short, on their region only.
4. When ORB found nothing but its survivors on some reference agree beyond chance,
   SIFT over the whole (smaller) photo: flat logos over clutter (thin ribbons, rings)
   give ORB too few repeatable corners.
Features are computed on min(B, G, R), see `feature_channel`. The evidence region
is the reference's corners projected through the homography, in input pixels.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

from detectors.image.decode import downscale
from detectors.image.phash import content_box, hamming, phash
from detectors.image.references import ReferenceImage
from detectors.types import InsigniaMatch


@dataclass(frozen=True, slots=True)
class MatcherConfig:
    work_side: int = 640  # photos are matched at this longest side
    channel: str = "min"  # "min" (min of B, G, R) or "gray" (luminance)
    orb_features: int = 1200
    orb_fast_threshold: int = 10
    orb_patch_size: int = 31
    reference_features: int = 800  # per reference and matte variant
    reference_fast_threshold: int = 5  # flat vector art has few strong corners
    reference_side: int = 480  # references are normalised to this longest side
    reference_levels: int = 12  # deep pyramid so small printed marks still match
    ratio: float = 0.8
    # ORB's LSH index (FLANN): tables, hash bits per table, multi-probe depth. Many
    # tables probed exactly cost a fifth of few tables probed with neighbours
    # (multi-probe 1) and find as many true neighbours.
    lsh_tables: int = 12
    lsh_key_size: int = 16
    lsh_multi_probe: int = 0
    # Neighbours this close on one reference are one point (0: the whole reference).
    same_point_px: float = 6.0
    affine_reprojection: float = 12.0  # loose: the affine stage ignores perspective
    ransac_reprojection: float = 6.0
    ransac_iterations: int = 500
    accept_inliers: int = 14
    accept_inlier_ratio: float = 0.15
    candidate_matches: int = 10  # ratio-test survivors needed to consider a reference
    candidate_inliers: int = 6  # ...and RANSAC inliers needed to spend SIFT on it
    sift_features: int = 800
    sift_fallback: bool = True  # whole-photo SIFT when ORB finds nothing
    # ...and only when some reference drew this many ORB ratio-test survivors (0: always).
    # A photo with no mark in it rarely does and the SIFT pass is the costliest stage.
    # With the 12-table LSH index, 20 keeps every positive of the generated set and of
    # the gallery, and cuts the set's median by about a fifth; above 24 a JPEG of
    # the rings (few ORB corners) loses its SIFT pass.
    sift_gate_matches: int = 20
    # ...and the loose affine consensus (the first step of every fit) on some reference
    # reached this many points. A mark ORB nearly found leaves several mutually
    # consistent matches; on a photo without one the survivors agree by chance only:
    # 4-11 points, mode 6, over the generated and gallery negatives (14 of 96 reach 8),
    # while every mark that only the SIFT pass finds had 9 or more. 7 leaves two points
    # of margin for a weaker emblem than those seen (8 would leave one) and still cuts
    # the SIFT runs from 85 to 36 of the quick set's 155 images; the median
    # costs about 1 ms more than at 8. 0: no such condition.
    sift_gate_inliers: int = 7
    sift_side: int = 400  # 320 loses the gallery's 雪容融 render and a 3D rings scene
    sift_whole_ratio: float = 0.85  # SIFT is more distinctive: a looser ratio is safe
    sift_ratio: float = 0.75
    sift_accept_inliers: int = 8
    sift_accept_inlier_ratio: float = 0.2
    sift_roi_side: int = 360
    max_sift_checks: int = 2
    min_quad_side: float = 14.0
    max_side_ratio: float = 3.0  # opposite sides of the quad (perspective limit)
    min_spread: float = 0.2  # inliers must span this share of the reference
    overlap_iou: float = 0.5  # two marks on one region: keep the better one
    phash_max_distance: int = 8


@dataclass(frozen=True, slots=True)
class _Features:
    keypoints: np.ndarray  # N x 2 float32 pixel positions
    descriptors: np.ndarray | None


@dataclass(frozen=True, slots=True)
class _PreparedReference:
    name: str
    mark: str
    size: tuple[int, int]  # (width, height) in prepared pixels
    orb: tuple[_Features, ...]  # one per matte variant, same pixel frame
    sift: tuple[_Features, ...]
    phash: int | None


@dataclass(frozen=True, slots=True)
class _Candidate:
    reference: _PreparedReference
    query_points: np.ndarray  # work-pixel positions of the ratio-test survivors
    inliers: int


@dataclass(frozen=True, slots=True)
class _Geometry:
    inliers: int
    ratio: float
    quad: np.ndarray  # 4 x 2, work pixels


@dataclass(slots=True)
class _Best:
    by_mark: dict[str, InsigniaMatch] = field(default_factory=dict)

    def offer(self, match: InsigniaMatch) -> None:
        current = self.by_mark.get(match.mark)
        if current is None or match.score > current.score:
            self.by_mark[match.mark] = match


class _FeatureIndex:
    """Descriptors of every reference and matte variant in one approximate-NN index.

    One lookup per photo instead of one brute-force match per reference. Each row
    remembers its reference and position, so the ratio test can tell a real
    competitor (another place, another mark) from the same point in another variant.
    """

    def __init__(
        self,
        sets: list[tuple[int, _Features]],
        binary: bool,
        same_point_px: float,
        marks: Sequence[str],
        lsh: tuple[int, int, int] = (12, 16, 0),
    ) -> None:
        usable = [
            (ref, f) for ref, f in sets if f.descriptors is not None and len(f.descriptors) > 0
        ]
        if not usable:
            raise ValueError("no reference image has features")
        self._owner = np.concatenate(
            [np.full(len(f.keypoints), ref, np.int64) for ref, f in usable]
        )
        # References of one mark (poses, renderings) back one hypothesis: they are not
        # each other's competitors in the ratio test.
        mark_ids = {m: i for i, m in enumerate(dict.fromkeys(marks))}
        self._mark_of = np.array([mark_ids[m] for m in marks], np.int64)
        self.points = np.concatenate([f.keypoints for _, f in usable])
        self._k = 2 + max(sum(1 for r, _ in usable if marks[r] == marks[ref]) for ref, _ in usable)
        self._same_point_px = same_point_px
        params: dict[str, bool | int | float | str]
        if binary:  # FLANN_INDEX_LSH for ORB's binary descriptors
            tables, key_size, probe = lsh
            params = {
                "algorithm": 6,
                "table_number": tables,
                "key_size": key_size,
                "multi_probe_level": probe,
            }
        else:  # FLANN_INDEX_KDTREE for SIFT
            params = {"algorithm": 1, "trees": 4}
        blocks = [f.descriptors for _, f in usable if f.descriptors is not None]
        # The index itself, not a FlannBasedMatcher: its search returns index and
        # distance arrays, where the matcher's thousands of DMatch objects cost more
        # to read back in Python than the search. Same FLANN index, same neighbours.
        self._index = cv2.flann.Index(np.vstack(blocks), params)
        self._search: dict[str, bool | int | float | str] = {"checks": 32}
        self._binary = binary
        # The crawler analyses photos on several threads; FLANN's search is not
        # documented as thread-safe, and the lookup is short.
        self._lock = threading.Lock()

    def survivors(
        self, descriptors: np.ndarray, ratio: float, minimum: int
    ) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """Ratio-test survivors per reference: (reference, query rows, reference points)."""
        with self._lock:
            found_rows, found_dist = self._index.knnSearch(
                descriptors, self._k, params=self._search
            )
        rows = np.asarray(found_rows, np.int64).reshape(-1, self._k)
        dist = np.asarray(found_dist, np.float32).reshape(-1, self._k)
        if not self._binary:
            dist = np.sqrt(dist)  # FLANN's L2 is squared; the ratio test is on distances
        dist[rows < 0] = np.inf  # fewer neighbours than asked for
        valid = rows >= 0
        safe = np.where(valid, rows, 0)
        owner = np.where(valid, self._owner[safe], -1)
        offset = self.points[safe] - self.points[safe[:, :1]]
        # The same point of the same reference in another matte variant is not a
        # competitor; the nearest neighbour that is one sets the ratio test's bar.
        same = owner == owner[:, :1]
        if self._same_point_px > 0:
            same &= np.hypot(offset[..., 0], offset[..., 1]) <= self._same_point_px
        mark = np.where(valid, self._mark_of[np.where(valid, owner, 0)], -1)
        same |= valid & (owner != owner[:, :1]) & (mark == mark[:, :1])
        competitor = valid & ~same
        second = np.where(competitor, dist, np.inf).min(axis=1)
        # No distinct competitor within reach means no evidence either.
        passed = np.flatnonzero(valid[:, 0] & np.isfinite(second) & (dist[:, 0] < ratio * second))
        if passed.size == 0:
            return []
        # Many query points on one reference point is a repeated texture: keep the closest.
        order = passed[np.argsort(dist[passed, 0], kind="stable")]
        _, first_seen = np.unique(rows[order, 0], return_index=True)
        query = order[first_seen]
        rows = rows[query, 0]
        owners = self._owner[rows]
        groups = []
        for ref_index in np.unique(owners):
            chosen = owners == ref_index
            if int(chosen.sum()) >= minimum:
                groups.append((int(ref_index), query[chosen], self.points[rows[chosen]]))
        return groups


class InsigniaMatcher:
    """Matches photos against reference artwork; build once, reuse for every image."""

    def __init__(
        self, references: Sequence[ReferenceImage], config: MatcherConfig | None = None
    ) -> None:
        if not references:
            raise ValueError("InsigniaMatcher needs at least one reference image")
        self.config = config or MatcherConfig()
        cfg = self.config
        sift = self._new_sift()
        reference_orb = cv2.ORB.create(
            nfeatures=cfg.reference_features,
            scaleFactor=1.2,
            nlevels=cfg.reference_levels,
            edgeThreshold=cfg.orb_patch_size,
            fastThreshold=cfg.reference_fast_threshold,
            patchSize=cfg.orb_patch_size,
        )
        self._references = tuple(self._prepare(r, reference_orb, sift) for r in references)
        self._orb_index = _FeatureIndex(
            [(i, f) for i, r in enumerate(self._references) for f in r.orb],
            True,
            cfg.same_point_px,
            [r.mark for r in self._references],
            (cfg.lsh_tables, cfg.lsh_key_size, cfg.lsh_multi_probe),
        )
        self._sift_index = _FeatureIndex(
            [(i, f) for i, r in enumerate(self._references) for f in r.sift],
            False,
            cfg.same_point_px,
            [r.mark for r in self._references],
        )

    @property
    def marks(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.mark for r in self._references))

    # OpenCV detector objects are cheap to make and not shareable across threads,
    # so each call makes its own.
    def _new_orb(self) -> cv2.ORB:
        cfg = self.config
        return cv2.ORB.create(
            nfeatures=cfg.orb_features,
            scaleFactor=1.2,
            nlevels=8,
            edgeThreshold=cfg.orb_patch_size,
            fastThreshold=cfg.orb_fast_threshold,
            patchSize=cfg.orb_patch_size,
        )

    def _new_sift(self) -> cv2.SIFT:
        return cv2.SIFT.create(nfeatures=self.config.sift_features)

    def _prepare(
        self, reference: ReferenceImage, orb: cv2.ORB, sift: cv2.SIFT
    ) -> _PreparedReference:
        variants = [downscale(v, self.config.reference_side) for v in _matte_variants(reference)]
        grays = [feature_channel(v, self.config) for v in variants]
        if self.config.channel == "min":
            # A one-colour (greyscale) print has min(B, G, R) = its luminance.
            grays.append(cv2.cvtColor(variants[0], cv2.COLOR_BGR2GRAY))
        return _PreparedReference(
            name=reference.name,
            mark=reference.mark,
            size=(grays[0].shape[1], grays[0].shape[0]),
            orb=tuple(_features(orb, g) for g in grays),
            sift=tuple(_features(sift, g) for g in grays[:2]),
            phash=phash(grays[0]) if reference.spec.phash else None,
        )

    # ------------------------------------------------------------------ matching

    def match(self, image: np.ndarray) -> list[InsigniaMatch]:
        """All marks found in a BGR (or grey) image, best score first, one per mark."""
        small = downscale(image, self.config.work_side)
        back = image.shape[1] / small.shape[1]  # work pixels -> input pixels
        work = feature_channel(small, self.config)
        best = _Best()
        for match in self._phash_matches(work, back):
            best.offer(match)
        query = _features(self._new_orb(), work)
        candidates: list[_Candidate] = []
        most_survivors = most_consensus = 0
        if query.descriptors is not None and len(query.keypoints) >= 8:
            for ref_index, q_idx, ref_pts in self._orb_index.survivors(
                query.descriptors, self.config.ratio, self.config.candidate_matches
            ):
                most_survivors = max(most_survivors, len(q_idx))
                reference = self._references[ref_index]
                query_pts = query.keypoints[q_idx]
                geometry, consensus = self._fit(ref_pts, query_pts, reference)
                most_consensus = max(most_consensus, consensus)
                if (
                    geometry
                    and geometry.inliers >= self.config.accept_inliers
                    and geometry.ratio >= self.config.accept_inlier_ratio
                ):
                    best.offer(
                        _to_match(reference, geometry, back, "orb", self.config.accept_inliers)
                    )
                elif geometry and geometry.inliers >= self.config.candidate_inliers:
                    candidates.append(_Candidate(reference, query_pts, geometry.inliers))
        candidates.sort(key=lambda c: -c.inliers)
        checks = 0
        for candidate in candidates:
            if checks >= self.config.max_sift_checks:
                break
            if candidate.reference.mark in best.by_mark:
                continue
            checks += 1
            self._verify_sift(candidate, work, back, best)
        if (
            not best.by_mark
            and self.config.sift_fallback
            and most_survivors >= self.config.sift_gate_matches
            and most_consensus >= self.config.sift_gate_inliers
        ):
            self._sift_whole(work, back, best)
        return _without_overlaps(list(best.by_mark.values()), self.config.overlap_iou)

    def _phash_matches(self, work: np.ndarray, back: float) -> list[InsigniaMatch]:
        x0, y0, x1, y1 = content_box(work)
        digest = phash(work[y0:y1, x0:x1])
        left, top, right, bottom = (v * back for v in (x0, y0, x1, y1))
        quad = ((left, top), (right, top), (right, bottom), (left, bottom))
        found = []
        for reference in self._references:
            if reference.phash is None:
                continue
            distance = hamming(digest, reference.phash)
            if distance <= self.config.phash_max_distance:
                found.append(
                    InsigniaMatch(
                        reference.mark,
                        round(1.0 - distance / 64, 4),
                        quad,
                        method="phash",
                        reason=f"whole image is a copy of reference {reference.name} "
                        f"(pHash distance {distance}/64)",
                    )
                )
        return found

    def _sift_whole(self, work: np.ndarray, back: float, best: _Best) -> None:
        """SIFT over the whole (smaller) photo when ORB found nothing.

        Flat logos over clutter (thin ribbons, rings) give ORB too few repeatable
        corners; SIFT's blob features survive, at roughly the cost of the ORB pass.
        """
        cfg = self.config
        small = downscale(work, cfg.sift_side)
        shrink = work.shape[1] / small.shape[1]
        query = _features(self._new_sift(), small)
        if query.descriptors is None or len(query.keypoints) < 8:
            return
        for ref_index, q_idx, ref_pts in self._sift_index.survivors(
            query.descriptors, cfg.sift_whole_ratio, cfg.candidate_matches
        ):
            reference = self._references[ref_index]
            geometry, _ = self._fit(ref_pts, query.keypoints[q_idx] * shrink, reference)
            if (
                geometry
                and geometry.inliers >= cfg.sift_accept_inliers
                and geometry.ratio >= cfg.sift_accept_inlier_ratio
            ):
                best.offer(_to_match(reference, geometry, back, "sift", cfg.sift_accept_inliers))

    def _verify_sift(
        self, candidate: _Candidate, work: np.ndarray, back: float, best: _Best
    ) -> None:
        cfg = self.config
        reference = candidate.reference
        # The region the ORB survivors point at, padded: SIFT runs on that only.
        x0, y0 = candidate.query_points.min(axis=0)
        x1, y1 = candidate.query_points.max(axis=0)
        pad = 0.35 * max(x1 - x0, y1 - y0, 60.0)
        height, width = work.shape[:2]
        left, top = int(max(0, x0 - pad)), int(max(0, y0 - pad))
        right, bottom = int(min(width, x1 + pad)), int(min(height, y1 + pad))
        roi = work[top:bottom, left:right]
        if roi.shape[0] < 24 or roi.shape[1] < 24:
            return
        small = downscale(roi, cfg.sift_roi_side)
        shrink = roi.shape[1] / small.shape[1]
        query = _features(self._new_sift(), small)
        if query.descriptors is None or len(query.keypoints) < 8:
            return
        matcher = cv2.BFMatcher(cv2.NORM_L2)
        seen: set[int] = set()
        q_rows: list[int] = []
        ref_pts: list[np.ndarray] = []
        for features in reference.sift:
            if features.descriptors is None or len(features.descriptors) < 2:
                continue
            for pair in matcher.knnMatch(query.descriptors, features.descriptors, k=2):
                if (
                    len(pair) == 2
                    and pair[0].distance < cfg.sift_ratio * pair[1].distance
                    and pair[0].queryIdx not in seen
                ):
                    seen.add(pair[0].queryIdx)  # a query point counts once over variants
                    q_rows.append(pair[0].queryIdx)
                    ref_pts.append(features.keypoints[pair[0].trainIdx])
        if len(q_rows) < 8:
            return
        offset = np.array([left, top], dtype=np.float32)
        query_pts = query.keypoints[np.array(q_rows, dtype=np.int64)] * shrink + offset
        geometry, _ = self._fit(np.array(ref_pts, dtype=np.float32), query_pts, reference)
        if (
            geometry
            and geometry.inliers >= cfg.sift_accept_inliers
            and geometry.ratio >= cfg.sift_accept_inlier_ratio
        ):
            best.offer(_to_match(reference, geometry, back, "orb+sift", cfg.sift_accept_inliers))

    def _fit(
        self, ref_pts: np.ndarray, query_pts: np.ndarray, reference: _PreparedReference
    ) -> tuple[_Geometry | None, int]:
        """The geometry when the points fit one, and the size of the affine consensus."""
        cfg = self.config
        if len(ref_pts) < 6:
            return None, 0
        # Robust stage with an affine model (3-point samples converge in far fewer
        # iterations, and OpenCV's homography RANSAC costs ~6 ms per call here), then
        # a homography refitted on the consensus and re-scored on all points.
        affine, mask = cv2.estimateAffine2D(
            ref_pts,
            query_pts,
            method=cv2.RANSAC,
            ransacReprojThreshold=cfg.affine_reprojection,
            maxIters=cfg.ransac_iterations,
            confidence=0.995,
        )
        if affine is None or mask is None:
            return None, 0
        inlier_mask = mask.ravel().astype(bool)
        consensus = int(inlier_mask.sum())
        homography = None
        for _ in range(3):
            if int(inlier_mask.sum()) < 6:
                return None, consensus
            homography, _ = cv2.findHomography(ref_pts[inlier_mask], query_pts[inlier_mask], 0)
            if homography is None:
                return None, consensus
            projected = cv2.perspectiveTransform(ref_pts[None], homography)[0]
            errors = np.linalg.norm(projected - query_pts, axis=1)
            refined = errors <= cfg.ransac_reprojection
            if np.array_equal(refined, inlier_mask):
                break
            inlier_mask = refined
        inliers = int(inlier_mask.sum())
        if homography is None or inliers < 6:
            return None, consensus
        width, height = reference.size
        corners = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
        quad = cv2.perspectiveTransform(corners[None], homography)[0]
        if not _plausible(quad, homography, cfg):
            return None, consensus
        spread = np.ptp(ref_pts[inlier_mask], axis=0) / np.array([width, height], dtype=np.float32)
        if float(spread.min()) < cfg.min_spread:
            return None, consensus  # all inliers on one small detail (a letter, a ring)
        return _Geometry(inliers, inliers / len(ref_pts), quad), consensus


# ---------------------------------------------------------------------- helpers


def feature_channel(image: np.ndarray, cfg: MatcherConfig) -> np.ndarray:
    """The single channel features are computed on.

    "min" = min(B, G, R) = V(1 - S): saturated colours all become dark against white
    (luminance renders the emblem's yellow and light-blue ribbons as near-white), and
    it does not change when a print's hues are rotated.
    """
    if image.ndim == 2:
        return image
    if cfg.channel == "min":
        blue, green, red = cv2.split(image)
        return cv2.min(cv2.min(blue, green), red)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _matte_variants(reference: ReferenceImage) -> list[np.ndarray]:
    """The art on its own matte, then on black and mid grey when it has transparency.

    Features on the outline of a transparent logo describe the background too; a
    print on a dark or busy surface only matches descriptors taken on a similar one.
    """
    if reference.alpha is None:
        return [reference.bgr]
    return [reference.bgr, reference.on_matte((0, 0, 0)), reference.on_matte((128, 128, 128))]


def _features(detector: cv2.Feature2D, gray: np.ndarray) -> _Features:
    keypoints, descriptors = detector.detectAndCompute(gray, None)
    points = np.array([k.pt for k in keypoints], dtype=np.float32).reshape(-1, 2)
    return _Features(points, descriptors)


def _plausible(quad: np.ndarray, homography: np.ndarray, cfg: MatcherConfig) -> bool:
    if not np.all(np.isfinite(quad)):
        return False
    if np.linalg.det(homography[:2, :2]) <= 0:
        return False  # mirrored or degenerate
    edges = np.roll(quad, -1, axis=0) - quad
    following = np.roll(edges, -1, axis=0)
    cross = edges[:, 0] * following[:, 1] - edges[:, 1] * following[:, 0]
    if not (np.all(cross > 0) or np.all(cross < 0)):
        return False  # not convex: the homography folded the reference
    sides = np.linalg.norm(edges, axis=1)
    if float(sides.min()) < cfg.min_quad_side:
        return False
    return all(
        max(sides[a], sides[b]) / min(sides[a], sides[b]) <= cfg.max_side_ratio
        for a, b in ((0, 2), (1, 3))
    )


def _to_match(
    reference: _PreparedReference, geometry: _Geometry, back: float, method: str, accept: int
) -> InsigniaMatch:
    # More inliers than the acceptance bar means more certainty; saturates near 1.
    excess = max(0, geometry.inliers - accept)
    score = 0.6 + 0.4 * (1 - math.exp(-excess / (2 * accept)))
    score *= 0.85 + 0.15 * min(1.0, geometry.ratio / 0.6)
    quad = tuple((float(x) * back, float(y) * back) for x, y in geometry.quad)
    reason = (
        f"{geometry.inliers} {method} keypoints agree with reference {reference.name} "
        f"under one perspective mapping ({geometry.ratio:.0%} of candidate matches)"
    )
    return InsigniaMatch(reference.mark, round(score, 4), quad, method, reason)


def _without_overlaps(matches: list[InsigniaMatch], max_iou: float) -> list[InsigniaMatch]:
    """Best first; a weaker mark on (nearly) the same region as a stronger one is dropped.

    The two emblems share their lettering and style, so one printed emblem can
    partly match the other's reference; the region can only be one of them.
    """
    kept: list[InsigniaMatch] = []
    for match in sorted(matches, key=lambda m: -m.score):
        if all(_iou(match.quad, other.quad) <= max_iou for other in kept):
            kept.append(match)
    return kept


def _iou(a: Sequence[tuple[float, float]], b: Sequence[tuple[float, float]]) -> float:
    poly_a = np.array(a, dtype=np.float32).reshape(-1, 2)
    poly_b = np.array(b, dtype=np.float32).reshape(-1, 2)
    area_a = abs(float(cv2.contourArea(poly_a)))
    area_b = abs(float(cv2.contourArea(poly_b)))
    if area_a <= 0 or area_b <= 0:
        return 0.0
    inter, _ = cv2.intersectConvexConvex(poly_a, poly_b)
    inter = max(0.0, float(inter))
    return inter / (area_a + area_b - inter)
