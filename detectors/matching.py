"""Finds every mark in a text in one Aho-Corasick pass per view, plus bounded fuzzy passes.

* plain pass: Chinese names and aliases, English names, and "anchors" (the place word
  of a place+product GI) that trigger the gap pass ("五常 稻花香 大米");
* fold pass (see text_fold): finds homophone, look-alike, split-character, separated and
  pinyin spellings; a fold match no plain match explains is an evasive spelling;
* fuzzy pass: long romanised words within a small edit distance of a mark's pinyin.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import ahocorasick
import numpy as np
from rapidfuzz.distance import Levenshtein

from detectors.catalog_loader import Catalog, Mark
from detectors.config import DetectorConfig
from detectors.text_fold import BLOCK, CODE_BASE, TextFolder

_LONG_LATIN_RE = re.compile(r"[a-z]{6,}")
# The same test on the text's ASCII alone: ~20x faster on long CJK text. It may also see a
# run that CJK characters split ("abc人def"), which only costs the exact search after it.
_LONG_LATIN_ASCII_RE = re.compile(rb"[a-z]{6,}")
# Texts up to this length go straight to the automaton; longer ones are screened first.
_SHORT_TEXT = 200
_MAX_ENGLISH_WORDS = 5


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One use of a mark in one text (spans are in the plain view)."""

    mark: Mark
    text: str
    start: int
    end: int
    how: str  # "plain" | "english" | "gap" | "place" | "fold" | "fuzzy"
    qualifier: str = ""  # the qualified phrase, e.g. "五常大米同款"
    place: str = ""  # for how == "place": the place word ("延边")
    product: str = ""  # for how == "place": the product word of the category ("珍珠米")
    honest_gap: bool = True  # for how == "place": only spaces or words between the two

    @property
    def evasive(self) -> bool:
        return self.how in ("fold", "fuzzy")


@dataclass(frozen=True, slots=True)
class _Key:
    length: int
    entries: tuple[tuple[int, str], ...]  # (mark index, how), place words apart:
    places: tuple[int, ...] = ()  # marks this key is a place word of


