"""Without the shared real-world folder the demo and the testbed stop with one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

import testbed.realworld
from markwatch.cli import main


@pytest.mark.parametrize("command", ["demo", "testbed"])
def test_missing_shared_data_is_exit_2_naming_where_it_looked(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(testbed.realworld, "candidates", lambda: [tmp_path / "absent"])
    monkeypatch.setenv("MARKWATCH_DATA_DIR", str(tmp_path / "data"))
    assert main([command]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(tmp_path / "absent") in err[0]
