"""Text normalisation and the pinyin "fold" that defeats evasive spellings.

Two views of every text are matched:

* the *plain* view: NFKC (full-width to half-width), lower case, traditional to
  simplified with the official OpenCC package, whitespace runs collapsed. Plain
  matches are honest uses of a mark; traditional or full-width spellings land here.
* the *fold* view: every character whose reading could spell a mark becomes one
  code per pinyin syllable (homophones, visually similar and split characters fold
  to the mark's own code), romanised words are segmented into syllables, and
  separators, punctuation, emoji and zero-width characters are dropped. A mark found
  in the fold view but not in the plain view was spelled evasively.

Code characters come from CJK Extension G (U+30000..), which real listings do not
use and which `re` still treats as word characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import numpy as np
import opencc
from pypinyin import lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

from detectors import variant_tables

CODE_BASE = 0x30000
BLOCK = "|"  # stands for a romanised word that cannot be part of any mark
# A newline separates fields (title, description): no mark may span it.
# Single letters that pypinyin lists as readings but nobody types as pinyin syllables.
_NOT_SYLLABLES = frozenset({"m", "n", "ng", "hm", "hng", "e", "o", "a"})
_LATIN_CACHE_LIMIT = 50_000
_CJK_RANGES = ((0x3400, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FFFF))


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def strip_tone(reading: str) -> str:
    """ "lǜ" -> "lu", "shēn" -> "shen" (ü folds to u: people type "lu" for 绿)."""
    out = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
    return out.replace("v", "u")


_HEAD_CHARS = 256
_GAP = "\x00"  # a dropped character in the 1:1 translated text
_LATIN_RUN_RE = re.compile(r"[a-z]+")
_ASCII_LETTER_RE = re.compile(rb"[a-z]")  # on the text's ASCII alone: far faster on CJK


class Folded:
    """The fold view of a text; each code's span in the plain text is computed on demand.

    Most texts hold no fold match, so the position map (a list per character) is built
    only when `span` is first asked for.
    """

    __slots__ = ("_back", "_ends", "_latin", "_starts", "_t", "codes")

    def __init__(
        self,
        codes: str,
        t: str,
        latin: list[tuple[int, int, str]],
        back: list[tuple[int, int]] | None,
    ) -> None:
        self.codes = codes
        self._t = t  # 1:1 with the (split-joined) text, _GAP where a character is dropped
        self._latin = latin  # (start, end, codes) of each romanised word in _t
        self._back = back
        self._starts: list[int] | None = None
        self._ends: list[int] = []

    @property
    def starts(self) -> tuple[int, ...]:
        """Plain-text start of each code."""
        if self._starts is None or len(self._ends) < len(self.codes):
            self._positions()
        return tuple(self._starts or ())

    @property
    def ends(self) -> tuple[int, ...]:
        """Plain-text end of each code."""
        if self._starts is None or len(self._ends) < len(self.codes):
            self._positions()
        return tuple(self._ends)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Plain-text span of codes[start:end+1] (an inclusive end, as Aho-Corasick reports)."""
        if self._starts is None:
            # Matches are mostly in the title: map the head first, the rest if asked for.
            self._positions(_HEAD_CHARS)
        assert self._starts is not None
        if end >= len(self._ends):
            self._positions()
        return self._starts[start], self._ends[end]

    def _positions(self, limit: int | None = None) -> None:
        t = self._t if limit is None else self._t[:limit]
        points = np.frombuffer(t.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        kept = np.flatnonzero(points != ord(_GAP))
        if not self._latin:
            starts, ends = kept.tolist(), (kept + 1).tolist()
        else:
            starts, ends = [], []
            pos = 0
            words = [w for w in self._latin if w[1] <= len(t)]
            for a, b, word in (*words, (len(t), len(t), "")):
                lo, hi = np.searchsorted(kept, (pos, a))
                part = kept[lo:hi]
                starts.extend(part.tolist())
                ends.extend((part + 1).tolist())
                if word:
                    starts.extend([a] * len(word))
                    ends.extend([b] * len(word))
                pos = b
        if self._back is not None:
            start_of, end_of = _back_map(self._back, len(t))
            starts = start_of[np.asarray(starts, dtype=np.int64)].tolist()
            ends = end_of[np.asarray(ends, dtype=np.int64) - 1].tolist()
        self._starts, self._ends = starts, ends


def _back_map(joins: list[tuple[int, int]], length: int) -> tuple[np.ndarray, np.ndarray]:
    """Plain start and end of each character of the split-joined text (vectorised)."""
    a = np.array([j[0] for j in joins], dtype=np.int64)
    b = np.array([j[1] for j in joins], dtype=np.int64)
    shrink = b - a - 1  # a join of k characters stands for one
    at = a - np.concatenate(([0], np.cumsum(shrink)[:-1]))  # its index in the joined text
    inside = at < length
    b, shrink, at = b[inside], shrink[inside], at[inside]
    add = np.zeros(length + 1, dtype=np.int64)
    np.add.at(add, at + 1, shrink)
    start_of = np.arange(length + 1, dtype=np.int64) + np.cumsum(add)
    end_of = start_of + 1
    end_of[at] = b
    return start_of, end_of


class TextFolder:
    """Builds the plain and fold views. Tables are built once per instance."""

    def __init__(
        self,
        mark_words: Iterable[str],
        extra_words: Iterable[str] = (),
        priorities: Mapping[str, int] | None = None,
    ) -> None:
        self._t2s = opencc.OpenCC("t2s")
        self._traditional_re = _traditional_chars(self._t2s)
        mark_words = list(mark_words)
        marks = [self.plain(w).replace(" ", "") for w in mark_words]
        # Priority of each mark character (that of its highest-priority word): decides
        # whether a look-alike may take over a character that already reads as a syllable
        # of another mark.
        prio_of_char: dict[str, int] = {}
        for raw, word in zip(mark_words, marks, strict=True):
            word_prio = (priorities or {}).get(raw, 0)
            for ch in word:
                if is_cjk(ch) and word_prio > prio_of_char.get(ch, -(2**31)):
                    prio_of_char[ch] = word_prio
        extras = [self.plain(w).replace(" ", "") for w in extra_words]
        readings = _all_readings()
        self._syllables = (
            frozenset(s for rs in readings.values() for s in rs if s.isascii() and s.isalpha())
            - _NOT_SYLLABLES
        )
        # Each character of a mark (or of a word the rules must see in the fold view,
        # like the 果 of 人参果) keeps the reading it has inside that word.
        own: dict[str, str] = {}
        for word in (*marks, *extras):
            cjk = "".join(c for c in word if is_cjk(c))
            if not cjk:
                continue
            for ch, syl in zip(cjk, lazy_pinyin(cjk, errors="ignore"), strict=False):
                own.setdefault(ch, strip_tone(syl))
        # Other readings of mark characters (参 is also "can", 长 also "zhang") get codes
        # too, so homophones of any reading fold to the mark (see fold_variants).
        self._readings_of = {
            ch: tuple(
                dict.fromkeys(
                    [syl, *(r for r in readings.get(ord(ch), ()) if r in self._syllables)]
                )
            )
            for ch, syl in own.items()
        }
        self.relevant = frozenset(r for rs in self._readings_of.values() for r in rs)
        self._code_of = {s: chr(CODE_BASE + i) for i, s in enumerate(sorted(self.relevant))}
        prio_of_syl: dict[str, int] = {}
        for ch, rs in self._readings_of.items():
            for r in rs:
                prio_of_syl[r] = max(prio_of_syl.get(r, -(2**31)), prio_of_char.get(ch, 0))
        table: dict[int, str] = {}
        table_prio: dict[int, int] = {}
        # Homophones: any character one of whose readings is a relevant syllable.
        for cp, rs in readings.items():
            for syl in rs:
                if syl in self.relevant:
                    table[cp] = self._code_of[syl]
                    table_prio[cp] = prio_of_syl.get(syl, 0)
                    break
        mark_chars = set(own)
        for ch, partners in _same_pinyin(variant_tables.same_pinyin_lines(), mark_chars):
            mine = {self._code_of[r] for r in self._readings_of[ch]}
            for p in partners:
                if p not in mark_chars and table.get(ord(p)) not in mine:
                    table[ord(p)] = self._code_of[own[ch]]
                    table_prio[ord(p)] = prio_of_char.get(ch, 0)
        # Visually similar characters stand for the mark character they imitate, unless
        # they already stand for a syllable of a higher-priority mark: with hundreds of
        # marks, a look-alike of one mark's character (清 of 汪清) is often a homophone in
        # another (精 for 京 of 北京2022), and the more important mark keeps it.
        for ch, partners in _same_stroke(variant_tables.same_stroke_lines(), mark_chars):
            target_prio = prio_of_char.get(ch, 0)
            for p in partners:
                if p not in mark_chars and target_prio >= table_prio.get(ord(p), target_prio):
                    table[ord(p)] = self._code_of[own[ch]]
                    table_prio[ord(p)] = target_prio
        for ch, syl in own.items():
            table[ord(ch)] = self._code_of[syl]
        self._table = table
        self._fold_table = _fold_table(table)
        splits = _split_forms(variant_tables.decompositions(), mark_chars)
        # Split forms are matched as fold keys of their own ("抚木公人参" folds to the codes of
        # 抚, 木, 公, 人, 参): no pass over the text joins components back together.
        self._components: dict[str, list[str]] = {}
        for comps, ch in splits.items():
            self._components.setdefault(ch, []).append(comps)
        self._latin_cache: dict[str, str] = {}

    # -- plain view -------------------------------------------------------------------
    def plain(self, text: str) -> str:
        if not unicodedata.is_normalized("NFKC", text):
            # Full-width forms ("，", "Ａ") are most of what NFKC changes in listings, and
            # NFKC itself is slow on long CJK text: map them first, normalise only if needed.
            text = _translate(text, _full_width_table())
            if not unicodedata.is_normalized("NFKC", text):
                text = unicodedata.normalize("NFKC", text)
        text = text.lower()
        # OpenCC is the costly step; most listings hold no traditional character at all.
        if self._traditional_re.search(text) is not None:
            text = self._t2s.convert(text)
        # Whitespace runs collapse to one space; a newline (field separator) stays, once.
        if "\n" not in text:
            return " ".join(text.split())
        lines = (" ".join(line.split()) for line in text.split("\n"))
        return "\n".join(line for line in lines if line)

    # -- fold view ----------------------------------------------------------------------
    def fold(self, plain: str) -> Folded:
        text, back = plain, None
        # One C-level pass maps every character to one: its syllable code, itself, _GAP for
        # separators, BLOCK for a newline; romanised words are then replaced by their codes.
        t = _translate(text, self._fold_table)
        latin: list[tuple[int, int, str]] = []
        if _ASCII_LETTER_RE.search(t.encode("ascii", "ignore")) is None:
            return Folded(t.replace(_GAP, ""), t, latin, back)
        parts: list[str] = []
        pos = 0
        for m in _LATIN_RUN_RE.finditer(t):
            a, b = m.span()
            word = self.latin_codes(m.group())
            parts.append(t[pos:a])
            parts.append(word)
            latin.append((a, b, word))
            pos = b
        parts.append(t[pos:])
        return Folded("".join(parts).replace(_GAP, ""), t, latin, back)

    def fold_variants(self, word: str, limit: int = 32) -> list[str]:
        """Fold views of a catalog word under every reading of its characters."""
        variants = [""]
        for ch in self.plain(word).replace(" ", ""):
            readings = self._readings_of.get(ch)
            if readings is None:
                if not ch.isalnum():
                    continue  # punctuation in a name ("藏毯(西藏产区)") is dropped by fold too
                options = [ch.translate(self._table)]
            else:
                options = [self._code_of[r] for r in readings]
            variants = [v + o for v in variants for o in options][:limit]
        return variants

    def split_variants(self, word: str) -> list[str]:
        """Fold views of a catalog word with one character written as its components."""
        chars = [c for c in self.plain(word).replace(" ", "") if c.isalnum()]
        base = [
            self._code_of[self._readings_of[c][0]]
            if c in self._readings_of
            else c.translate(self._table)
            for c in chars
        ]
        out = []
        for i, ch in enumerate(chars):
            for comps in self._components.get(ch, ()):
                out.append("".join([*base[:i], comps.translate(self._table), *base[i + 1 :]]))
        return out

    def fold_word(self, word: str) -> str:
        """Fold view of a catalog word (no spans needed)."""
        return self.fold(self.plain(word)).codes

    def syllables_of(self, word: str) -> list[str]:
        """Toneless pinyin of the Chinese characters of a catalog word."""
        cjk = "".join(c for c in self.plain(word) if is_cjk(c))
        return [strip_tone(s) for s in lazy_pinyin(cjk, errors="ignore")]

    def code(self, syllable: str) -> str | None:
        return self._code_of.get(syllable)

    def latin_codes(self, word: str) -> str:
        """Romanised word -> syllable codes; BLOCK when it is not pinyin for our syllables."""
        cached = self._latin_cache.get(word)
        if cached is not None:
            return cached
        # "v" stands for ü in typed pinyin ("lvdou"); readings fold ü to u as well.
        syllables = self.segment_pinyin(word.replace("v", "u"))
        if syllables is None:
            out = BLOCK
        else:
            out = "".join(self._code_of.get(s, BLOCK) for s in syllables)
            out = re.sub(r"\|+", BLOCK, out)
        if len(self._latin_cache) >= _LATIN_CACHE_LIMIT:
            self._latin_cache.clear()
        self._latin_cache[word] = out
        return out

    def segment_pinyin(self, word: str) -> list[str] | None:
        """Split "jianrenshen" into syllables, preferring syllables our marks use.

        Pinyin is ambiguous ("jian" or "ji an"); the split that uses the most
        mark syllables and the fewest others wins, so 集安 typed as "jian" folds right.
        """
        n = len(word)
        best: list[tuple[int, list[str]] | None] = [None] * (n + 1)
        best[0] = (0, [])
        for i in range(n):
            cur = best[i]
            if cur is None:
                continue
            # A letter that belongs to no syllable ("Bing Dun DunT恤") costs more than
            # any syllable, so it is only used when nothing else fits.
            junk = (cur[0] - 4, cur[1] if cur[1] and cur[1][-1] == BLOCK else [*cur[1], BLOCK])
            if best[i + 1] is None or junk[0] > best[i + 1][0]:  # type: ignore[index]
                best[i + 1] = junk
            for j in range(i + 1, min(n, i + 6) + 1):
                syl = word[i:j]
                if syl not in self._syllables:
                    continue
                score = cur[0] + (2 if syl in self.relevant else -1)
                old = best[j]
                if old is None or score > old[0]:
                    best[j] = (score, [*cur[1], syl])
        end = best[n]
        if end is None or all(s == BLOCK for s in end[1]):
            return None
        return end[1]


_SKIP_CHARS = "丨丶丿乀〡〢〣ㄧ_"
_TONELESS = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü", "aaaaeeeeiiiioooouuuuuuuuu")
_UNICODE_SIZE = 0x110000


def _translate(text: str, table: np.ndarray) -> str:
    """One character for one, through a code-point table (vectorised: str.translate costs
    ~100 ns a character, this ~5)."""
    if not text:
        return text
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return table[points].tobytes().decode("utf-32-le", "surrogatepass")


@lru_cache(maxsize=1)
def _base_fold_table() -> np.ndarray:
    """Separators become _GAP, a newline BLOCK, tone-marked letters lose the tone."""
    alnum = np.fromiter(
        (chr(cp).isalnum() for cp in range(_UNICODE_SIZE)), dtype=bool, count=_UNICODE_SIZE
    )
    table = np.where(alnum, np.arange(_UNICODE_SIZE, dtype=np.uint32), np.uint32(ord(_GAP)))
    for ch in _SKIP_CHARS:
        table[ord(ch)] = ord(_GAP)
    for cp, base in _TONELESS.items():
        table[cp] = int(base)
    table[ord("\n")] = ord(BLOCK)
    table.setflags(write=False)
    return table


def _fold_table(codes: dict[int, str]) -> np.ndarray:
    table = _base_fold_table().copy()
    for cp, code in codes.items():
        # A stroke used as a separator stays one even when a variant table pairs it with a
        # mark's character (adding 平和琯溪蜜柚 made 丨 a variant of 琯): "雪丨容丨融".
        if chr(cp) not in _SKIP_CHARS:
            table[cp] = ord(code)
    return table


@lru_cache(maxsize=1)
def _full_width_table() -> np.ndarray:
    table = np.arange(_UNICODE_SIZE, dtype=np.uint32)
    table[0xFF01:0xFF5F] -= 0xFEE0  # "！".."～" -> "!".."~"
    table[0x3000] = 0x20  # ideographic space
    table.setflags(write=False)
    return table


def _traditional_chars(t2s: opencc.OpenCC) -> re.Pattern[str]:
    """A character class of every CJK character OpenCC t2s changes on its own."""
    changed: list[str] = []
    for lo, hi in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF)):
        chars = [chr(cp) for cp in range(lo, hi + 1)]
        converted = t2s.convert("\n".join(chars)).split("\n")
        if len(converted) != len(chars):  # a phrase swallowed a separator: check one by one
            converted = [t2s.convert(c) for c in chars]
        changed.extend(c for c, out in zip(chars, converted, strict=True) if out != c)
    return re.compile("[" + "".join(re.escape(c) for c in changed) + "]")


