"""The `[console]` configuration (validated by markwatch's settings layer).

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

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    session_hours: float = 12.0
    secure_cookies: bool | None = None  # None: Secure when alerts.console_url is https
    login_max_failures: int = 5
    login_window_seconds: float = 300.0
    login_delay_seconds: float = 2.0
    page_size: int = 20
    trusted_proxies: tuple[str, ...] = ()
