"""Read single values out of JavaScript object literals (`key : 'value'`) in page scripts.

Taobao and Tmall item pages configure themselves with JS literals that are not JSON
(single quotes, unquoted keys, expressions), so we pick the few scalars we need.
"""

from __future__ import annotations

import json
import re
from typing import Any


def js_string(text: str, key: str) -> str:
    """First `key : '...'` or `key : "..."` string value, JS escapes (\\uXXXX) decoded."""
    pattern = re.compile(_key(key) + r"""(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)")""")
    for match in pattern.finditer(text):
        raw = match.group(1) if match.group(1) is not None else match.group(2)
        value = _unescape(raw).strip()
        if value:
            return value
    return ""


def js_number(text: str, key: str) -> str:
    """First `key : 123` or `key : '123'` digits, as text ("" when absent)."""
    match = re.search(_key(key) + r"""["']?(\d+)""", text)
    return match.group(1) if match else ""


def js_array(text: str, key: str) -> list[Any]:
    """The JSON-compatible array literal assigned to `key`, or []."""
    match = re.search(_key(key) + r"(?=\[)", text)
    if not match:
        return []
    try:
        value, _ = json.JSONDecoder().raw_decode(text, match.end())
    except json.JSONDecodeError:
        return []
    return value if isinstance(value, list) else []


def _key(key: str) -> str:
    """Regex for `key :` with the key bare or quoted."""
    return r"""["']?\b""" + re.escape(key) + r"""["']?\s*:\s*"""


def _unescape(raw: str) -> str:
    try:
        return str(json.loads('"' + raw.replace('"', '\\"').replace("\\'", "'") + '"'))
    except json.JSONDecodeError:
        return raw
