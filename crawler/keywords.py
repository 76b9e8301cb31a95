"""Search keywords for the spiders, from the catalog's mark names and the watchlists.

Pure: the composition root loads the catalog and watchlists and passes plain strings,
so spiders never import the detectors. Spiders take the result as `-a keywords=a,b,c`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable


def keywords_from(catalog_names: Iterable[str], watchlist_keywords: Iterable[str]) -> list[str]:
    """Catalog names first, then watchlist keywords; trimmed, NFKC-folded, deduplicated
    (first spelling kept), in a stable order."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in (*catalog_names, *watchlist_keywords):
        # NFKC folds full-width letters and spaces ("ＡＢＣ", "\u3000") the way search boxes do.
        word = " ".join(unicodedata.normalize("NFKC", raw).split())
        key = word.casefold()
        if word and key not in seen:
            seen.add(key)
            out.append(word)
    return out


def parse_keywords_arg(value: str | None) -> list[str]:
    """The `-a keywords=a,b,c` spider argument (commas, full-width commas or newlines)."""
    if not value:
        return []
    parts = value.replace("，", ",").replace("\n", ",").split(",")
    return keywords_from(parts, ())
