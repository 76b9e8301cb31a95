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
    gray = np.ascontiguousarray(gray)
    # |pixel - corner| > tolerance, then the bounding box of those pixels, all in
    # OpenCV: numpy's nonzero over a photo cost more than the hash itself.
    differs = cv2.absdiff(gray, np.full_like(gray, gray[0, 0]))
    _, mask = cv2.threshold(differs, tolerance, 255, cv2.THRESH_BINARY)
    x0, y0, width, height = cv2.boundingRect(mask)
    if width < 16 or height < 16:  # nothing, or a speck, inside the frame
        return 0, 0, gray.shape[1], gray.shape[0]
    return x0, y0, x0 + width, y0 + height
