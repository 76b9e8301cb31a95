"""Is a seller location or a stated origin inside a GI's protected region?

Locations come as "吉林 白山", "黑龙江省哈尔滨市", "白山" or just "吉林". A location
that names a city is in the region when the region covers any county of that city (a
city-level location cannot be narrowed further); naming another county of that city,
another city or another province puts it outside.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import ahocorasick

from detectors.admin_codes import all_divisions
from detectors.catalog_loader import CATALOG_DIR, Mark, short_admin_name

Placement = Literal["in", "out", "unknown"]
GAZETTEER_FILE = CATALOG_DIR / "geo" / "admin_units.toml"
_V = TypeVar("_V")
_CHUNK_RE = re.compile(r"[\s,，、/·|;；:：()（）\-]+")


@dataclass(frozen=True, slots=True)
class _Token:
    level: Literal["province", "city", "county", "other"]
    name: str  # full name for known units, the raw text otherwise


@dataclass(frozen=True, slots=True)
class _Region:
    provinces: frozenset[str]
    cities: frozenset[str]
    counties: frozenset[str]
    # Units listed without a city (the whole province) or without counties (the whole city).
    whole_provinces: frozenset[str] = frozenset()
    whole_cities: frozenset[str] = frozenset()


class RegionJudge:
    """Built once per Detector from the gazetteer and the catalog's regions."""

    def __init__(
        self, marks: Iterable[Mark], plain: Callable[[str], str], gazetteer: Path = GAZETTEER_FILE
    ) -> None:
        self._plain = plain
        with gazetteer.open("rb") as fh:
            geo = tomllib.load(fh)
        self._provinces: dict[str, str] = {}
        self._cities: dict[str, str] = {}  # name or short name -> full city name
        self._counties: dict[str, tuple[str, str]] = {}  # name -> (full county, full city)
        for province in geo["provinces"]:
            self._add(self._provinces, province, province)
        self._province_of: dict[str, str] = {}  # full city name -> full province name
        for province, cities in geo.get("cities", {}).items():
            for city, counties in cities.items():
                self._province_of.setdefault(city, province)
                self._add(self._cities, city, city)
                for county in counties:
                    self._add(self._counties, county, (county, city))
        # The rest of the country from GB/T 2260, so a location anywhere can be placed.
        for d in all_divisions():
            if d.county:
                self._add(self._counties, d.county, (d.county, d.city or d.province))
            elif d.city:
                self._add(self._cities, d.city, d.city)
            if d.city:
                self._province_of.setdefault(d.city, d.province)
            else:
                self._add(self._provinces, d.province, d.province)
        self._regions: dict[str, _Region] = {}
        for mark in marks:
            for unit in mark.region:
                self._add(self._provinces, unit.province, unit.province)
                if unit.city:
                    self._add(self._cities, unit.city, unit.city)
                for county in unit.counties:
                    self._add(self._counties, county, (county, unit.city))
            self._regions[mark.name] = _Region(
                provinces=frozenset(u.province for u in mark.region),
                cities=frozenset(u.city for u in mark.region if u.city),
                counties=frozenset(c for u in mark.region for c in u.counties),
                whole_provinces=frozenset(u.province for u in mark.region if not u.city),
                whole_cities=frozenset(u.city for u in mark.region if u.city and not u.counties),
            )
        self._uninformative = frozenset(plain(w) for w in geo.get("uninformative", []))
        names = {*self._provinces, *self._cities, *self._counties, *self._uninformative}
        self._names = ahocorasick.Automaton()
        for n in names:
            if n:
                self._names.add_word(n, n)
        self._names.make_automaton()

    @property
    def province_names(self) -> frozenset[str]:
        """Every province, full and short ("吉林省", "吉林")."""
        return frozenset(self._provinces)

    @staticmethod
    def _add(table: dict[str, _V], name: str, value: _V) -> None:
        table.setdefault(name, value)
        table.setdefault(short_admin_name(name), value)

    def place(self, location: str, mark: Mark, *, strict: bool) -> Placement:
        """Where `location` lies relative to the mark's region.

        `strict`: a seller location naming only unknown places is outside (it names
        somewhere, and that is not the region); a stated origin like "产自长白山脚下"
        that we cannot place is merely unknown.
        """
        region = self._regions.get(mark.name)
        if region is None or not region.provinces:
            return "unknown"
        tokens = self.tokens(location)
        if not tokens:
            return "unknown"
        counties = [t.name for t in tokens if t.level == "county"]
        cities = [t.name for t in tokens if t.level == "city"]
        provinces = [t.name for t in tokens if t.level == "province"]
        if any(c in region.counties for c in counties):
            return "in"
        if any(p not in region.provinces for p in provinces):
            return "out"
        city_of = {c: self._counties.get(c, ("", ""))[1] for c in counties}
        implied = [self._province_of.get(c, "") for c in (*cities, *city_of.values())]
        if any(p in region.whole_provinces for p in (*provinces, *implied)):
            return "in"
        if any(c in region.whole_cities for c in cities) or any(
            city_of[c] in region.whole_cities for c in counties
        ):
            return "in"
        if counties:
            return "out"  # a county we know, and it is not a protected one
        if cities:
            return "in" if any(c in region.cities for c in cities) else "out"
        if provinces:
            return "in"  # province-level location of the right province
        return "out" if strict else "unknown"

    def tokens(self, location: str) -> list[_Token]:
        out: list[_Token] = []
        seen_province = False
        for chunk in _CHUNK_RE.split(self._plain(location)):
            pos = 0
            for end, name in self._names.iter_long(chunk):
                start = end - len(name) + 1
                self._other(chunk[pos:start], out)
                pos = end + 1
                if name in self._uninformative:
                    continue
                if (
                    name in self._provinces
                    and not seen_province
                    and not (out and out[-1].level == "province")
                ):
                    seen_province = True
                    out.append(_Token("province", self._provinces[name]))
                elif name in self._cities:
                    out.append(_Token("city", self._cities[name]))
                elif name in self._counties:
                    out.append(_Token("county", self._counties[name][0]))
                elif name in self._provinces:
                    out.append(_Token("province", self._provinces[name]))
            self._other(chunk[pos:], out)
        return out

    @staticmethod
    def _other(text: str, out: list[_Token]) -> None:
        text = text.strip()
        if len(text) >= 2:
            out.append(_Token("other", text))
