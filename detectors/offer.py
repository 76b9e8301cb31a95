"""Is a text an offer of goods, or prose (a news report, a regulator's notice, an explainer)?

A generic or profile crawl also fetches articles that name protected marks ("查处假冒冰墩墩").
Those must not raise alerts. Offers have prices, quantities, shop and selling words and
short keyword titles; prose has long sentences and the words of reporters and regulators.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import ahocorasick

from detectors.catalog_loader import Lexicon
from detectors.types import Listing

# Listing.source values that never carry offers, and those that always do.
PROSE_SOURCES = frozenset({"news", "article", "notice", "regulator", "prose", "encyclopedia"})
_UNIT_RE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:kg|g|斤|克|公斤|千克|两|支|袋|盒|件|瓶|罐|ml|l)(?![a-z])"
)
_SENTENCE_RE = re.compile(r"[^。！？!?\n]+[。！？!?]")
# Clause punctuation: shop titles are keyword lists, prose is punctuated.
_CLAUSE_RE = re.compile(r"[，,。；;！？!?：:](?!\d)")
_QUOTE_RE = re.compile(r"[“”「」『』]")
_DATE_RE = re.compile(r"\d{1,2}月\d{1,2}日|(?:19|20)\d\d年|近日|日前|昨日|今年|去年")


@dataclass(frozen=True, slots=True)
class OfferJudgement:
    is_offer: bool
    detail: str = ""
    evidence: str = ""


_OFFER = OfferJudgement(True)


class OfferJudge:
    """Built once per Detector; `judge` is pure."""

    def __init__(self, lexicon: Lexicon, plain: Callable[[str], str]) -> None:
        self._words = ahocorasick.Automaton()
        keys: dict[str, set[str]] = {}
        for word in lexicon.prose_markers:
            keys.setdefault(plain(word), set()).add("prose")
        for word in lexicon.offer_markers:
            keys.setdefault(plain(word), set()).add("offer")
        for key, kinds in keys.items():
            if key:
                self._words.add_word(key, (key, frozenset(kinds)))
        self._empty = not keys
        if not self._empty:
            self._words.make_automaton()

    def judge(self, listing: Listing, text: str) -> OfferJudgement:
        """`text` is the plain view of title + description."""
        source = listing.source.lower()
        if source in PROSE_SOURCES:
            return OfferJudgement(
                False,
                f"来源类型为“{listing.source}”（新闻、公告或说明文字），不是商品要约。",
                listing.source,
            )
        # An item page with a price is an offer, whatever its description says
        # ("谨防假冒" and "消费者" are common in shop descriptions).
        if listing.price is not None and listing.price > 0:
            return _OFFER
        prose_words: list[str] = []
        offer_words: set[str] = set()
        if not self._empty:
            for _, (word, kinds) in self._words.iter(text):
                if "prose" in kinds and word not in prose_words:
                    prose_words.append(word)
                if "offer" in kinds:
                    offer_words.add(word)
        title = listing.title.strip()
        clauses = len(_CLAUSE_RE.findall(text))
        long_sentences = sum(1 for m in _SENTENCE_RE.finditer(text) if len(m.group()) >= 25)
        offer = min(len(offer_words), 3)
        if listing.quantity or _UNIT_RE.search(text[: len(title) + 1] if title else ""):
            offer += 1
        if title and len(title) <= 60 and not _CLAUSE_RE.search(title):
            offer += 1  # a keyword title ("五常大米 新米 5kg"), not a sentence
        if "【" in title:
            offer += 1
        prose = min(len(prose_words), 6)
        prose += 2 if clauses >= 3 else 1 if clauses >= 1 else 0
        prose += 2 if long_sentences >= 2 else 0
        if _QUOTE_RE.search(text):
            prose += 1  # reporters quote names ("五常大米"); shops do not
        if _DATE_RE.search(text):
            prose += 1
        # Without a price the text must look like an offer to be judged as one.
        # A platform listing needs the words of news or notices too, not punctuation alone
        # (live-stream and social selling is chatty: "家人们，赶紧下单！").
        if prose >= 2 and prose >= offer + 1 and (prose_words or source != "ecommerce"):
            shown = "、".join(prose_words[:6])
            why = [f"含新闻或公告用语（{shown}）" if shown else "", f"{clauses} 处句读"]
            if long_sentences:
                why.append(f"{long_sentences} 个长句")
            reasons = "，".join(w for w in why if w)
            return OfferJudgement(
                False,
                f"文本为叙述性文字而非商品要约：{reasons}；无价格，缺少规格、店铺等销售信息。",
                shown or text[:40],
            )
        return _OFFER
