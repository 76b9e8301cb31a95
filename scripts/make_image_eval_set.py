"""Generate the image evaluation set for insignia matching and OCR (issue 4).

Deterministic for a given --seed. Writes images plus `labels.jsonl` into the output
directory (default build/image_eval). Three kinds of rows:

- insignia positives: reference marks composited onto product photos, synthetic
  scenes, CJK text pages and busy clutter, under one transform each (scale 0.2–2x,
  rotation ±30°, perspective, JPEG quality 30–50, blur, 30% occlusion, colour
  shifts, busy background, combinations);
- insignia negatives: the same kinds of backgrounds without marks, procedural
  generic pandas, lanterns, snow scenes and other logos;
- OCR rows: GI names rendered on product photos with a text height >= 20 px.

Usage: python scripts/make_image_eval_set.py [OUT_DIR] [--seed N] [--quick]
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import random
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(REPO))

from testbed.realworld import realworld_path  # noqa: E402


def _images_dir() -> Path:
    """The third-party artwork and photos: read in place, never copied here."""
    return realworld_path("images")


DEFAULT_OUT = REPO / "build" / "image_eval"
NOMINAL_SIDE = 500  # longer side of a mark at transform scale 1.0

GI_NAMES: tuple[str, ...] = (
    "长白山人参",
    "集安人参",
    "抚松人参",
    "五常大米",
    "梅河大米",
    "舒兰大米",
    "万昌大米",
    "洮南绿豆",
)
FILLER_TEXT = "正宗产地直发新鲜包邮礼盒装特级精选年货送礼批发优惠限时抢购品质保证官方旗舰店"


@dataclass(frozen=True, slots=True)
class MarkAsset:
    """A protected mark as it would be printed: RGBA art plus its catalog name."""

    key: str
    mark: str
    file: str
    crop: tuple[int, int, int, int] | None = None
    matte: tuple[int, int, int] | None = None  # make the art opaque on this colour
    flat: bool = True  # a printed logo (label/clear space) rather than a figure


ASSETS: tuple[MarkAsset, ...] = (
    MarkAsset(
        "bing_dwen_dwen", "冰墩墩", "bing_dwen_dwen_official_art.png", (0, 0, 567, 578), flat=False
    ),
    MarkAsset(
        "shuey_rhon_rhon",
        "雪容融",
        "shuey_rhon_rhon_official_art_with_paralympic_emblem.png",
        (0, 0, 432, 605),
        flat=False,
    ),
    MarkAsset(
        "olympic_emblem", "冬梦", "beijing2022_olympic_emblem_with_rings.png", (150, 0, 520, 375)
    ),
    MarkAsset(
        "rings_colour",
        "奥林匹克五环",
        "beijing2022_olympic_emblem_with_rings.png",
        (220, 275, 435, 375),
    ),
    MarkAsset(
        "rings_white", "奥林匹克五环", "olympic_rings_white_on_transparent.png", matte=(10, 30, 110)
    ),
    MarkAsset(
        "paralympic_emblem",
        "飞跃",
        "shuey_rhon_rhon_official_art_with_paralympic_emblem.png",
        (140, 430, 240, 540),
    ),
)


@dataclass(slots=True)
class Sample:
    name: str
    kind: str  # "insignia" | "ocr"
    label: str  # "positive" | "negative"
    image: np.ndarray  # BGR
    mark: str = ""
    transform: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    quad: list[list[float]] = field(default_factory=list)
    jpeg_quality: int = 90


# ---------------------------------------------------------------- resources


def find_cjk_font() -> str | None:
    """A CJK-capable font file: fontconfig first, then the usual Debian folder."""
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", "Noto Sans CJK SC:bold"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        if out and "CJK" in out and Path(out).exists():
            return out
    except (OSError, subprocess.SubprocessError):
        pass
    candidates = sorted(glob.glob("/usr/share/fonts/**/*CJK*", recursive=True))
    candidates += sorted(glob.glob("/usr/share/fonts/**/*[Ww]qy*", recursive=True))
    return candidates[0] if candidates else None


class Fonts:
    """Loads the CJK font at the sizes asked for; falls back to Pillow's default."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self._cache: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}
        self.index = _sc_face_index(path) if path else 0

    def get(self, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        if size not in self._cache:
            if self.path:
                self._cache[size] = ImageFont.truetype(self.path, size, index=self.index)
            else:
                self._cache[size] = ImageFont.load_default(size)
        return self._cache[size]


def _sc_face_index(path: str) -> int:
    # In a .ttc pick the Simplified Chinese face so glyphs have mainland shapes.
    if not path.endswith(".ttc"):
        return 0
    for index in range(10):
        try:
            font = ImageFont.truetype(path, 12, index=index)
        except OSError:
            break
        if "SC" in " ".join(str(part) for part in font.getname()):
            return index
    return 0


def load_asset(asset: MarkAsset) -> np.ndarray:
    """RGBA uint8 array of the asset art."""
    with Image.open(_images_dir() / asset.file) as img:
        rgba = img.convert("RGBA")
    if asset.crop:
        rgba = rgba.crop(asset.crop)
    if asset.matte:
        canvas = Image.new("RGBA", rgba.size, (*asset.matte, 255))
        canvas.alpha_composite(rgba)
        rgba = canvas
    arr = np.asarray(rgba).copy()
    # Scale 1.0 means the mark's longer side is NOMINAL_SIDE pixels, for every asset.
    factor = NOMINAL_SIDE / max(arr.shape[:2])
    size = (round(arr.shape[1] * factor), round(arr.shape[0] * factor))
    return cv2.resize(arr, size, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)


def load_photos() -> list[np.ndarray]:
    photos = []
    for path in sorted(_images_dir().glob("ginseng_*.jpg")):
        with Image.open(path) as img:
            rgba = img.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        canvas.alpha_composite(rgba)
        photos.append(cv2.cvtColor(np.asarray(canvas.convert("RGB")), cv2.COLOR_RGB2BGR))
    return photos


# ---------------------------------------------------------------- backgrounds


class Scenes:
    def __init__(self, photos: list[np.ndarray], fonts: Fonts) -> None:
        self.photos = photos
        self.fonts = fonts

    def background(self, kind: str, width: int, height: int, rng: random.Random) -> np.ndarray:
        makers: dict[str, Callable[[int, int, random.Random], np.ndarray]] = {
            "photo": self.photo,
            "synthetic": self.synthetic,
            "cjk_text": self.cjk_text,
            "busy": self.busy,
        }
        return makers[kind](width, height, rng)

    def photo(self, width: int, height: int, rng: random.Random) -> np.ndarray:
        if not self.photos:
            return self.synthetic(width, height, rng)
        src = rng.choice(self.photos)
        img = _cover(src, width, height)
        if rng.random() < 0.5:
            img = cv2.flip(img, 1)
        return img

    def synthetic(self, width: int, height: int, rng: random.Random) -> np.ndarray:
        top = np.array([rng.randint(120, 255) for _ in range(3)], np.float32)
        bottom = np.array([rng.randint(40, 220) for _ in range(3)], np.float32)
        ramp = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
        img = (top * (1 - ramp) + bottom * ramp).repeat(width, axis=1).astype(np.uint8)
        for _ in range(rng.randint(3, 8)):  # shelves, boxes, plates
            colour = tuple(rng.randint(0, 255) for _ in range(3))
            x0, y0 = rng.randint(0, width), rng.randint(0, height)
            if rng.random() < 0.5:
                x1, y1 = x0 + rng.randint(40, width // 2), y0 + rng.randint(20, height // 3)
                cv2.rectangle(img, (x0, y0), (x1, y1), colour, -1)
            else:
                axes = (rng.randint(20, width // 4), rng.randint(20, height // 4))
                cv2.ellipse(img, (x0, y0), axes, rng.randint(0, 180), 0, 360, colour, -1)
        noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, 6, img.shape)
        return np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)

    def cjk_text(self, width: int, height: int, rng: random.Random) -> np.ndarray:
        shade = rng.randint(200, 255)
        pil = Image.new("RGB", (width, height), (shade, shade, rng.randint(200, 255)))
        draw = ImageDraw.Draw(pil)
        y = rng.randint(0, 20)
        while y < height:
            size = rng.randint(14, 40)
            start = rng.randint(0, len(FILLER_TEXT) - 12)
            line = FILLER_TEXT[start : start + rng.randint(6, 20)]
            colour = tuple(rng.randint(0, 120) for _ in range(3))
            draw.text((rng.randint(0, 40), y), line, font=self.fonts.get(size), fill=colour)
            y += int(size * rng.uniform(1.3, 2.2))
        return cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)

    def busy(self, width: int, height: int, rng: random.Random) -> np.ndarray:
        img = self.synthetic(width, height, rng)
        if self.photos and rng.random() < 0.5:
            img = cv2.addWeighted(img, 0.5, self.photo(width, height, rng), 0.5, 0)
        for _ in range(rng.randint(40, 90)):
            colour = tuple(rng.randint(0, 255) for _ in range(3))
            p0 = (rng.randint(0, width), rng.randint(0, height))
            shape = rng.random()
            if shape < 0.4:
                p1 = (rng.randint(0, width), rng.randint(0, height))
                cv2.line(img, p0, p1, colour, rng.randint(1, 4))
            elif shape < 0.7:
                cv2.circle(img, p0, rng.randint(4, 40), colour, rng.choice([-1, 1, 2, 3]))
            elif shape < 0.85:
                p1 = (p0[0] + rng.randint(5, 80), p0[1] + rng.randint(5, 80))
                cv2.rectangle(img, p0, p1, colour, rng.choice([-1, 2]))
            else:
                pil = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
                start = rng.randint(0, len(FILLER_TEXT) - 6)
                ImageDraw.Draw(pil).text(
                    p0,
                    FILLER_TEXT[start : start + 5],
                    font=self.fonts.get(rng.randint(14, 36)),
                    fill=colour[::-1],
                )
                img = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)
        return img


