"""Reference artwork of the protected insignia, read from the catalog's manifest."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

# The catalog folder shipped with the package (detectors/catalog/images).
DEFAULT_REFERENCE_DIR = Path(__file__).resolve().parents[1] / "catalog" / "images"
MANIFEST_NAME = "manifest.toml"

# Canonical catalog names of the marks the image matcher knows.
INSIGNIA_MARKS: tuple[str, ...] = ("冰墩墩", "雪容融", "冬梦", "飞跃", "奥林匹克五环")


class ReferenceError(ValueError):
    """The manifest or a reference image is missing or malformed."""


@dataclass(frozen=True, slots=True)
class ReferenceSpec:
    name: str
    mark: str
    file: str
    crop: tuple[int, int, int, int] | None = None
    matte: tuple[int, int, int] = (255, 255, 255)  # RGB behind transparent pixels
    scale: float = 1.0
    phash: bool = False


@dataclass(frozen=True, slots=True)
class ReferenceImage:
    spec: ReferenceSpec
    art: np.ndarray  # BGR colours of the artwork itself
    alpha: np.ndarray | None = None  # uint8 coverage; None when the art is opaque

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def mark(self) -> str:
        return self.spec.mark

    @property
    def bgr(self) -> np.ndarray:
        """The art on its manifest matte colour."""
        red, green, blue = self.spec.matte
        return self.on_matte((blue, green, red))

    def on_matte(self, bgr_colour: tuple[int, int, int]) -> np.ndarray:
        """The art shown on another background colour (printed marks sit on anything)."""
        if self.alpha is None:
            return self.art
        weight = self.alpha.astype(np.float32)[..., None] / 255.0
        matte = np.array(bgr_colour, dtype=np.float32)
        out = self.art.astype(np.float32) * weight + matte * (1.0 - weight)
        return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def load_manifest(directory: Path = DEFAULT_REFERENCE_DIR) -> tuple[ReferenceSpec, ...]:
    path = directory / MANIFEST_NAME
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ReferenceError(f"cannot read {path}: {exc}") from None
    specs = []
    for entry in raw.get("reference", []):
        try:
            crop = entry.get("crop")
            specs.append(
                ReferenceSpec(
                    name=str(entry["name"]),
                    mark=str(entry["mark"]),
                    file=str(entry["file"]),
                    crop=tuple(int(v) for v in crop) if crop else None,  # type: ignore[arg-type]
                    matte=tuple(int(v) for v in entry.get("matte", (255, 255, 255))),  # type: ignore[arg-type]
                    scale=float(entry.get("scale", 1.0)),
                    phash=bool(entry.get("phash", False)),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ReferenceError(f"bad reference entry {entry!r} in {path}: {exc}") from None
    if not specs:
        raise ReferenceError(f"{path} lists no references")
    return tuple(specs)


def load_references(directory: Path = DEFAULT_REFERENCE_DIR) -> tuple[ReferenceImage, ...]:
    """All reference images of the manifest in `directory`, cropped and matted."""
    return tuple(
        ReferenceImage(spec, *render_reference(directory, spec))
        for spec in load_manifest(directory)
    )


def render_reference(directory: Path, spec: ReferenceSpec) -> tuple[np.ndarray, np.ndarray | None]:
    """(BGR art, alpha or None) after crop and scale."""
    path = directory / spec.file
    try:
        with Image.open(path) as img:
            rgba = img.convert("RGBA")
    except OSError as exc:
        raise ReferenceError(f"cannot read reference image {path}: {exc}") from None
    if spec.crop:
        rgba = rgba.crop(spec.crop)
    pixels = np.asarray(rgba)
    art = cv2.cvtColor(np.ascontiguousarray(pixels[..., :3]), cv2.COLOR_RGB2BGR)
    alpha = np.ascontiguousarray(pixels[..., 3])
    if spec.scale != 1.0:
        size = (round(art.shape[1] * spec.scale), round(art.shape[0] * spec.scale))
        art = cv2.resize(art, size, interpolation=cv2.INTER_CUBIC)
        alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_CUBIC)
    return art, (None if int(alpha.min()) == 255 else alpha)
