"""Channel options declared as data and validated once, when the configuration is loaded.

Each channel module lists its `Option`s; `parse_options` turns a raw TOML table into a
plain dict or raises `ChannelConfigError` naming the channel and the key. Options marked
`secret` are never shown: `masked` replaces them before anything reaches a log line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list[str]": (list,),
}


class ChannelConfigError(ValueError):
    """A channel table that does not fit the channel's declared options."""


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    type: str = "str"  # one of _TYPES
    required: bool = False
    default: Any = None
    secret: bool = False
    help: str = ""


def parse_options(
    channel: str, declared: Sequence[Option], raw: Mapping[str, Any]
) -> dict[str, Any]:
    known = {o.name: o for o in declared}
    for key in raw:
        if key not in known:
            raise ChannelConfigError(
                f"channel {channel!r}: unknown option {key!r} (known: {', '.join(sorted(known))})"
            )
    out: dict[str, Any] = {}
    for option in declared:
        if option.name not in raw:
            if option.required:
                raise ChannelConfigError(f"channel {channel!r}: option {option.name!r} is required")
            out[option.name] = option.default
            continue
        value: Any = raw[option.name]
        expected = _TYPES[option.type]
        # bool is an int in Python; an int option given `true` is a mistake worth reporting.
        wrong_bool = isinstance(value, bool) and option.type in ("int", "float")
        if not isinstance(value, expected) or wrong_bool:
            raise ChannelConfigError(
                f"channel {channel!r}: option {option.name!r} must be {option.type}, "
                f"not {type(value).__name__}"
            )
        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise ChannelConfigError(
                    f"channel {channel!r}: option {option.name!r} must be a list of strings"
                )
            value = tuple(value)
        if option.type == "float":
            value = float(value)
        if option.required and value in ("", ()):
            raise ChannelConfigError(f"channel {channel!r}: option {option.name!r} is empty")
        out[option.name] = value
    return out


def mask(secret: str) -> str:
    """Enough of a secret to tell two apart in a log, never enough to use it."""
    if not secret:
        return ""
    return secret[:2] + "…" if len(secret) > 8 else "…"


def masked(declared: Sequence[Option], options: Mapping[str, Any]) -> dict[str, Any]:
    secrets = {o.name for o in declared if o.secret}
    return {k: (mask(str(v)) if k in secrets and v else v) for k, v in options.items()}