class MarkMatcher:
    """Built once per Detector; `find` is pure and thread-safe."""

    def __init__(
        self, catalog: Catalog, config: DetectorConfig, broad_places: Iterable[str] = ()
    ) -> None:
        self.marks = catalog.marks
        self.config = config
        lex = catalog.lexicon
        distractors = {m.name: self._distractors(m, catalog) for m in self.marks}
        extra_words = [w for ws in distractors.values() for w in ws]
        self.folder = TextFolder(
            [n for m in self.marks for n in m.chinese_names],
            extra_words=extra_words,
            priorities={n: m.priority for m in self.marks for n in m.chinese_names},
        )
        plain = self.folder.plain
        self._distractors_plain = {k: tuple(plain(w) for w in v) for k, v in distractors.items()}
        self._distractors_fold = {
            k: tuple(c for c in (self.folder.fold_word(w) for w in v) if c)
            for k, v in distractors.items()
        }
        self._context = {m.name: tuple(plain(c) for c in m.context_required) for m in self.marks}
        self._qual_suffixes = tuple(plain(q) for q in lex.qualifier_suffixes)
        self._qual_prefixes = tuple(plain(q) for q in lex.qualifier_prefixes)
        self._broad_places = frozenset(plain(p) for p in broad_places)

        plain_keys: dict[str, list[tuple[int, str]]] = {}
        fold_keys: dict[str, list[tuple[int, str]]] = {}
        self._gap_re: dict[int, re.Pattern[str]] = {}
        self._pinyin: list[tuple[int, str]] = []
        for i, mark in enumerate(self.marks):
            for name in mark.chinese_names:
                p = plain(name)
                for key in {p, p.replace(" ", "")}:
                    plain_keys.setdefault(key, []).append((i, "plain"))
                for codes in (*self.folder.fold_variants(name), *self.folder.split_variants(name)):
                    if _units(codes) >= 3 and BLOCK not in codes:
                        fold_keys.setdefault(codes, []).append((i, "fold"))
            for english in mark.english:
                for key in _space_variants(plain(english)):
                    plain_keys.setdefault(key, []).append((i, "english"))
            words = _place_and_product(mark, plain)
            if words is not None:
                gap = sorted(
                    {
                        plain(w)
                        for w in (*lex.gap_words.get(mark.category, ()), *lex.qualifier_suffixes)
                    },
                    key=len,
                    reverse=True,
                )
                alternatives = "|".join([*(re.escape(g) for g in gap if g), " "])
                self._gap_re[i] = re.compile(
                    f"{re.escape(words[0])}((?:{alternatives}){{0,4}}){re.escape(words[1])}"
                )
                plain_keys.setdefault(words[0], []).append((i, "anchor"))
            letters = "".join(self.folder.syllables_of(mark.name))
            if len(letters) >= config.fuzzy_min_letters:
                self._pinyin.append((i, letters))
            terms = lex.product_terms.get(mark.category, ())
            if mark.kind == "gi" and (terms or mark.product):
                for place in _places(mark, terms, plain):
                    plain_keys.setdefault(place, []).append((i, "place"))
        self._plain_ac = _automaton(plain_keys)
        self._plain_screen = _screen(_keys(plain_keys))
        self._fold_ac = _automaton(fold_keys)
        self._fold_screen = _screen(_keys(fold_keys))
        # One automaton for every category's product words and their exclusions.
        term_keys: dict[str, list[tuple[int, str]]] = {}
        self._categories = tuple(sorted(lex.product_terms))
        for c, category in enumerate(self._categories):
            for term in lex.product_terms[category]:
                term_keys.setdefault(plain(term), []).append((c, "term"))
            for word in lex.product_exclusions.get(category, ()):
                term_keys.setdefault(plain(word), []).append((c, "exclude"))
        # A mark's own product word counts for that mark ("扶余 四粒红", "查干湖 胖头鱼"),
        # and so does its head noun: the word's two- and more-character endings ("东山
        # 白玉枇杷" for 白沙枇杷, "长白山 矿泉水" for 天然矿泉水).
        self._own: dict[int, int] = {}
        self._own_words: dict[int, str] = {}
        self._own_category: dict[int, int] = {}  # another mark's own word is of its category
        self._category_index = {c: i for i, c in enumerate(self._categories)}
        for i, mark in enumerate(self.marks):
            if mark.kind == "gi" and mark.product and len(mark.product) >= 2:
                self._own[i] = len(self._categories) + i
                self._own_category[self._own[i]] = self._category_index.get(mark.category, -1)
                product = plain(mark.product)
                self._own_words[i] = product
                for k in range(len(product) - 1):
                    term_keys.setdefault(product[k:], []).append((self._own[i], "term"))
        self._term_ac = _automaton(term_keys)
        self._term_starts = _StartScreen.build(term_keys)
        self._longest_term = max((len(k) for k in term_keys), default=1)
        self._plain_of = plain

    # ---------------------------------------------------------------------------------
    def find(self, plain: str) -> list[Occurrence]:
        """All non-distractor uses of marks in `plain` (a text from TextFolder.plain)."""
        found: list[Occurrence] = []
        suppressed: list[tuple[int, int, int]] = []  # (mark index, start, end)
        places: list[tuple[int, int, int]] = []  # (mark index, start, end) of place words
        codes = _Codes.of(plain) if len(plain) > _SHORT_TEXT else None
        for end, key in _screened(self._plain_ac, plain, self._plain_screen, codes):
            start = end - key.length + 1
            if key.places:
                places.extend([(i, start, end + 1) for i in key.places])
            for i, how in key.entries:
                stop = end + 1
                m: re.Match[str] | None = None
                if how == "anchor":
                    m = self._gap_re[i].match(plain, start)
                    if m is None or len(m.group(1).replace(" ", "")) > self.config.max_gap_chars:
                        continue
                    stop, how = m.end(), "gap"
                mark = self.marks[i]
                qualifier = self._qualifier(plain, start, stop)
                if (
                    m is not None
                    and not qualifier
                    and any(
                        q in m.group(1)
                        for q in self._qual_suffixes  # "五常风味大米"
                    )
                ):
                    qualifier = plain[start:stop]
                if self._is_distractor(mark, plain, stop) or not self._has_context(mark, plain):
                    suppressed.append((i, start, stop))
                    continue
                found.append(Occurrence(mark, plain[start:stop], start, stop, how, qualifier))
        if places:
            found.extend(self._place_products(plain, places, found, codes))
        folded = self.folder.fold(plain)
        for end, key in self._fold_hits(folded.codes):
            start = end - key.length + 1
            s, e = folded.span(start, end)
            for i, _how in key.entries:
                mark = self.marks[i]
                if _explained(found, mark, s, e) or any(
                    j == i and a < e and s < b for j, a, b in suppressed
                ):
                    continue
                tail = folded.codes[end + 1 :]
                if any(tail.startswith(d) for d in self._distractors_fold[mark.name]):
                    continue
                if not self._has_context(mark, plain):
                    continue
                found.append(Occurrence(mark, plain[s:e], s, e, "fold"))
        if self._pinyin and _LONG_LATIN_ASCII_RE.search(plain.encode("ascii", "ignore")):
            found.extend(self._fuzzy_latin(plain, found))
        return found

    def _plain_hits(self, plain: str) -> Iterable[tuple[int, _Key]]:
        """Leftmost-longest plain keys (a long text is screened first, see _screened)."""
        codes = _Codes.of(plain) if len(plain) > _SHORT_TEXT else None
        return _screened(self._plain_ac, plain, self._plain_screen, codes)

    def _fold_hits(self, codes: str) -> Iterable[tuple[int, _Key]]:
        """Leftmost-longest fold keys (a long text is screened first, see _screened)."""
        return _screened(self._fold_ac, codes, self._fold_screen)

    # ---------------------------------------------------------------------------------
    def _place_products(
        self,
        plain: str,
        places: Sequence[tuple[int, int, int]],
        found: Sequence[Occurrence],
        codes: _Codes | None = None,
    ) -> list[Occurrence]:
        """A GI's place word near a product word of its category, in one title or sentence.

        "吉林 延边 珍珠米 新米" uses 延边大米; "长白山 蓝莓干" (no ginseng word), "长白山人参果"
        and "海参" (excluded words) do not. Broad places (a province) give way to a specific
        place that reaches the same product word.
        """
        window = self.config.place_window_chars
        out: list[tuple[Occurrence, bool]] = []
        done = {o.mark.name for o in found}
        reach = window + self._longest_term
        # Per place word: the product words (category, distance, start, end, own-word id)
        # within the window and the same title or sentence, found once for all its GIs.
        around: dict[tuple[int, int], list[tuple[int, int, int, int, int]]] = {}
        # In a long text most place words have no product word near them (a shop's "发货
        # 吉林省内"): where product words can begin is found once, so those cost a bisect.
        starts = self._term_starts.starts(codes) if codes is not None else None
        for i, s, e in places:
            mark = self.marks[i]
            if mark.name in done:
                continue
            near = around.get((s, e))
            if near is None:
                near = around[(s, e)] = self._near_terms(plain, starts, s, e, reach, window)
            if not near:
                continue
            c = self._category_index.get(mark.category, -1)
            own = self._own.get(i, -1)
            # (not its own word, distance, start, end): the mark's own product word wins
            # over a nearer category word ("淮安 私房菜 嫩黄瓜" is 淮安黄瓜, not 淮安蒲菜).
            best: tuple[bool, int, int, int] | None = None
            nearest_other = window + 1  # the nearest product word of another category
            own_word = self._own_words.get(i, "")
            for tc, distance, ts, te, term_id in near:
                if term_id == own:
                    tc = own
                if tc != c and tc != own:
                    if plain[ts:te] in own_word:
                        continue  # 桃 of "宣汉 桃花米" is part of the rice's own name
                    nearest_other = min(nearest_other, distance)
                elif best is None or (tc != own, distance) < best[:2]:
                    best = (tc != own, distance, ts, te)
            # "盘锦 蟹田米": the place names the rice, not the crab GI of the same place.
            if best is None or nearest_other < best[1]:
                continue
            _, _, ts, te = best
            a, b = min(s, ts), max(e, te)
            if self._is_distractor(mark, plain, b):
                continue
            if not self._has_context(mark, plain):
                continue
            qualifier = self._qualifier(plain, a, b)
            gap = plain[e:ts] if ts >= e else ""
            if not qualifier and any(q in gap for q in self._qual_suffixes if len(q) >= 2):
                qualifier = plain[a:b]  # "五常风味大米"
            between = plain[e:ts] if ts >= e else plain[te:s]
            occurrence = Occurrence(
                mark,
                plain[a:b],
                a,
                b,
                "place",
                qualifier,
                plain[s:e],
                plain[ts:te],
                honest_gap=_HONEST_GAP_RE.fullmatch(between) is not None,
            )
            out.append((occurrence, plain[s:e] in self._broad_places))
            done.add(mark.name)
        if any(not broad for _, broad in out):
            # A province name ("吉林") names many GIs; a city or county word is the one meant.
            out = [(o, broad) for o, broad in out if not broad]
        # Of the GIs of one place, the one whose own product is the word used is meant
        # ("长白山 灵芝孢子粉" is 吉林长白山灵芝, not the black fungus of the same place).
        owned = {
            o.place
            for o, _ in out
            if o.mark.product and o.product == self._plain_of(o.mark.product)
        }
        kept = [
            o for o, _ in out if o.place not in owned or o.product == self._plain_of(o.mark.product)
        ]
        return _closest_products(kept, self._plain_of, plain)

    def _near_terms(
        self, plain: str, starts: Sequence[int] | None, s: int, e: int, reach: int, window: int
    ) -> list[tuple[int, int, int, int, int]]:
        """Product words around the place word plain[s:e]: (category index, distance,
        start, end, term id), in its own title or sentence and at most `window` away. The
        term id is a mark's own-word id or the category index; the category of another
        mark's own word is that mark's category. `starts`, when given, holds every place
        where a product word can begin."""
        lo, hi = max(0, s - reach), min(len(plain), e + reach)
        if starts is not None and not _any_between(starts, lo, hi):
            return []
        before = _LAST_END_RE.search(plain, lo, s)
        if before is not None:
            lo = before.start() + 1
        after = _SENTENCE_END_RE.search(plain, e, hi)
        if after is not None:
            hi = after.start()
        if starts is not None and not _any_between(starts, lo, hi):
            return []
        near = []
        for tc, ts, te in self._terms(plain, lo, hi):
            if ts < e and s < te:
                continue
            distance = ts - e if ts >= e else s - te
            if distance <= window:
                near.append((self._own_category.get(tc, tc), distance, ts, te, tc))
        return near

    def _terms(self, plain: str, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """Product words (category index, start, end) in plain[lo:hi] not inside an
        excluded word."""
        hits: list[tuple[int, int, int]] = []
        excluded: list[tuple[int, int, int]] = []
        if hi <= lo:
            return hits
        for end, key in self._term_ac.iter(plain, lo, hi):
            start = end - key.length + 1
            for c, kind in key.entries:
                (hits if kind == "term" else excluded).append((c, start, end + 1))
        if not excluded:
            return hits
        return [
            (c, s, e)
            for c, s, e in hits
            if not any(xc == c and xs < e and s < xe for xc, xs, xe in excluded)
        ]

    def _fuzzy_latin(self, plain: str, found: Sequence[Occurrence]) -> list[Occurrence]:
        """Romanised words one or two typos away from a mark's pinyin ("changbaishanrensen")."""
        out: list[Occurrence] = []
        for m in _LONG_LATIN_RE.finditer(plain):
            word = m.group()
            if len(word) < self.config.fuzzy_min_letters:
                continue
            s, e = m.span()
            if any(o.start < e and s < o.end for o in found):
                continue
            for i, letters in self._pinyin:
                if abs(len(letters) - len(word)) > self.config.fuzzy_max_edits:
                    continue
                d = Levenshtein.distance(word, letters, score_cutoff=self.config.fuzzy_max_edits)
                if 0 < d <= self.config.fuzzy_max_edits:
                    out.append(Occurrence(self.marks[i], word, s, e, "fuzzy"))
                    break
        return out

    def _is_distractor(self, mark: Mark, plain: str, stop: int) -> bool:
        tail = plain[stop:].lstrip(" ")
        return any(tail.startswith(d) for d in self._distractors_plain[mark.name])

    def _has_context(self, mark: Mark, plain: str) -> bool:
        words = self._context[mark.name]
        return not words or any(w in plain for w in words)

    def _qualifier(self, plain: str, start: int, stop: int) -> str:
        """The qualified phrase ("五常大米同款", "媲美五常大米"), or "" when there is none."""
        tail = plain[stop:].lstrip(" ")
        for q in self._qual_suffixes:
            if tail.startswith(q):
                return plain[start:stop] + q
        head = plain[:start].rstrip(" ")
        for q in self._qual_prefixes:
            if head.endswith(q):
                return q + plain[start:stop]
        return ""

    @staticmethod
    def _distractors(mark: Mark, catalog: Catalog) -> tuple[str, ...]:
        by_category = catalog.lexicon.distractor_suffixes.get(mark.category, ())
        return tuple(dict.fromkeys((*mark.not_followed_by, *by_category)))


_PAIR_BITS = 20
_PAIR_MASK = np.uint32((1 << _PAIR_BITS) - 1)


@dataclass(frozen=True)
class _StartScreen:
    """Where a key of a set (one-character keys included) can begin in a text: a
    vectorised look-up of each character and each character pair. A superset: hash
    collisions only add places."""

    singles: np.ndarray  # hashed code point -> a one-character key
    pairs: np.ndarray  # hashed pair -> the first two characters of a longer key

    @classmethod
    def build(cls, keys: Iterable[str]) -> _StartScreen:
        singles = np.zeros(1 << _PAIR_BITS, dtype=bool)
        pairs = np.zeros(1 << _PAIR_BITS, dtype=bool)
        for k in keys:
            if len(k) == 1:
                singles[ord(k) & int(_PAIR_MASK)] = True
            elif k:
                first = np.array([ord(k[0])], dtype=np.uint32)
                pairs[_pair_hash(first, np.array([ord(k[1])], dtype=np.uint32))] = True
        return cls(singles, pairs)

    def starts(self, codes: _Codes) -> list[int]:
        """Ascending positions of the text where a key may begin."""
        hit = self.singles[codes.points & _PAIR_MASK]
        hit[:-1] |= self.pairs[codes.pairs]
        return list(np.flatnonzero(hit).tolist())


@dataclass(frozen=True)
class _Codes:
    """A text's code points and hashed character pairs and triples, computed once for
    every screen."""

    points: np.ndarray
    pairs: np.ndarray  # _pair_hash of each character and the next
    triples: np.ndarray  # _triple_hash of each character and the two next

    @classmethod
    def of(cls, text: str) -> _Codes:
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        return cls(
            points,
            _pair_hash(points[:-1], points[1:]),
            _triple_hash(points[:-2], points[1:-1], points[2:]),
        )


def _any_between(ascending: Sequence[int], lo: int, hi: int) -> bool:
    k = bisect.bisect_left(ascending, lo)
    return k < len(ascending) and ascending[k] < hi


def _pair_hash(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return ((first * np.uint32(40503)) ^ second) & _PAIR_MASK


def _triple_hash(first: np.ndarray, second: np.ndarray, third: np.ndarray) -> np.ndarray:
    return ((((first * np.uint32(40503)) ^ second) * np.uint32(2654435761)) ^ third) & _PAIR_MASK


@dataclass(frozen=True)
class _Screen:
    """Where a key can start in a long text, and which keys start there.

    `table` holds the hashed pairs of first two characters of every key (a collision only
    makes `_screened` look at a place for nothing); `by_pair` lists the keys of each pair,
    by length, longest first.
    """

    table: np.ndarray
    by_pair: dict[str, tuple[tuple[int, ...], dict[str, _Key]]]  # lengths, longest first
    # Keys of three or more characters are screened on their first three: in prose, many
    # pairs begin a long key (十八 folds like 木垒 of 木垒羊肉) but few go on to the third.
    # `table` then holds only the pairs of two-character keys.
    triples: np.ndarray


def _screen(keys: dict[str, _Key]) -> _Screen | None:
    """None when a key is shorter than two characters (the automaton then reads it all)."""
    table = np.zeros(1 << _PAIR_BITS, dtype=bool)
    triples = np.zeros(1 << _PAIR_BITS, dtype=bool)
    by_pair: dict[str, list[tuple[str, _Key]]] = {}
    for k, value in keys.items():
        if len(k) < 2:
            return None
        points = np.array([ord(c) for c in k[:3]], dtype=np.uint32)
        if len(k) == 2:
            table[_pair_hash(points[:1], points[1:2])] = True
        else:
            triples[_triple_hash(points[:1], points[1:2], points[2:3])] = True
        by_pair.setdefault(k[:2], []).append((k, value))
    return _Screen(
        table,
        {
            pair: (tuple(sorted({len(k) for k, _ in ks}, reverse=True)), dict(ks))
            for pair, ks in by_pair.items()
        },
        triples,
    )


def _screened(
    automaton: ahocorasick.Automaton, text: str, screen: _Screen | None, codes: _Codes | None = None
) -> Iterable[tuple[int, _Key]]:
    """Leftmost-longest keys as (end index, key), like the automaton's `iter_long`.

    A short text goes to the automaton. In a long one, a vectorised screen of character
    pairs finds the few places where a key can start, and only the keys of that pair are
    looked up there, one length at a time: a 2,000-character description holds a few dozen
    such places, and the automaton's per-window iterators cost more than those lookups.
    """
    if not text:
        return
    if len(text) <= _SHORT_TEXT or screen is None:
        yield from automaton.iter_long(text)
        return
    codes = codes or _Codes.of(text)
    hit = screen.table[codes.pairs]
    hit[:-1] |= screen.triples[codes.triples]
    starts = np.flatnonzero(hit)
    free = 0  # matches do not overlap: the next one starts at or after this
    n = len(text)
    by_pair = screen.by_pair
    for p in starts.tolist():
        if p < free:
            continue
        bucket = by_pair.get(text[p : p + 2])
        if bucket is None:
            continue
        lengths, keys = bucket
        room = n - p  # a slice past the end is shorter, and may be another key
        for length in lengths:
            if length > room:
                continue
            value = keys.get(text[p : p + length])
            if value is not None:
                free = p + length
                yield free - 1, value
                break


def _keys(keys: dict[str, list[tuple[int, str]]]) -> dict[str, _Key]:
    out = {}
    for key, entries in keys.items():
        unique = tuple(dict.fromkeys(entries))
        places = tuple(i for i, how in unique if how == "place")
        out[key] = _Key(len(key), tuple(e for e in unique if e[1] != "place"), places)
    return out


def _automaton(keys: dict[str, list[tuple[int, str]]]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for key, value in _keys(keys).items():
        automaton.add_word(key, value)
    if not keys:
        # An empty automaton cannot be searched; a key no text contains keeps it usable.
        automaton.add_word(chr(CODE_BASE - 1) * 3, _Key(3, ()))
    automaton.make_automaton()
    return automaton


def _units(codes: str) -> int:
    """Syllables plus digit runs: "北京2022" folds to 3 units."""
    units = 0
    digit_run = False
    for ch in codes:
        if ch.isdigit():
            if not digit_run:
                units += 1
            digit_run = True
        else:
            units += 1
            digit_run = False
    return units


def _space_variants(english: str) -> set[str]:
    """ "bing dwen dwen" -> itself, "bingdwendwen", "bing dwendwen", ..."""
    words = english.split()
    if len(words) > _MAX_ENGLISH_WORDS:
        return {english, "".join(words)}
    variants = {words[0]}
    for w in words[1:]:
        variants = {v + sep + w for v in variants for sep in ("", " ")}
    return variants


# Between place and product: nothing, spaces, or whole words set apart by spaces.
_HONEST_GAP_RE = re.compile(r"(?:\s*|\s.*\s)")
_SENTENCE_END = "。！？!?；;\n"


_SENTENCE_END_RE = re.compile(f"[{re.escape(_SENTENCE_END)}]")
_LAST_END_RE = re.compile(f"[{re.escape(_SENTENCE_END)}][^{re.escape(_SENTENCE_END)}]*\\Z")


def _places(mark: Mark, terms: Sequence[str], plain: Callable[[str], str]) -> list[str]:
    """Place words of a GI: its `places`, else the name without its product word; none
    for `places = []`."""
    if not mark.place_words:
        return []
    names = list(mark.place_names)
    if not names:
        pair = _place_and_product(mark, plain)
        own = mark.product
        if own and mark.name.endswith(own) and len(mark.name) - len(own) >= 2:
            names.append(mark.name[: -len(own)])  # 永宁青虾 is 永宁's 青虾, not 永宁青's 虾
        elif pair is not None:
            names.append(pair[0])
        else:
            for term in sorted(terms, key=len, reverse=True):
                if mark.name.endswith(term) and len(mark.name) - len(term) >= 2:
                    names.append(mark.name[: -len(term)])
                    break
    return [p for p in dict.fromkeys(plain(n).replace(" ", "") for n in names) if len(p) >= 2]


def _place_and_product(mark: Mark, plain: Callable[[str], str]) -> tuple[str, str] | None:
    """The two words of an alias like "长白山 人参" that spells the canonical name."""
    for alias in mark.aliases:
        words = plain(alias).split(" ")
        if len(words) == 2 and "".join(words) == mark.name:
            return words[0], words[1]
    return None


def _closest_products(
    found: list[Occurrence], plain: Callable[[str], str], text: str
) -> list[Occurrence]:
    """Of the GIs of one place that one product word reaches, those whose own product the
    text names, then those whose own product shares most characters with the word: "大连
    刺参" is 大连海参, not the abalone of 大连; "淮安 私房菜 嫩黄瓜" is 淮安黄瓜, not 淮安蒲菜.
    When none is nearer than the others, all stay."""
    groups: dict[tuple[str, str], list[Occurrence]] = {}
    for o in found:
        groups.setdefault((o.place, o.product), []).append(o)
    if all(len(g) == 1 for g in groups.values()):
        return found
    keep: set[int] = set()
    for (_, word), group in groups.items():
        own = [plain(o.mark.product) for o in group]
        rank = [(bool(w) and w in text, len(set(word) & set(w))) for w in own]
        best = max(rank)
        keep.update(id(o) for o, r in zip(group, rank, strict=True) if r == best)
    return [o for o in found if id(o) in keep]


def _overlaps(found: Sequence[Occurrence], mark: Mark, s: int, e: int) -> bool:
    return any(o.mark is mark and o.start < e and s < o.end for o in found)


def _explained(found: Sequence[Occurrence], mark: Mark, s: int, e: int) -> bool:
    """A fold match that an honest match of the same mark accounts for.

    A place+product match explains it only when place and product stand apart by spaces
    ("延边 大米"); "集安人*参" hides the name with a separator inside a word.
    """
    for o in found:
        if o.mark is not mark or not (o.start < e and s < o.end):
            continue
        if o.how != "place" or o.honest_gap:
            return True
    return False
