"""Detector thresholds and reason weights, parsed once from the [detector] TOML table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

# Reason code -> weight. Scores combine as a noisy-OR (1 - prod(1 - w)), so one strong
# reason reaches "infringing" and two weak ones stay "suspicious" (0.55 twice = 0.80 - eps).
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "origin_outside_region": 0.9,
        "producer_outside_region": 0.9,
        "licence_outside_region": 0.9,
        # A seller elsewhere may be a lawful reseller: alone it only makes a listing suspicious.
        # With one more weak reason (price, qualifier) it reaches "infringing".
        "seller_outside_region": 0.56,
        # A seller elsewhere stating an in-region origin or producer: at most suspicious.
        "reseller_outside_region": 0.5,
        # An in-region origin stated by a seller of unknown location, with no in-region
        # licence: the claim cannot be checked, so the listing is worth a look.
        "origin_unverified": 0.5,
        "gi_place_and_product": 0.0,
        "not_an_offer": 0.0,
        "price_below_floor": 0.55,
        "gi_qualifier_misuse": 0.55,
        "evasive_spelling": 0.9,
        "origin_unknown": 0.55,
        "olympic_unlicensed": 0.9,
        "false_authorisation_claim": 0.5,
        "mark_in_image_text": 0.0,
        "insignia_in_image": 0.0,
    }
)


@dataclass(frozen=True)
class DetectorConfig:
    suspicious_threshold: float = 0.5
    infringing_threshold: float = 0.8
    # Most characters a descriptive gap may span between place and product ("五常 稻花香 大米").
    max_gap_chars: int = 6
    # Most characters between a GI's place word and a product word of its category.
    place_window_chars: int = 12
    # Edit distance allowed when a romanised word nearly spells a mark's pinyin.
    fuzzy_max_edits: int = 1
    # Shortest romanised word the fuzzy pass looks at (short words collide too easily).
    fuzzy_min_letters: int = 9
    weights: Mapping[str, float] = field(default_factory=lambda: DEFAULT_WEIGHTS)

    def __post_init__(self) -> None:
        if not 0 < self.suspicious_threshold < self.infringing_threshold <= 1:
            raise ValueError(
                "detector thresholds need 0 < suspicious_threshold < infringing_threshold <= 1"
            )
        for code, weight in self.weights.items():
            if not 0 <= weight <= 1:
                raise ValueError(f"detector.weights.{code} must be within [0, 1], not {weight}")

    def weight(self, code: str) -> float:
        return self.weights.get(code, 0.0)

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # A mappingproxy does not pickle: ship a plain dict (the detector process pool).
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["weights"] = dict(self.weights)
        return (_config_from_values, (values,))

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> DetectorConfig:
        """Parse the [detector] table; unknown keys raise ValueError naming the key."""
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key not in known:
                raise ValueError(f"unknown key detector.{key}")
            if key == "weights":
                values[key] = _weights(value)
            elif key in (
                "max_gap_chars",
                "place_window_chars",
                "fuzzy_max_edits",
                "fuzzy_min_letters",
            ):
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise ValueError(f"detector.{key} must be a non-negative integer")
                values[key] = value
            else:
                if not isinstance(value, (int, float)) or isinstance(value, bool):
                    raise ValueError(f"detector.{key} must be a number, not {value!r}")
                values[key] = float(value)
        return cls(**values)


def _config_from_values(values: dict[str, Any]) -> DetectorConfig:
    return DetectorConfig(**{**values, "weights": MappingProxyType(dict(values["weights"]))})


def _weights(value: Any) -> Mapping[str, float]:
    if not isinstance(value, Mapping):
        raise ValueError("detector.weights must be a table of reason code = weight")
    merged = dict(DEFAULT_WEIGHTS)
    for code, weight in value.items():
        if code not in DEFAULT_WEIGHTS:
            raise ValueError(f"unknown key detector.weights.{code}")
        if not isinstance(weight, (int, float)) or isinstance(weight, bool):
            raise ValueError(f"detector.weights.{code} must be a number")
        merged[code] = float(weight)
    return MappingProxyType(merged)
