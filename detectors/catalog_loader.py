"""The catalog of protected marks: TOML data files validated into frozen dataclasses.

The embedded files live in `detectors/catalog/`; rights holders add marks by dropping
their own `*.toml` files into an extra directory (no code change). Every problem is
reported as a CatalogError naming the file and the field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detectors.types import MarkKind

CATALOG_DIR = Path(__file__).resolve().parent / "catalog"

_MARK_KINDS: tuple[MarkKind, ...] = ("gi", "olympic")
_FLOOR_UNITS = ("per_500g", "per_root")
_MARK_KEYS = {
    "name",
    "kind",
    "gi_type",
    "aliases",
    "english",
    "legal_basis",
    "registration",
    "category",
    "units",
    "price_floor",
    "priority",
    "region",
    "authorised_users",
    "sources",
    "notes",
    "context_required",
    "not_followed_by",
    "system",
    "announcement",
    "product",
    "places",
    "holder",
    "source_quote",
}
# The three Chinese GI systems (CNIPA products, MOA agricultural products, certification marks).
GI_SYSTEMS = ("地理标志保护产品", "农产品地理标志", "地理标志证明商标")
# Product categories of GI marks; the matcher keeps one term list per category.
GI_CATEGORIES = (
    "ginseng",
    "rice",
    "grain",
    "fruit",
    "vegetable",
    "tea",
    "fungus",
    "aquatic",
    "livestock",
    "herb",
    "honey",
    "liquor",
    "nut",
    "oil",
    "other",
)
_REGION_KEYS = {"province", "city", "counties", "towns"}
_PERSON_KEYS = {"name", "credit_code", "role", "notes"}
_LEXICON_LISTS = (
    "qualifier_suffixes",
    "qualifier_prefixes",
    "authorisation_claims",
    "claim_negations",
    "origin_markers",
    "origin_attributes",
    "producer_attributes",
    "licence_attributes",
    "prose_markers",
    "offer_markers",
)
_LEXICON_TABLES = ("gap_words", "distractor_suffixes", "product_terms", "product_exclusions")
# Administrative suffixes stripped to get the short name people write ("抚松县" -> "抚松").
_ADMIN_SUFFIXES = (
    "朝鲜族自治州",
    "朝鲜族自治县",
    "满族自治县",
    "蒙古族自治县",
    "回族自治区",
    "壮族自治区",
    "维吾尔自治区",
    "自治区",
    "自治州",
    "自治县",
    "特别行政区",
    "工业园区",
    "省",
    "市",
    "县",
    "区",
    "州",
    "盟",
    "旗",
)


class CatalogError(ValueError):
    """A catalog data file that cannot be used; the message names file and field."""


def short_admin_name(name: str) -> str:
    """ "吉林省" -> "吉林", "延边朝鲜族自治州" -> "延边"; keeps at least two characters."""
    for suffix in _ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True, slots=True)
class RegionUnit:
    """One protected area: a whole city, or the listed counties of that city."""

    province: str
    city: str = ""
    counties: tuple[str, ...] = ()
    towns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Party:
    """An authorised user of a GI or a licensee of Olympic insignia."""

    name: str
    credit_code: str = ""
    role: str = ""


@dataclass(frozen=True, slots=True)
class PriceFloor:
    per_500g: float | None = None
    per_root: float | None = None


@dataclass(frozen=True, slots=True)
class Mark:
    name: str
    kind: MarkKind
    aliases: tuple[str, ...] = ()
    english: tuple[str, ...] = ()
    gi_type: str = ""
    legal_basis: str = ""
    registration: str = ""
    category: str = ""
    units: tuple[str, ...] = ()
    price_floor: PriceFloor = field(default_factory=PriceFloor)
    priority: int = 0
    region: tuple[RegionUnit, ...] = ()
    authorised_users: tuple[Party, ...] = ()
    sources: tuple[str, ...] = ()
    context_required: tuple[str, ...] = ()
    not_followed_by: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()
    announcements: tuple[str, ...] = ()
    product: str = ""
    places: tuple[str, ...] = ()
    # False for `places = []`: the name's place part is a common word (清水, 北京, 法国), so
    # the mark is found by its name and aliases only, never as place x product.
    place_words: bool = True
    holder: str = ""
    source_quote: str = ""
    source_file: str = ""

    @property
    def chinese_names(self) -> tuple[str, ...]:
        """Canonical name first, then aliases (spaces mark word boundaries)."""
        return (self.name, *self.aliases)

    @property
    def system(self) -> str:
        """The first GI system of the mark ("" when no source states one)."""
        return self.systems[0] if self.systems else ""

    @property
    def place_names(self) -> tuple[str, ...]:
        """Place names for place x product matching (see `places` in the loader)."""
        return self.places


@dataclass(frozen=True, slots=True)
class Lexicon:
    qualifier_suffixes: tuple[str, ...] = ()
    qualifier_prefixes: tuple[str, ...] = ()
    authorisation_claims: tuple[str, ...] = ()
    claim_negations: tuple[str, ...] = ()
    origin_markers: tuple[str, ...] = ()
    # Attribute-table labels that state the origin, the producer, the SC licence number.
    origin_attributes: tuple[str, ...] = ()
    producer_attributes: tuple[str, ...] = ()
    licence_attributes: tuple[str, ...] = ()
    # Words of news and notices vs words of offers (see detectors/offer.py).
    prose_markers: tuple[str, ...] = ()
    offer_markers: tuple[str, ...] = ()
    gap_words: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    distractor_suffixes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # category -> product words shared by all GIs of the category; words that contain one
    # but name other goods (海参 for 参).
    product_terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    product_exclusions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Catalog:
    marks: tuple[Mark, ...]
    licensees: tuple[Party, ...]
    lexicon: Lexicon
    files: tuple[str, ...] = ()

    def mark(self, name: str) -> Mark:
        for mark in self.marks:
            if mark.name == name:
                return mark
        raise KeyError(name)

    def with_marks(self, extra: Iterable[Mark]) -> Catalog:
        """A copy with more marks (benchmarks synthesise large catalogs this way)."""
        return Catalog(self.marks + tuple(extra), self.licensees, self.lexicon, self.files)


def load_catalog(extra_dirs: Sequence[str | Path] = ()) -> Catalog:
    """Load the embedded catalog plus every `*.toml` in `extra_dirs` (rights holders' files)."""
    paths = sorted(CATALOG_DIR.glob("*.toml"))
    for directory in extra_dirs:
        d = Path(directory)
        if not d.is_dir():
            raise CatalogError(f"{d}: catalog directory not found")
        paths.extend(sorted(d.glob("*.toml")))
    marks: list[Mark] = []
    licensees: list[Party] = []
    lists: dict[str, list[str]] = {k: [] for k in _LEXICON_LISTS}
    tables: dict[str, dict[str, list[str]]] = {k: {} for k in _LEXICON_TABLES}
    seen: dict[str, str] = {}
    for path in paths:
        data = _read(path)
        unknown = set(data) - {"meta", "mark", "licensee", "lexicon"}
        if unknown:
            raise CatalogError(f"{path.name}: unknown top-level key {sorted(unknown)[0]!r}")
        for i, raw in enumerate(_table_list(data.get("mark", []), path.name, "mark")):
            mark = _mark(raw, f"{path.name}: mark[{i}]", path.name)
            if mark.name in seen:
                raise CatalogError(
                    f"{path.name}: mark[{i}].name {mark.name!r} "
                    f"already defined in {seen[mark.name]}"
                )
            seen[mark.name] = path.name
            marks.append(mark)
        for i, raw in enumerate(_table_list(data.get("licensee", []), path.name, "licensee")):
            licensees.append(_party(raw, f"{path.name}: licensee[{i}]"))
        lexicon = data.get("lexicon", {})
        if not isinstance(lexicon, dict):
            raise CatalogError(f"{path.name}: lexicon must be a table")
        _merge_lexicon(lexicon, path.name, lists, tables)
    if not marks:
        raise CatalogError("catalog has no marks")
    return Catalog(
        marks=tuple(marks),
        licensees=tuple(licensees),
        lexicon=Lexicon(
            **{k: tuple(dict.fromkeys(v)) for k, v in lists.items()},
            gap_words={k: tuple(dict.fromkeys(v)) for k, v in tables["gap_words"].items()},
            distractor_suffixes={
                k: tuple(dict.fromkeys(v)) for k, v in tables["distractor_suffixes"].items()
            },
            product_terms={k: tuple(dict.fromkeys(v)) for k, v in tables["product_terms"].items()},
            product_exclusions={
                k: tuple(dict.fromkeys(v)) for k, v in tables["product_exclusions"].items()
            },
        ),
        files=tuple(str(p.name) for p in paths),
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{path.name}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise CatalogError(f"{path.name}: cannot read: {exc}") from None


def _table_list(value: Any, file: str, key: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise CatalogError(f"{file}: {key} must be an array of tables ([[{key}]])")
    return value


def _mark(raw: dict[str, Any], where: str, file: str) -> Mark:
    unknown = set(raw) - _MARK_KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    name = _str(raw, "name", where, required=True)
    if " " in name:
        raise CatalogError(f"{where}.name must not contain spaces (use aliases for spacing)")
    where = f"{where} ({name})"
    kind = raw.get("kind")
    if kind not in _MARK_KINDS:
        raise CatalogError(f"{where}.kind must be one of {list(_MARK_KINDS)}, not {kind!r}")
    priority = raw.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise CatalogError(f"{where}.priority must be an integer")
    region = tuple(
        _region(r, f"{where}.region[{i}]") for i, r in enumerate(raw.get("region", []) or [])
    )
    if kind == "gi" and not region:
        raise CatalogError(f"{where}.region: a GI mark needs at least one region unit")
    category = _str(raw, "category", where)
    if kind == "gi" and category and category not in GI_CATEGORIES:
        raise CatalogError(
            f"{where}.category must be one of {list(GI_CATEGORIES)}, not {category!r}"
        )
    systems = _str_or_strs(raw, "system", where)
    for system in systems:
        if system not in GI_SYSTEMS:
            raise CatalogError(f"{where}.system must be one of {list(GI_SYSTEMS)}, not {system!r}")
    if systems and kind != "gi":
        raise CatalogError(f"{where}.system applies to GI marks only")
    product = _str(raw, "product", where)
    if product and product not in name:
        raise CatalogError(f"{where}.product {product!r} is not part of the name")
    places = _strs(raw, "places", where)
    if "places" not in raw and product and name.endswith(product):
        # Without a `places` key the name's own place part is the alias ("五常" of 五常大米).
        places = (name[: -len(product)],)
    for place in places:
        if len(place) < 2:
            raise CatalogError(f"{where}.places: {place!r} is too short to name a place")
    aliases = _strs(raw, "aliases", where)
    allowed = _region_names(region)
    for place in places:
        # A place alias must come from the register: the name's own place part or a unit of
        # the protected area, so matching never fires on a place the source does not state.
        if place not in allowed and not any(place in n for n in (name, *aliases)):
            raise CatalogError(
                f"{where}.places: {place!r} is neither part of the name nor a region unit"
            )
    return Mark(
        name=name,
        kind=kind,
        aliases=aliases,
        english=tuple(e.lower() for e in _strs(raw, "english", where)),
        gi_type=_str(raw, "gi_type", where),
        legal_basis=_str(raw, "legal_basis", where),
        registration=_str(raw, "registration", where),
        category=category,
        units=_strs(raw, "units", where),
        price_floor=_floor(raw.get("price_floor", {}), f"{where}.price_floor"),
        priority=priority,
        region=region,
        authorised_users=tuple(
            _party(p, f"{where}.authorised_users[{i}]")
            for i, p in enumerate(raw.get("authorised_users", []) or [])
        ),
        sources=_strs(raw, "sources", where),
        context_required=tuple(c.lower() for c in _strs(raw, "context_required", where)),
        not_followed_by=_strs(raw, "not_followed_by", where),
        systems=systems,
        announcements=_str_or_strs(raw, "announcement", where),
        product=product,
        places=places,
        place_words=not ("places" in raw and not places),
        holder=_str(raw, "holder", where),
        source_quote=_str(raw, "source_quote", where),
        source_file=file,
    )


def _region_names(region: Sequence[RegionUnit]) -> set[str]:
    """Every unit of a protected area, in full and short form ("延边朝鲜族自治州", "延边")."""
    names: set[str] = set()
    for unit in region:
        for n in (unit.province, unit.city, *unit.counties, *unit.towns):
            if n:
                names.update((n, short_admin_name(n)))
    return names


def _region(raw: Any, where: str) -> RegionUnit:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where} must be a table")
    unknown = set(raw) - _REGION_KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    return RegionUnit(
        province=_str(raw, "province", where, required=True),
        city=_str(raw, "city", where),
        counties=_strs(raw, "counties", where),
        towns=_strs(raw, "towns", where),
    )


def _party(raw: Any, where: str) -> Party:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where} must be a table")
    unknown = set(raw) - _PERSON_KEYS
    if unknown:
        raise CatalogError(f"{where}: unknown field {sorted(unknown)[0]!r}")
    code = _str(raw, "credit_code", where)
    if code and len(code) != 18:
        raise CatalogError(f"{where}.credit_code must have 18 characters, not {code!r}")
    return Party(
        name=_str(raw, "name", where, required=True),
        credit_code=code,
        role=_str(raw, "role", where),
    )


def _floor(raw: Any, where: str) -> PriceFloor:
    if not isinstance(raw, dict):
        raise CatalogError(f"{where} must be a table like {{ per_500g = 40.0 }}")
    values: dict[str, float] = {}
    for key, value in raw.items():
        if key not in _FLOOR_UNITS:
            raise CatalogError(f"{where}: unknown unit {key!r} (use {list(_FLOOR_UNITS)})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise CatalogError(f"{where}.{key} must be a positive number, not {value!r}")
        values[key] = float(value)
    return PriceFloor(**values)


def _merge_lexicon(
    raw: dict[str, Any],
    file: str,
    lists: dict[str, list[str]],
    tables: dict[str, dict[str, list[str]]],
) -> None:
    for key, value in raw.items():
        where = f"{file}: lexicon.{key}"
        if key in lists:
            lists[key].extend(_strs(raw, key, f"{file}: lexicon"))
        elif key in tables:
            if not isinstance(value, dict):
                raise CatalogError(f"{where} must be a table of lists")
            for category in value:
                tables[key].setdefault(category, []).extend(_strs(value, category, where))
        else:
            raise CatalogError(f"{where}: unknown lexicon field")


def _str(raw: Mapping[str, Any], key: str, where: str, required: bool = False) -> str:
    value = raw.get(key, "")
    if not isinstance(value, str):
        raise CatalogError(f"{where}.{key} must be a string, not {value!r}")
    value = value.strip()
    if required and not value:
        raise CatalogError(f"{where}.{key} is required")
    return value


def _str_or_strs(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    """A key that takes one string or a list of strings (a mark under several systems)."""
    value = raw.get(key, [])
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CatalogError(f"{where}.{key} must be a string or a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _strs(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CatalogError(f"{where}.{key} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)
