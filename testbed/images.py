"""Listing photos for the testbed: official artwork or GI text composited onto product scenes.

Deterministic per listing id, so an image's bytes (and hash) are stable across runs.
"""

from __future__ import annotations

import glob
import io
import random
import zlib
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from testbed.realworld import realworld_path


@dataclass(frozen=True, slots=True)
class Asset:
    """A photo from shared/realworld/images, shrunk so its longest side is `side` pixels.

    JPEG sources go through one JPEG re-encode (quality 85), as the earlier committed copies
    did, so the testbed's listing photos keep the same bytes.
    """

    file: str
    side: int
    jpeg: bool = False


ASSETS = {
    "bing_dwen_dwen": Asset("bing_dwen_dwen_official_art.png", 320),
    "shuey_rhon_rhon": Asset("shuey_rhon_rhon_official_art_with_paralympic_emblem.png", 320),
    "beijing2022_emblem": Asset("beijing2022_olympic_emblem_with_rings.png", 320),
    "ginseng_bottle": Asset("ginseng_vn_ngoclinh_extract_bottle_600.jpg", 360, jpeg=True),
    "ginseng_root": Asset("ginseng_vn_ngoclinh_samTuoi.jpg", 150, jpeg=True),
}
ARTWORK = {
    "冰墩墩": "bing_dwen_dwen",
    "雪容融": "shuey_rhon_rhon",
    "北京2022": "beijing2022_emblem",
    "冬奥会": "beijing2022_emblem",
}
CANVAS = (480, 480)


@lru_cache(maxsize=8)
def _asset(name: str) -> Image.Image:
    asset = ASSETS[name]
    with Image.open(realworld_path("images", asset.file)) as source:
        image = source.convert("RGB") if asset.jpeg else source.copy()
    scale = asset.side / max(image.size)
    if scale != 1:
        size = (round(image.width * scale), round(image.height * scale))
        image = image.resize(size, Image.Resampling.BICUBIC)
    if asset.jpeg:
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=85)
        image = Image.open(io.BytesIO(out.getvalue()))
    return image.convert("RGBA")


@lru_cache(maxsize=1)
def _cjk_font_path() -> str | None:
    candidates = sorted(glob.glob("/usr/share/fonts/**/NotoSansCJK*Bold*", recursive=True))
    candidates += sorted(glob.glob("/usr/share/fonts/**/*CJK*", recursive=True))
    return candidates[0] if candidates else None


def _background(rng: random.Random) -> Image.Image:
    base = tuple(rng.randint(150, 250) for _ in range(3))
    image = Image.new("RGB", CANVAS, base)  # type: ignore[arg-type]
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(4, 10)):  # a busy shelf: boxes and discs
        x, y = rng.randint(0, CANVAS[0]), rng.randint(0, CANVAS[1])
        w, h = rng.randint(20, 160), rng.randint(20, 160)
        colour = tuple(rng.randint(60, 255) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle((x, y, x + w, y + h), fill=colour)  # type: ignore[arg-type]
        else:
            draw.ellipse((x, y, x + w, y + h), fill=colour)  # type: ignore[arg-type]
    return image.filter(ImageFilter.GaussianBlur(2))


def _jpeg(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def artwork_photo(key: str, mark: str) -> bytes:
    """The mark's official artwork, scaled and turned a little, on a product scene."""
    rng = random.Random(zlib.crc32(key.encode()))
    scene = _background(rng)
    art = _asset(ARTWORK[mark])
    scale = rng.uniform(0.55, 0.9) * min(CANVAS) / max(art.size)
    art = art.resize((int(art.width * scale), int(art.height * scale)), Image.Resampling.LANCZOS)
    art = art.rotate(rng.uniform(-12, 12), expand=True, resample=Image.Resampling.BICUBIC)
    x = rng.randint(0, max(0, CANVAS[0] - art.width))
    y = rng.randint(0, max(0, CANVAS[1] - art.height))
    scene.paste(art, (x, y), art)
    return _jpeg(scene, rng.randint(60, 90))


def packaging_photo(key: str, text: str) -> bytes:
    """A ginseng product photo with a GI name printed on the packaging."""
    rng = random.Random(zlib.crc32(key.encode()))
    scene = _background(rng)
    product = _asset(rng.choice(("ginseng_bottle", "ginseng_root")))
    product = product.resize((300, 300))
    scene.paste(product, (90, 40), product)
    draw = ImageDraw.Draw(scene)
    font_path = _cjk_font_path()
    size = rng.randint(30, 44)
    font = ImageFont.truetype(font_path, size) if font_path else ImageFont.load_default()
    draw.rectangle((40, 350, 440, 350 + size + 24), fill=(250, 245, 230))
    draw.text((60, 360), text, fill=(150, 20, 20), font=font)
    return _jpeg(scene, 85)


def plain_photo(key: str) -> bytes:
    rng = random.Random(zlib.crc32(key.encode()))
    return _jpeg(_background(rng), 75)
