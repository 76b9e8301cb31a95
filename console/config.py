"""The `[console]` configuration (validated by markwatch's settings layer).

```toml
[console]
session_hours = 12          # a login lasts this long
secure_cookies = false      # true when served over HTTPS (the cookie then needs it)
login_max_failures = 5      # failed logins per client address and per user name ...
login_window_seconds = 300  # ... within this window before logins are refused (429)
page_size = 20
```
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ConsoleConfig:
    session_hours: float = 12.0
    secure_cookies: bool = False
    login_max_failures: int = 5
    login_window_seconds: float = 300.0
    page_size: int = 20
