"""Crawls in a process of their own (a Twisted reactor starts once per process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def run_script(script: str, *args: str, timeout: float = 300) -> dict[str, Any]:
    """Run `script` with `args` in a fresh interpreter; the JSON of its last stdout line."""
    out = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))
