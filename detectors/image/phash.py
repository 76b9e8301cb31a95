"""Perceptual hashes (DCT pHash) for near-duplicates of the official artwork."""

from __future__ import annotations

import cv2
import numpy as np

HASH_BITS = 64


def phash(image: np.ndarray) -> int:
    """64-bit DCT hash of a BGR or grey image; robust to resizing and re-encoding."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    small = cv2.resize(gray, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(small)[:8, :8].flatten()
    median = float(np.median(low[1:]))  # the DC term would dominate the median
    bits = 0
    for value in low:
        bits = (bits << 1) | int(value > median)
    return bits


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def content_box(image: np.ndarray, tolerance: int = 12) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) inside a uniform frame (marketplaces pad photos with white)."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    corner = int(gray[0, 0])
    mask = np.abs(gray.astype(np.int16) - corner) > tolerance
    ys, xs = np.nonzero(mask)
    full = (0, 0, gray.shape[1], gray.shape[0])
    if ys.size == 0:
        return full
    y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    if (y1 - y0) < 16 or (x1 - x0) < 16:
        return full
    return x0, y0, x1, y1