def _all_readings() -> dict[int, tuple[str, ...]]:
    return {
        cp: tuple(dict.fromkeys(strip_tone(r) for r in value.split(",")))
        for cp, value in pinyin_dict.items()
    }


def _same_pinyin(lines: Iterable[str], chars: set[str]) -> Iterable[tuple[str, str]]:
    """pycorrector table: char<TAB>same tone<TAB>other tones."""
    for line in lines:
        if line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if parts and parts[0] in chars:
            yield parts[0], "".join(parts[1:2])


def _same_stroke(lines: Iterable[str], chars: set[str]) -> Iterable[tuple[str, str]]:
    """pycorrector table: one group of look-alike characters per line."""
    for line in lines:
        group = [g for g in line.split() if len(g) == 1]
        for ch in group:
            if ch in chars:
                yield ch, "".join(g for g in group if g != ch)


def _split_forms(table: Mapping[str, Sequence[Sequence[str]]], chars: set[str]) -> dict[str, str]:
    """Decompositions ("松" -> [["木", "公"]]) to {"木公": "松"}; only 2-3 real components."""
    forms: dict[str, str] = {}
    for ch in sorted(chars):
        for comps in table.get(ch, ()):
            if not 2 <= len(comps) <= 3 or ch in comps or "一" in comps:
                continue
            if all(len(c) == 1 and is_cjk(c) for c in comps):
                forms.setdefault("".join(comps), ch)
    return forms