def _cover(src: np.ndarray, width: int, height: int) -> np.ndarray:
    factor = max(width / src.shape[1], height / src.shape[0])
    size = (math.ceil(src.shape[1] * factor), math.ceil(src.shape[0] * factor))
    big = cv2.resize(src, size, interpolation=cv2.INTER_CUBIC)
    y0, x0 = (big.shape[0] - height) // 2, (big.shape[1] - width) // 2
    return big[y0 : y0 + height, x0 : x0 + width].copy()


# ---------------------------------------------------------------- negatives drawn


def draw_panda(img: np.ndarray, rng: random.Random) -> None:
    h, w = img.shape[:2]
    r = rng.randint(min(h, w) // 8, min(h, w) // 3)
    cx, cy = rng.randint(r, w - r), rng.randint(r, h - r)
    black, white = (20, 20, 20), (245, 245, 245)
    cv2.ellipse(img, (cx, cy + int(1.4 * r)), (int(1.1 * r), int(0.9 * r)), 0, 0, 360, white, -1)
    for side in (-1, 1):
        cv2.circle(img, (cx + side * int(0.8 * r), cy - int(0.8 * r)), int(0.35 * r), black, -1)
        cv2.ellipse(
            img,
            (cx + side * int(1.0 * r), cy + int(1.5 * r)),
            (int(0.3 * r), int(0.6 * r)),
            20 * side,
            0,
            360,
            black,
            -1,
        )
    cv2.circle(img, (cx, cy), r, white, -1)
    cv2.circle(img, (cx, cy), r, (90, 90, 90), 2)
    for side in (-1, 1):
        cv2.ellipse(
            img,
            (cx + side * int(0.4 * r), cy - int(0.05 * r)),
            (int(0.22 * r), int(0.3 * r)),
            -30 * side,
            0,
            360,
            black,
            -1,
        )
        cv2.circle(img, (cx + side * int(0.38 * r), cy - int(0.1 * r)), max(2, r // 12), white, -1)
    cv2.ellipse(img, (cx, cy + int(0.3 * r)), (int(0.12 * r), int(0.08 * r)), 0, 0, 360, black, -1)
    if rng.random() < 0.5:  # a coloured visor ring, as generic panda toys often have
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        cv2.circle(img, (cx, cy), int(0.85 * r), colour, max(2, r // 15))


def draw_lantern(img: np.ndarray, rng: random.Random) -> None:
    h, w = img.shape[:2]
    rx = rng.randint(w // 10, w // 4)
    ry = int(rx * rng.uniform(0.7, 1.0))
    cx, cy = rng.randint(rx, w - rx), rng.randint(ry + 30, max(ry + 31, h - ry - 30))
    red, gold = (30, 30, rng.randint(190, 240)), (40, 190, 230)
    cv2.line(img, (cx, 0), (cx, cy - ry), (30, 30, 30), 2)
    cv2.ellipse(img, (cx, cy), (rx, ry), 0, 0, 360, red, -1)
    for k in range(1, 6):  # ribs
        cv2.ellipse(img, (cx, cy), (int(rx * k / 6), ry), 0, 0, 360, (20, 20, 150), 2)
    cv2.rectangle(img, (cx - rx // 2, cy - ry - 12), (cx + rx // 2, cy - ry + 8), gold, -1)
    cv2.rectangle(img, (cx - rx // 2, cy + ry - 8), (cx + rx // 2, cy + ry + 12), gold, -1)
    for dx in range(-rx // 3, rx // 3 + 1, max(4, rx // 8)):  # tassel
        cv2.line(img, (cx + dx, cy + ry + 12), (cx + dx, cy + ry + 12 + ry // 2), red, 2)


def draw_snow(img: np.ndarray, rng: random.Random) -> None:
    h, w = img.shape[:2]
    sky = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img[:] = ((1 - sky) * np.array([230, 160, 90]) + sky * np.array([255, 235, 210])).astype(
        np.uint8
    )
    pts = [(0, int(h * 0.6))]
    for x in range(0, w + 80, 80):
        pts.append((x, int(h * rng.uniform(0.3, 0.6))))
    pts.append((w, h))
    pts.append((0, h))
    cv2.fillPoly(img, [np.array(pts, np.int32)], (250, 250, 250))
    cv2.polylines(img, [np.array(pts[:-2], np.int32)], False, (200, 190, 180), 2)
    if rng.random() < 0.6:  # snowman
        cx, base = rng.randint(80, w - 80), int(h * 0.85)
        r = rng.randint(30, 70)
        cv2.circle(img, (cx, base - r), r, (255, 255, 255), -1)
        cv2.circle(img, (cx, base - r), r, (180, 180, 180), 2)
        cv2.circle(img, (cx, base - int(2.6 * r)), int(0.65 * r), (255, 255, 255), -1)
        cv2.circle(img, (cx, base - int(2.6 * r)), int(0.65 * r), (180, 180, 180), 2)
        cv2.circle(img, (cx - r // 5, base - int(2.7 * r)), 3, (0, 0, 0), -1)
        cv2.circle(img, (cx + r // 5, base - int(2.7 * r)), 3, (0, 0, 0), -1)
    for _ in range(rng.randint(60, 200)):
        cv2.circle(
            img, (rng.randint(0, w), rng.randint(0, h)), rng.randint(1, 4), (255, 255, 255), -1
        )


def draw_logo(img: np.ndarray, rng: random.Random, fonts: Fonts) -> None:
    """Other brands' logos, including ring and ribbon shapes close to the protected ones."""
    h, w = img.shape[:2]
    style = rng.choice(["four_rings", "three_rings", "two_circles", "ribbons", "star", "text"])
    cx, cy = rng.randint(w // 4, 3 * w // 4), rng.randint(h // 4, 3 * h // 4)
    r = rng.randint(25, min(h, w) // 8)
    if style == "four_rings":
        for k in range(4):
            cv2.circle(img, (cx + int((k - 1.5) * 1.5 * r), cy), r, (160, 160, 160), max(3, r // 6))
    elif style == "three_rings":
        for k, colour in enumerate([(200, 120, 0), (0, 0, 200), (0, 160, 0)]):
            cv2.circle(
                img, (cx + (k - 1) * int(1.6 * r), cy + (k % 2) * r // 2), r, colour, max(3, r // 7)
            )
    elif style == "two_circles":
        cv2.circle(img, (cx - r // 2, cy), r, (0, 0, 235), -1)
        cv2.circle(img, (cx + r // 2, cy), r, (0, 160, 250), -1)
    elif style == "ribbons":  # swooshes in the emblem's palette
        for k, colour in enumerate([(180, 80, 30), (40, 40, 210), (0, 200, 240), (230, 200, 90)]):
            pts = [
                (cx - 2 * r + t * r // 4, cy + k * r // 3 + int(0.6 * r * math.sin(t / 3 + k)))
                for t in range(17)
            ]
            cv2.polylines(img, [np.array(pts, np.int32)], False, colour, max(4, r // 5))
    elif style == "star":
        pts = []
        for k in range(10):
            rad = r if k % 2 == 0 else r // 2
            ang = math.pi / 2 + k * math.pi / 5
            pts.append((cx + int(rad * math.cos(ang)), cy - int(rad * math.sin(ang))))
        cv2.fillPoly(img, [np.array(pts, np.int32)], (0, 200, 255))
    else:
        pil = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
        word = rng.choice(["ACME", "好运来", "北极熊", "SNOWY", "冰雪节", "熊猫乐园", "2022新款"])
        ImageDraw.Draw(pil).text(
            (cx - r, cy - r // 2),
            word,
            font=fonts.get(max(16, r)),
            fill=(rng.randint(0, 200), 30, 120),
        )
        img[:] = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)


# ---------------------------------------------------------------- positives


def homography_for(
    width: int, height: int, scale: float, angle: float, perspective: float, rng: random.Random
) -> np.ndarray:
    """Scale about the origin, rotate, then jitter the corners by `perspective`."""
    rad = math.radians(angle)
    rot = np.array(
        [
            [math.cos(rad) * scale, -math.sin(rad) * scale, 0],
            [math.sin(rad) * scale, math.cos(rad) * scale, 0],
            [0, 0, 1],
        ]
    )
    src = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    dst = cv2.perspectiveTransform(src[None], rot)[0]
    if perspective > 0:
        side = scale * max(width, height)
        # Pull one edge in: a plane seen at an angle, not random corner noise.
        edge = rng.randrange(4)
        shrink = perspective * side
        a, b = edge, (edge + 1) % 4
        centre = dst.mean(axis=0)
        for idx in (a, b):
            direction = centre - dst[idx]
            dst[idx] += direction / np.linalg.norm(direction) * shrink
        dst += np.array(
            [[rng.uniform(-1, 1) * side * perspective * 0.2 for _ in range(2)] for _ in range(4)],
            dtype=np.float32,
        )
    return cv2.getPerspectiveTransform(src, dst.astype(np.float32))


def composite(
    background: np.ndarray, art: np.ndarray, homography: np.ndarray, rng: random.Random
) -> tuple[np.ndarray, np.ndarray]:
    """Warp RGBA `art` by `homography` and paste it at a random place; returns image, quad."""
    h, w = art.shape[:2]
    corners = cv2.perspectiveTransform(
        np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)[None], homography
    )[0]
    x0, y0 = corners.min(axis=0)
    x1, y1 = corners.max(axis=0)
    bw, bh = math.ceil(x1 - x0), math.ceil(y1 - y0)
    bg = background
    if bw + 20 > bg.shape[1] or bh + 20 > bg.shape[0]:
        bg = _cover(bg, max(bg.shape[1], bw + 40), max(bg.shape[0], bh + 40))
    ox = rng.randint(10, bg.shape[1] - bw - 10)
    oy = rng.randint(10, bg.shape[0] - bh - 10)
    shift = np.array([[1, 0, ox - x0], [0, 1, oy - y0], [0, 0, 1]])
    full = shift @ homography
    size = (bg.shape[1], bg.shape[0])
    warped = cv2.warpPerspective(
        art,
        full,
        size,
        flags=cv2.INTER_AREA if np.linalg.det(full[:2, :2]) < 1 else cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0, 0),
    )
    alpha = warped[..., 3:4].astype(np.float32) / 255.0
    art_bgr = cv2.cvtColor(warped[..., :3], cv2.COLOR_RGB2BGR).astype(np.float32)
    out = art_bgr * alpha + bg.astype(np.float32) * (1 - alpha)
    box = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    quad = cv2.perspectiveTransform(box[None], full)[0]
    return out.astype(np.uint8), quad


def on_label(art: np.ndarray, rng: random.Random, dark: bool) -> np.ndarray:
    """The RGBA art centred on an opaque plain label with a margin around it."""
    h, w = art.shape[:2]
    margin = int(max(h, w) * rng.uniform(0.08, 0.2))
    if dark:
        colour = (rng.randint(0, 40), rng.randint(10, 50), rng.randint(60, 130))
    else:
        base = rng.randint(215, 255)
        colour = (base, base - rng.randint(0, 15), base - rng.randint(0, 30))
    label = np.zeros((h + 2 * margin, w + 2 * margin, 4), np.uint8)
    label[..., :3] = colour
    label[..., 3] = 255
    alpha = art[..., 3:4].astype(np.float32) / 255.0
    inner = label[margin : margin + h, margin : margin + w, :3].astype(np.float32)
    label[margin : margin + h, margin : margin + w, :3] = (
        art[..., :3].astype(np.float32) * alpha + inner * (1 - alpha)
    ).astype(np.uint8)
    return label


def colour_shift(art: np.ndarray, rng: random.Random, mode: str) -> np.ndarray:
    rgb, alpha = art[..., :3], art[..., 3:]
    if mode == "hue":
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).astype(np.int32)
        hsv[..., 0] = (hsv[..., 0] + rng.choice([-1, 1]) * rng.randint(15, 45)) % 180
        rgb = cv2.cvtColor(hsv.astype(np.uint8), cv2.COLOR_HSV2RGB)
    elif mode == "saturation":
        hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).astype(np.float32)
        hsv[..., 1] = hsv[..., 1] * rng.choice([0.4, 1.6])
        rgb = cv2.cvtColor(np.clip(hsv, 0, 255).astype(np.uint8), cv2.COLOR_HSV2RGB)
    elif mode == "brightness":
        gain, bias = rng.uniform(0.6, 1.3), rng.uniform(-40, 40)
        rgb = np.clip(rgb.astype(np.float32) * gain + bias, 0, 255).astype(np.uint8)
    elif mode == "tint":
        tint = np.array([rng.uniform(0.7, 1.3) for _ in range(3)], np.float32)
        rgb = np.clip(rgb.astype(np.float32) * tint, 0, 255).astype(np.uint8)
    else:  # grayscale print
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        rgb = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    return np.concatenate([rgb, alpha], axis=2)


def occlude(img: np.ndarray, quad: np.ndarray, fraction: float, rng: random.Random) -> str:
    """Hide `fraction` of the mark's bounding box behind an opaque band from one side."""
    x0, y0 = quad.min(axis=0).astype(int)
    x1, y1 = quad.max(axis=0).astype(int)
    side = rng.choice(["left", "right", "top", "bottom"])
    if side in ("left", "right"):
        cut = int((x1 - x0) * fraction)
        box = (x0, y0, x0 + cut, y1) if side == "left" else (x1 - cut, y0, x1, y1)
    else:
        cut = int((y1 - y0) * fraction)
        box = (x0, y0, x1, y0 + cut) if side == "top" else (x0, y1 - cut, x1, y1)
    colour = tuple(rng.randint(0, 255) for _ in range(3))
    cv2.rectangle(img, (box[0], box[1]), (box[2], box[3]), colour, -1)
    return side


POSITIVE_TRANSFORMS: tuple[tuple[str, dict[str, Any]], ...] = (
    *(("scale", {"scale": s}) for s in (0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0)),
    *(("rotation", {"angle": a}) for a in (-30, -20, -10, 10, 20, 30)),
    *(("perspective", {"perspective": p}) for p in (0.1, 0.15, 0.2, 0.25)),
    *(("jpeg", {"quality": q}) for q in (30, 40, 50)),
    *(("blur", {"sigma": s}) for s in (1.0, 2.0, 3.0)),
    *(("occlusion", {"fraction": 0.3}) for _ in range(4)),
    *(("colour", {"mode": m}) for m in ("hue", "saturation", "brightness", "tint", "grey")),
    *(("busy", {}) for _ in range(3)),
    *(("combined", {}) for _ in range(4)),
)
BACKGROUND_KINDS: tuple[str, ...] = ("photo", "synthetic", "cjk_text", "busy")


def make_positive(
    asset: MarkAsset,
    art: np.ndarray,
    transform: str,
    params: dict[str, Any],
    scenes: Scenes,
    rng: random.Random,
    name: str,
) -> Sample:
    scale = rng.uniform(0.45, 0.9)
    angle, perspective, quality, sigma = 0.0, 0.0, 90, 0.0
    params = dict(params)
    if transform == "scale":
        scale = params["scale"]
    elif transform == "rotation":
        angle = params["angle"]
    elif transform == "perspective":
        perspective = params["perspective"]
    elif transform == "jpeg":
        quality = params["quality"]
    elif transform == "blur":
        sigma = params["sigma"]
    elif transform == "colour":
        art = colour_shift(art, rng, params["mode"])
    elif transform == "combined":
        scale = rng.uniform(0.35, 1.2)
        angle = rng.uniform(-20, 20)
        perspective = rng.uniform(0.0, 0.12)
        quality = rng.randint(40, 70)
        sigma = rng.uniform(0.0, 1.2)
        art = colour_shift(art, rng, rng.choice(["hue", "brightness", "tint"]))
        params.update(
            scale=round(scale, 2),
            angle=round(angle, 1),
            perspective=round(perspective, 2),
            quality=quality,
            sigma=round(sigma, 2),
        )
    kind = "busy" if transform == "busy" else rng.choice(BACKGROUND_KINDS)
    # Flat logos are printed on something: a label, tag or box face with the clear
    # space the usage rules ask for. On text pages and clutter they always are (a
    # logo under running text is not a print anyone makes); elsewhere half the time
    # the art goes straight onto the photo.
    if asset.flat and (kind in ("cjk_text", "busy") or rng.random() < 0.5):
        art = on_label(art, rng, dark=asset.key == "rings_white")
        params["label"] = True
    width, height = rng.randint(640, 1000), rng.randint(640, 1000)
    background = scenes.background(kind, width, height, rng)
    homography = homography_for(art.shape[1], art.shape[0], scale, angle, perspective, rng)
    img, quad = composite(background, art, homography, rng)
    if transform == "occlusion":
        params["side"] = occlude(img, quad, params["fraction"], rng)
    if sigma > 0:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    params.setdefault("scale", round(scale, 2))
    params["background"] = kind
    return Sample(
        name=name,
        kind="insignia",
        label="positive",
        image=img,
        mark=asset.mark,
        transform=transform,
        params=params,
        quad=quad.round(1).tolist(),
        jpeg_quality=quality,
    )


def make_negative(
    what: str, scenes: Scenes, rng: random.Random, name: str, extra: list[np.ndarray]
) -> Sample:
    width, height = rng.randint(640, 1000), rng.randint(640, 1000)
    kind = rng.choice(BACKGROUND_KINDS)
    img = scenes.background(kind, width, height, rng)
    if what == "panda":
        for _ in range(rng.randint(1, 2)):
            draw_panda(img, rng)
    elif what == "lantern":
        for _ in range(rng.randint(1, 3)):
            draw_lantern(img, rng)
    elif what == "snow":
        draw_snow(img, rng)
    elif what == "logo":
        for _ in range(rng.randint(1, 3)):
            draw_logo(img, rng, scenes.fonts)
    elif what == "near_miss" and extra:
        art = rng.choice(extra)
        img, _ = composite(
            img,
            art,
            homography_for(
                art.shape[1], art.shape[0], rng.uniform(0.6, 1.4), rng.uniform(-15, 15), 0.0, rng
            ),
            rng,
        )
    return Sample(
        name=name,
        kind="insignia",
        label="negative",
        image=img,
        transform=what,
        params={"background": kind},
        jpeg_quality=rng.randint(60, 92),
    )


def make_ocr(text: str, height_px: int, scenes: Scenes, rng: random.Random, name: str) -> Sample:
    width, height = rng.randint(600, 900), rng.randint(600, 900)
    img = scenes.photo(width, height, rng)
    font = scenes.fonts.get(_font_size_for_height(scenes.fonts, text, height_px))
    pil = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    draw = ImageDraw.Draw(pil)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    tw, th = int(right - left), int(bottom - top)
    x = rng.randint(5, max(6, width - tw - 5))
    y = rng.randint(5, max(6, height - th - 5))
    region = np.asarray(pil.crop((x, y, x + tw, y + th)).convert("L"), dtype=np.float32)
    dark = region.mean() > 128 if region.size else True
    fill = (
        (rng.randint(0, 60), rng.randint(0, 60), rng.randint(0, 60))
        if dark
        else (rng.randint(220, 255), rng.randint(220, 255), rng.randint(200, 255))
    )
    stroke = (255, 255, 255) if dark else (0, 0, 0)
    draw.text(
        (x - left, y - top),
        text,
        font=font,
        fill=fill,
        stroke_width=max(1, height_px // 12),
        stroke_fill=stroke,
    )
    out = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)
    return Sample(
        name=name,
        kind="ocr",
        label="positive",
        image=out,
        text=text,
        params={"text_height": th, "font_size": font.size if hasattr(font, "size") else 0},
        jpeg_quality=rng.randint(70, 92),
    )


def _font_size_for_height(fonts: Fonts, text: str, height_px: int) -> int:
    size = height_px
    while size < 4 * height_px:
        _, top, _, bottom = fonts.get(size).getbbox(text)
        if bottom - top >= height_px:
            return size
        size += 1
    return size


# ---------------------------------------------------------------- driver


def generate(seed: int, quick: bool) -> Iterator[Sample]:
    fonts = Fonts(find_cjk_font())
    scenes = Scenes(load_photos(), fonts)
    rng = random.Random(seed)
    step = 3 if quick else 1
    for asset in ASSETS:
        art = load_asset(asset)
        for index, (transform, params) in enumerate(POSITIVE_TRANSFORMS[::step]):
            sample_rng = random.Random(rng.randint(0, 2**31))
            yield make_positive(
                asset,
                art,
                transform,
                params,
                scenes,
                sample_rng,
                f"pos_{asset.key}_{index:02d}_{transform}",
            )
    near_miss = _near_miss_art()
    negatives = [
        ("background", 60),
        ("panda", 36),
        ("lantern", 30),
        ("snow", 30),
        ("logo", 50),
        ("near_miss", 24),
    ]
    for what, count in negatives:
        for index in range(0, count, step):
            sample_rng = random.Random(rng.randint(0, 2**31))
            yield make_negative(what, scenes, sample_rng, f"neg_{what}_{index:02d}", near_miss)
    heights = (20, 24, 30, 40, 56)
    for index, text in enumerate(GI_NAMES):
        for height_px in heights[:: 2 if quick else 1]:
            sample_rng = random.Random(rng.randint(0, 2**31))
            yield make_ocr(text, height_px, scenes, sample_rng, f"ocr_{index}_{height_px}")


def _near_miss_art() -> list[np.ndarray]:
    """Real unofficial Winter-Games artwork that must not count as the protected marks."""
    path = _images_dir() / "negative_unofficial_dongao_text_logo.png"
    if not path.exists():
        return []
    with Image.open(path) as img:
        return [np.asarray(img.convert("RGBA")).copy()]


def write_set(out: Path, seed: int, quick: bool) -> int:
    if out.exists():
        shutil.rmtree(out)
    (out / "images").mkdir(parents=True)
    count = 0
    with (out / "labels.jsonl").open("w", encoding="utf-8") as labels:
        for sample in generate(seed, quick):
            file = f"images/{sample.name}.jpg"
            ok, buf = cv2.imencode(
                ".jpg", sample.image, [cv2.IMWRITE_JPEG_QUALITY, sample.jpeg_quality]
            )
            if not ok:
                raise RuntimeError(f"cannot encode {sample.name}")
            (out / file).write_bytes(buf.tobytes())
            row = {
                "file": file,
                "kind": sample.kind,
                "label": sample.label,
                "mark": sample.mark,
                "transform": sample.transform,
                "params": sample.params,
                "text": sample.text,
                "quad": sample.quad,
            }
            labels.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--quick", action="store_true", help="about a third of the rows")
    args = parser.parse_args(argv)
    count = write_set(args.out, args.seed, args.quick)
    print(json.dumps({"out": str(args.out), "images": count}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
