"""Reference galleries of the protected insignia: manifests plus image directories.

References are deployment data, not code. A reference directory holds images and,
usually, a `manifest.toml` that names the mark, form (pose, rendering) and source of
each image. A directory without its own manifest is described by a bundled manifest
(`detectors/catalog/references/*.toml`) when it holds every file that manifest names
with the same SHA-256: that is how a known third-party gallery is used in place,
without copying its images anywhere.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

MANIFEST_NAME = "manifest.toml"
BUNDLED_MANIFEST_DIR = Path(__file__).resolve().parents[1] / "catalog" / "references"

# Canonical catalog names of the marks the image matcher knows.
INSIGNIA_MARKS: tuple[str, ...] = ("冰墩墩", "雪容融", "冬梦", "飞跃", "奥林匹克五环")


class ReferenceError(ValueError):
    """A manifest or a reference image is missing or malformed; `path` names it."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True, slots=True)
class ReferenceSpec:
    name: str
    mark: str
    file: str
    form: str = ""
    source: str = ""
    sha256: str = ""  # of the file's bytes; checked when the manifest gives it
    crop: tuple[int, int, int, int] | None = None
    matte: tuple[int, int, int] = (255, 255, 255)  # RGB behind transparent pixels
    scale: float = 1.0
    phash: bool = False


@dataclass(frozen=True, slots=True)
class Gallery:
    """One manifest: its references and the directory their files are read from."""

    name: str
    manifest: Path
    directory: Path
    specs: tuple[ReferenceSpec, ...]


@dataclass(frozen=True, slots=True)
class ReferenceImage:
    spec: ReferenceSpec
    art: np.ndarray  # BGR colours of the artwork itself
    alpha: np.ndarray | None = None  # uint8 coverage; None when the art is opaque
    digest: str = ""  # SHA-256 of the source file (evaluations exclude these images)

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


def _ints(value: object, count: int, what: str) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or len(value) != count:
        raise ValueError(f"{what} must be a list of {count} integers")
    return tuple(int(v) for v in value)


def parse_manifest(manifest: Path, directory: Path | None = None) -> Gallery:
    """The gallery a manifest describes; its files live in `directory` (default: beside it)."""
    try:
        raw = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ReferenceError(f"cannot read {manifest}: {exc}", manifest) from None
    specs = []
    for entry in raw.get("reference", []):
        try:
            crop = entry.get("crop")
            specs.append(
                ReferenceSpec(
                    name=str(entry["name"]),
                    mark=str(entry["mark"]),
                    file=str(entry["file"]),
                    form=str(entry.get("form", "")),
                    source=str(entry.get("source", "")),
                    sha256=str(entry.get("sha256", "")).lower(),
                    crop=_ints(crop, 4, "crop") if crop else None,  # type: ignore[arg-type]
                    matte=_ints(entry.get("matte", (255, 255, 255)), 3, "matte"),  # type: ignore[arg-type]
                    scale=float(entry.get("scale", 1.0)),
                    phash=bool(entry.get("phash", False)),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ReferenceError(
                f"bad reference entry {entry!r} in {manifest}: {exc}", manifest
            ) from None
    gallery = raw.get("gallery", {})
    name = str(gallery.get("name", manifest.stem)) if isinstance(gallery, dict) else manifest.stem
    return Gallery(name, manifest, directory or manifest.parent, tuple(specs))


def bundled_manifests() -> tuple[Path, ...]:
    return tuple(sorted(BUNDLED_MANIFEST_DIR.glob("*.toml")))


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def galleries_in(directory: Path, bundled: Sequence[Path] | None = None) -> tuple[Gallery, ...]:
    """The galleries of one reference directory: its own manifest, else matching bundled ones."""
    if not directory.is_dir():
        raise ReferenceError(f"reference directory {directory} does not exist", directory)
    own = directory / MANIFEST_NAME
    if own.is_file():
        return (parse_manifest(own),)
    found = []
    for manifest in bundled_manifests() if bundled is None else bundled:
        gallery = parse_manifest(manifest, directory)
        if gallery.specs and all(_holds(directory, spec) for spec in gallery.specs):
            found.append(gallery)
    if not found:
        raise ReferenceError(
            f"reference directory {directory} has no {MANIFEST_NAME} and no bundled "
            "manifest describes its files",
            directory,
        )
    return tuple(found)


def _holds(directory: Path, spec: ReferenceSpec) -> bool:
    path = directory / spec.file
    if not path.is_file():
        return False
    return not spec.sha256 or sha256_file(path) == spec.sha256


def load_gallery(gallery: Gallery) -> tuple[ReferenceImage, ...]:
    """Every reference image of a gallery, cropped, scaled and matted."""
    images = []
    digests: dict[str, str] = {}
    for spec in gallery.specs:
        path = gallery.directory / spec.file
        if spec.file not in digests:
            try:
                digests[spec.file] = sha256_file(path)
            except OSError as exc:
                raise ReferenceError(f"cannot read reference image {path}: {exc}", path) from None
        if spec.sha256 and digests[spec.file] != spec.sha256:
            raise ReferenceError(
                f"{path} is not the file {gallery.manifest} describes (SHA-256 differs)", path
            )
        art, alpha = render_reference(gallery.directory, spec)
        images.append(ReferenceImage(spec, art, alpha, digests[spec.file]))
    return tuple(images)


def load_reference_dirs(directories: Iterable[Path]) -> tuple[ReferenceImage, ...]:
    """All references of all galleries in `directories`, in order; empty when none given."""
    out: list[ReferenceImage] = []
    for directory in directories:
        for gallery in galleries_in(Path(directory)):
            out.extend(load_gallery(gallery))
    return tuple(out)


def render_reference(directory: Path, spec: ReferenceSpec) -> tuple[np.ndarray, np.ndarray | None]:
    """(BGR art, alpha or None) after crop and scale."""
    path = directory / spec.file
    try:
        with Image.open(path) as img:
            rgba = img.convert("RGBA")
    except OSError as exc:
        raise ReferenceError(f"cannot read reference image {path}: {exc}", path) from None
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
