"""Decode saved Chinese pages whose declared charset may lie.

Real pages are mislabelled both ways: GBK bytes served as UTF-8 (re-saved Tmall
pages) and UTF-8 bytes that still carry `<meta charset="gbk">` (pages re-saved by a
browser). A strict decode with the wrong codec often *succeeds* (UTF-8 bytes pair up
as GBK), so validity alone cannot decide; we also score how natural the text looks:
the share of its Han characters that are in the common sets of simplified
(GB2312 level 1) or traditional (Big5 level 1) Chinese. Wrong decodes land mostly on
rare characters.
"""

from __future__ import annotations

import codecs
import functools
import re
from dataclasses import dataclass

# Candidates tried after the declared and in-document charsets, in tie-break order.
FALLBACK_ENCODINGS: tuple[str, ...] = ("utf-8", "gb18030", "big5")
# How many Han characters to score; enough to be decisive, cheap on 1 MB pages.
_SCORE_SAMPLE = 4000
# A later candidate must beat an earlier one by this margin to win.
_SCORE_MARGIN = 0.05
# Below this a body that is valid UTF-8 may still be a few GB or Big5 characters by chance.
_UTF8_TRUST_BYTES = 256
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
# Han characters, and the Private Use Area where GB18030 puts byte pairs no standard assigns
# (Big5 bytes read as GB18030 land there): real pages have none, so they count as rare.
_HAN = re.compile(r"[\u4e00-\u9fff\ue000-\uf8ff]")
# GBK and GB2312 are subsets of GB18030; decoding with the superset loses nothing.
_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030", "euc_cn": "gb18030", "big5hkscs": "big5"}


@dataclass(frozen=True, slots=True)
class DecodedPage:
    """Text of a page plus how it was decoded."""

    text: str
    encoding: str  # the codec actually used (Python codec name, e.g. "gb18030")
    declared: str | None  # what the caller or the page itself claimed
    lossy: bool = False  # True when no codec decoded cleanly and bytes were replaced

    @property
    def declared_wrong(self) -> bool:
        return self.declared is not None and _normalise(self.declared) != self.encoding


def decode_html(body: bytes, declared: str | None = None) -> str:
    """The text of `body`; see `decode_page` for the codec it picked. Never raises."""
    return decode_page(body, declared).text


def decode_page(body: bytes, declared: str | None = None) -> DecodedPage:
    """Decode `body`, trusting `declared` (e.g. the HTTP header) only if the bytes agree.

    Tries strict decodes with the declared charset, the page's own meta charset, then
    utf-8, gb18030 and big5, and keeps the most natural-looking Chinese text.
    """
    in_document = _meta_charset(body)
    claimed = declared or in_document
    if body.startswith(codecs.BOM_UTF8):
        return DecodedPage(
            body[len(codecs.BOM_UTF8) :].decode("utf-8", "replace"), "utf-8", claimed
        )
    if len(body) >= _UTF8_TRUST_BYTES and (claimed is None or _normalise(claimed) == "utf-8"):
        # Nearly every page: said to be UTF-8 (or said nothing), and its bytes are valid
        # UTF-8. GB or Big5 text of any length almost never is, so scoring the other
        # codecs (half of parsing a page) buys nothing here.
        try:
            return DecodedPage(body.decode("utf-8"), "utf-8", claimed)
        except UnicodeDecodeError:
            pass
    candidates: list[str] = []
    for name in (declared, in_document, *FALLBACK_ENCODINGS):
        codec = _normalise(name) if name else None
        if codec and codec not in candidates:
            candidates.append(codec)
    # A single-byte charset (ISO-8859-1, the old HTTP default, or windows-1252) decodes any
    # bytes "cleanly" and shows no Han characters to score, so it would win every time;
    # it is tried after the Chinese codecs, and wins only when none of them decodes.
    candidates.sort(key=_is_single_byte)
    best: tuple[float, str, str] | None = None
    for codec in candidates:
        try:
            text = body.decode(codec)
        except UnicodeDecodeError:
            continue
        score = _naturalness(text)
        if best is None or score > best[0] + _SCORE_MARGIN:
            best = (score, codec, text)
    if best is not None:
        return DecodedPage(best[2], best[1], claimed)
    # Nothing decodes cleanly (truncated or corrupt bytes): replace the fewest.
    lossy = min(
        ((body.decode(codec, "replace"), codec) for codec in candidates),
        key=lambda pair: pair[0].count("\ufffd"),
    )
    return DecodedPage(lossy[0], lossy[1], claimed, lossy=True)


def _normalise(name: str) -> str | None:
    try:
        codec = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    return _SUPERSETS.get(codec, codec)


@functools.cache
def _is_single_byte(codec: str) -> bool:
    """Latin-1, windows-125x, KOI8 …: (nearly) every high byte is a character of its own."""
    alone = sum(len(bytes([b]).decode(codec, "ignore")) == 1 for b in range(0x80, 0x100))
    return alone >= 100


def _meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", "ignore") if match else None


def _naturalness(text: str) -> float:
    """Share of Han characters that are common; 1.0 for text without Han characters."""
    common = total = 0
    for match in _HAN.finditer(text):
        total += 1
        common += _is_common_han(match.group(0))
        if total >= _SCORE_SAMPLE:
            break
    return common / total if total else 1.0


def _is_common_han(char: str) -> bool:
    try:
        gb = char.encode("gb2312")
        if 0xB0 <= gb[0] <= 0xD7:  # GB2312 level 1: the 3755 most used simplified
            return True
    except UnicodeEncodeError:
        pass
    try:
        big5 = char.encode("big5")
    except UnicodeEncodeError:
        return False
    return 0xA4 <= big5[0] <= 0xC6  # Big5 level 1: the 5401 most used traditional
