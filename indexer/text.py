"""Chinese text to index tokens: jieba words plus their pinyin.

Neither backend has a Chinese analyzer here (no analysis-common in the ES core
distribution; SQLite FTS5 has none), so both index the same whitespace-joined
tokens made here, and queries go through the same function.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass

import jieba
from pypinyin import Style, lazy_pinyin

_WORD = re.compile(r"[\w\u3400-\u9fff]+", re.UNICODE)
_HAN = re.compile(r"[\u3400-\u9fff]")
_PINYIN_CACHE_SIZE = 200_000


@dataclass(frozen=True, slots=True)
class Tokens:
    words: str  # space-separated jieba tokens (search mode), lower-cased
    pinyin: str  # space-separated pinyin of each Chinese token, tones dropped


class Tokenizer:
    """A jieba tokenizer of its own (not jieba's global one) with mark names kept whole."""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for word in extra_words:
            if word:
                self._jieba.add_word(word, freq=200000)
                # Search mode emits the parts it knows: let "梅河" and "大米" find "梅河大米".
                for part in (*(word[:k] for k in range(2, len(word) - 1)), word[-2:]):
                    if part != word and self._jieba.FREQ.get(part, 0) == 0:
                        self._jieba.add_word(part, freq=1)
        # Listing vocabularies repeat heavily and pypinyin is the slow step: remember words.
        self._pinyin: dict[str, str] = {}

    def pinyin(self, word: str) -> str:
        cached = self._pinyin.get(word)
        if cached is None:
            cached = "".join(lazy_pinyin(word, style=Style.NORMAL))
            if len(self._pinyin) < _PINYIN_CACHE_SIZE:
                self._pinyin[word] = cached
        return cached

    def words(self, text: str) -> list[str]:
        out: list[str] = []
        for token in self._jieba.cut_for_search(text.lower()):
            out.extend(_WORD.findall(token))
        return out

    def tokens(self, text: str) -> Tokens:
        words = self.words(text)
        pinyin = [self.pinyin(w) for w in words if _HAN.search(w)]
        return Tokens(words=" ".join(words), pinyin=" ".join(pinyin))

    def query_terms(self, text: str) -> list[str]:
        """Terms of a staff query: jieba words, or the query itself for pinyin/latin."""
        return [t for t in self.words(text) if t.strip()]
