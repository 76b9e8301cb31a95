"""What the spiders share: one module, so no spider imports another one's constants."""

from __future__ import annotations

# Where `markwatch testbed` serves the replicas; real sites are crawled with -a base_url=...
DEFAULT_BASE_URL = "http://127.0.0.1:8800"
