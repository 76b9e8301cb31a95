"""The `[console]` configuration, parsed once into a frozen dataclass.

```toml
[console]
session_hours = 12          # a login lasts this long
secure_cookies = false      # Secure cookies; on by default when alerts.console_url is https
login_max_failures = 5      # login attempts per client address and per account checked ...
login_delay_seconds = 2     # ... then each further one waits this long, doubled each time,
login_window_seconds = 300  # ... up to this long (a success clears the count)
trusted_proxies = []        # peers whose X-Forwarded-For names the client (a reverse proxy)
page_size = 20
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class ConsoleConfigError(ValueError):
    """A bad `[console]` table; the message names the key."""


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    session_hours: float = 12.0
    secure_cookies: bool = False
    login_max_failures: int = 5
    login_window_seconds: float = 300.0
    login_delay_seconds: float = 2.0
    page_size: int = 20
    trusted_proxies: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> ConsoleConfig:
        defaults = cls()
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key not in cls.__dataclass_fields__:
                raise ConsoleConfigError(f"console: unknown key {key!r}")
            expected = type(getattr(defaults, key))
            if expected is tuple:
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ConsoleConfigError(f"console.{key} must be a list of addresses")
                values[key] = tuple(value)
                continue
            if expected is bool:
                if not isinstance(value, bool):
                    raise ConsoleConfigError(f"console.{key} must be true or false")
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise ConsoleConfigError(f"console.{key} must be a number, not {value!r}")
            elif value <= 0:
                raise ConsoleConfigError(f"console.{key} must be positive")
            values[key] = expected(value)
        return cls(**values)
