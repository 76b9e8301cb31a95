"""The competent market-regulation bureau for a seller, from its registered region.

The administrative units are the GB/T 2260 code table as shipped by the `gb2260` package
on PyPI (its latest revision; codes and names of provinces, prefecture-level cities and
counties). A seller's region comes, most reliable first, from the administrative code in
its unified social credit code (characters 3-8, GB 32100), from an SC food production
licence number (digits 4-9), or from its shown location ("安徽 亳州", "吉林省白山市抚松县").

The bureau is named after the unit it serves (county level where known, else the city):
"抚松县市场监督管理局", "亳州市谯城区市场监督管理局" (a district is named with its city),
"亳州市市场监督管理局"; a province's own body is its 市场监督管理厅 (局 for the four
municipalities). Staff can overrule the choice before a case file is exported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from gb2260.data import data as _GB2260

_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州",
             "自治县", "地区", "省", "市", "县", "区", "盟", "旗")  # fmt: skip
_MUNICIPALITIES = ("11", "12", "31", "50")
_SPLIT = re.compile(r"[\s,，、/·|;；:：()（）\-]+")


@dataclass(frozen=True, slots=True)
class Unit:
    code: str  # six digits
    name: str

    @property
    def level(self) -> str:
        if self.code.endswith("0000"):
            return "province"
        return "city" if self.code.endswith("00") else "county"


@dataclass(frozen=True, slots=True)
class Authority:
    name: str  # e.g. 亳州市谯城区市场监督管理局
    unit: Unit
    basis: str  # how the region was found, for the case file


@cache
def _units() -> dict[str, Unit]:
    table = _GB2260[None]  # the package's latest revision
    return {f"{code:06d}": Unit(f"{code:06d}", name) for code, name in table.items()}


def unit(code: str) -> Unit | None:
    return _units().get(code)


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@cache
def _by_name() -> dict[str, list[Unit]]:
    out: dict[str, list[Unit]] = {}
    for u in _units().values():
        if u.name in ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"):
            continue
        for key in {u.name, _short(u.name)}:
            out.setdefault(key, []).append(u)
    return out


def _parents(code: str) -> tuple[Unit | None, Unit | None]:
    return unit(code[:2] + "0000"), unit(code[:4] + "00")


def from_code(code: str) -> Unit | None:
    """A six-digit administrative code, narrowed to the nearest unit the table knows."""
    if not re.fullmatch(r"\d{6}", code):
        return None
    for candidate in (code, code[:4] + "00", code[:2] + "0000"):
        found = unit(candidate)
        if found and found.name not in ("市辖区", "县"):
            return found
    return None


def from_location(text: str) -> Unit | None:
    """The most specific unit a location names, each part inside the previous one."""
    best: Unit | None = None
    rest = text.strip()
    parts = [p for p in _SPLIT.split(rest) if p]
    # "吉林省白山市抚松县" in one piece: peel units off the front.
    pieces: list[str] = []
    for part in parts:
        pieces += _peel(part)
    for piece in pieces:
        candidates = _by_name().get(piece) or _by_name().get(_short(piece)) or []
        inside = [
            c
            for c in candidates
            if best is None or (c.code != best.code and c.code.startswith(_prefix(best)))
        ]
        if inside:
            # Prefer the broadest match at this step (吉林 the province over 吉林市).
            best = min(inside, key=lambda u: (u.level != "province", u.level != "city", u.code))
    return best


def _prefix(u: Unit) -> str:
    return u.code[:2] if u.level == "province" else u.code[:4] if u.level == "city" else u.code


def _peel(part: str) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(part):
        for j in range(len(part), i, -1):
            if part[i:j] in _by_name() and j - i >= 2:
                out.append(part[i:j])
                i = j
                break
        else:
            out.append(part[i:])
            break
    return out


def authority_for(
    credit_code: str | None = None, licence: str | None = None, location: str | None = None
) -> Authority | None:
    code = (credit_code or "").strip().upper()
    if len(code) == 18:
        found = from_code(code[2:8])
        if found:
            return Authority(
                bureau_name(found), found, f"统一社会信用代码 {code} 的登记管理机关行政区划码"
            )
    lic = (licence or "").strip().upper()
    if re.fullmatch(r"SC\d{14}", lic):
        found = from_code(lic[5:11])
        if found:
            return Authority(bureau_name(found), found, f"食品生产许可证编号 {lic} 的行政区划码")
    if location:
        found = from_location(location)
        if found:
            return Authority(bureau_name(found), found, f"店铺所在地 {location}")
    return None


def bureau_name(u: Unit) -> str:
    province, city = _parents(u.code)
    if u.level == "province":
        return u.name + ("市场监督管理局" if u.code[:2] in _MUNICIPALITIES else "市场监督管理厅")
    if u.level == "city":
        return u.name + "市场监督管理局"
    if u.name.endswith("区") and city is not None and city.name not in ("市辖区", "县"):
        return city.name + u.name + "市场监督管理局"
    if u.name.endswith("区") and province is not None and u.code[:2] in _MUNICIPALITIES:
        return province.name + u.name + "市场监督管理局"
    return u.name + "市场监督管理局"
