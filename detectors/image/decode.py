"""Safe decoding of untrusted image bytes into numpy arrays.

Listing images come from marketplaces we do not control: they may be truncated,
corrupt, decompression bombs or not images at all. Every such case becomes an
`ImageDecodeError` with a message a person can read; nothing else escapes.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

# Formats marketplaces actually serve; anything else (PSD, TIFF, EPS…) is refused
# rather than handed to a less exercised decoder.
SUPPORTED_FORMATS: frozenset[str] = frozenset({"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"})


class ImageDecodeError(ValueError):
    """An image that cannot or must not be decoded; the message says why."""


@dataclass(frozen=True, slots=True)
class DecodeLimits:
    max_bytes: int = 20 * 1024 * 1024
    # Checked from the header before any pixel is decoded (decompression bombs).
    max_pixels: int = 40_000_000
    max_side: int = 16_384
    # Larger images are downscaled right after decoding; matching and OCR work
    # on smaller copies anyway and this bounds memory per image.
    keep_side: int = 2048


@dataclass(frozen=True, slots=True)
class DecodedImage:
    bgr: np.ndarray  # uint8, HxWx3
    format: str
    original_size: tuple[int, int]  # (width, height) as declared by the file

    @property
    def gray(self) -> np.ndarray:
        return cv2.cvtColor(self.bgr, cv2.COLOR_BGR2GRAY)


def decode_image(data: bytes, limits: DecodeLimits | None = None) -> DecodedImage:
    """Decode `data` into a BGR array, enforcing `limits`; raises ImageDecodeError."""
    limits = limits or DecodeLimits()
    if not data:
        raise ImageDecodeError("empty file")
    if len(data) > limits.max_bytes:
        raise ImageDecodeError(f"file too large: {len(data)} bytes > limit {limits.max_bytes}")
    with warnings.catch_warnings():
        # Pillow's own bomb check warns below 2x its global limit; make it an error
        # so our per-call limit is the only one that matters and nothing is global.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _decode(data, limits)
        except ImageDecodeError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageDecodeError(f"decompression bomb refused: {exc}") from None
        except UnidentifiedImageError:
            raise ImageDecodeError("not an image or unsupported format") from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            # Pillow reports truncation as OSError and broken chunks as SyntaxError.
            raise ImageDecodeError(f"corrupt or truncated image: {exc}") from None
        except MemoryError:
            raise ImageDecodeError("image too large to decode in memory") from None


def _decode(data: bytes, limits: DecodeLimits) -> DecodedImage:
    with Image.open(io.BytesIO(data)) as img:
        fmt = img.format or "?"
        if fmt not in SUPPORTED_FORMATS:
            raise ImageDecodeError(f"unsupported image format {fmt}")
        width, height = img.size
        if width <= 0 or height <= 0:
            raise ImageDecodeError(f"invalid dimensions {width}x{height}")
        if width > limits.max_side or height > limits.max_side:
            raise ImageDecodeError(
                f"dimensions {width}x{height} exceed the {limits.max_side} px side limit"
            )
        if width * height > limits.max_pixels:
            raise ImageDecodeError(
                f"decompression bomb refused: {width}x{height} = {width * height} pixels "
                f"> limit {limits.max_pixels}"
            )
        if fmt == "JPEG":
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: far cheaper for big photos.
            img.draft("RGB", (limits.keep_side, limits.keep_side))
        img.load()  # forces full decoding here so truncation is caught here
        rgb = _to_rgb(ImageOps.exif_transpose(img))
    arr = np.asarray(rgb, dtype=np.uint8)
    bgr = cv2.cvtColor(arr, cv2.COLOR_RGB2BGR)
    return DecodedImage(
        bgr=downscale(bgr, limits.keep_side), format=fmt, original_size=(width, height)
    )


def _to_rgb(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        # Transparent pixels are shown on white by every marketplace page.
        rgba = img.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        canvas.alpha_composite(rgba)
        return canvas.convert("RGB")
    return img.convert("RGB")


def downscale(image: np.ndarray, max_side: int, linear_above: float = 1.0) -> np.ndarray:
    """Shrink so the longer side is at most `max_side`; never enlarges.

    Area averaging by default. A shrink factor above `linear_above` is resampled
    bilinearly instead: for factors over 1/2 that barely aliases, and OpenCV's area
    filter costs several times as much at non-integer factors.
    """
    height, width = image.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return image
    factor = max_side / longest
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    method = cv2.INTER_LINEAR if factor > linear_above else cv2.INTER_AREA
    return cv2.resize(image, size, interpolation=method)
