"""Shared fixtures for the image tests: one matcher, the eval-set generator, photos."""

from __future__ import annotations

import importlib.util
import random
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import cv2
import numpy as np
import pytest

from detectors.image.insignia import InsigniaMatcher
from detectors.image.references import ReferenceImage, load_reference_dirs

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def images_dir(realworld_root: Path) -> Path:
    """The shared real-world images/ folder: references and real photos, read in place."""
    return realworld_root / "images"


@pytest.fixture(scope="session")
def references(images_dir: Path) -> tuple[ReferenceImage, ...]:
    return load_reference_dirs([images_dir])


@pytest.fixture(scope="session")
def matcher(references: tuple[ReferenceImage, ...]) -> InsigniaMatcher:
    return InsigniaMatcher(references)


@pytest.fixture(scope="session")
def evalgen(realworld_root: Path) -> ModuleType:
    """scripts/make_image_eval_set.py as a module: tests compose with its transforms."""
    spec = importlib.util.spec_from_file_location(
        "make_image_eval_set", REPO / "scripts" / "make_image_eval_set.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def scenes(evalgen: ModuleType) -> object:
    return evalgen.Scenes(evalgen.load_photos(), evalgen.Fonts(evalgen.find_cjk_font()))


@pytest.fixture(scope="session")
def encode() -> Callable[..., bytes]:
    return _encode


@pytest.fixture(scope="session")
def compose(
    evalgen: ModuleType, scenes: object
) -> Callable[..., tuple[np.ndarray, str, np.ndarray]]:
    """compose(asset_key, transform, params, seed) -> (BGR image, mark, truth quad)."""
    return lambda *args: _compose(evalgen, scenes, *args)


def _encode(image: np.ndarray, ext: str = ".jpg", quality: int = 90) -> bytes:
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if ext == ".jpg" else []
    ok, buf = cv2.imencode(ext, image, params)
    assert ok
    return buf.tobytes()


def _compose(
    evalgen: ModuleType,
    scenes: object,
    asset_key: str,
    transform: str,
    params: dict[str, object],
    seed: int,
) -> tuple[np.ndarray, str, np.ndarray]:
    """One positive of the eval set built in memory: (BGR image, mark, truth quad)."""
    asset = next(a for a in evalgen.ASSETS if a.key == asset_key)
    sample = evalgen.make_positive(
        asset,
        evalgen.load_asset(asset),
        transform,
        dict(params),
        scenes,
        random.Random(seed),
        "test",
    )
    image = sample.image
    if sample.jpeg_quality < 90:
        image = cv2.imdecode(
            np.frombuffer(_encode(image, quality=sample.jpeg_quality), np.uint8), cv2.IMREAD_COLOR
        )
    return image, sample.mark, np.array(sample.quad, dtype=np.float32)
