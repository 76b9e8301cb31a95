"""RFC 3161 tokens over the evidence log head, from a real TSA on loopback (openssl ts)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.evidence.log import LogEntry
from crawler.evidence.store import EvidenceStore
from crawler.evidence.timestamps import TimestampError, Timestamps, TsaConfig, request_token
from crawler.evidence.warc import CapturedExchange, build_warc
from markwatch.cli import main

from .local_tsa import LocalTsa

PAGE = "<html><body><h3>长白山人参 正品 500g</h3></body></html>".encode()


@pytest.fixture(scope="module")
def tsa() -> Iterator[LocalTsa]:
    with LocalTsa() as server:
        yield server


@pytest.fixture
def env(tsa: LocalTsa, monkeypatch: pytest.MonkeyPatch) -> TsaConfig:
    monkeypatch.setenv("MARKWATCH_TSA_URL", tsa.url)
    monkeypatch.setenv("MARKWATCH_TSA_CA_FILE", str(tsa.ca_file))
    monkeypatch.setenv("MARKWATCH_TSA_CERT_FILE", str(tsa.cert_file))
    return TsaConfig(tsa.url, tsa.ca_file, tsa.cert_file)


def _add(store: EvidenceStore, nid: str) -> None:
    url = f"http://127.0.0.1:8800/taobao/item.htm?id={nid}"
    exchange = CapturedExchange(url, "GET", [], 200, [("Content-Type", "text/html")], PAGE)
    store.add(f"taobao:{nid}", "warc", build_warc([exchange]), ".warc")


def _cli(root: Path, command: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["evidence", "--dir", str(root), command])
    return code, capsys.readouterr().out


def _stamped_store(root: Path, capsys: pytest.CaptureFixture[str]) -> EvidenceStore:
    """Two batches (as two crawls): entries 1-2 stamped, then 3 stamped."""
    store = EvidenceStore(root)
    _add(store, "1")
    _add(store, "2")
    assert _cli(root, "stamp", capsys)[0] == 0
    _add(store, "3")
    assert _cli(root, "stamp", capsys)[0] == 0
    return store


def test_verify_reports_the_attested_time_of_every_entry(
    tmp_path: Path, env: TsaConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    _stamped_store(tmp_path, capsys)
    assert [s.seq for s in Timestamps(tmp_path).stamps()] == [2, 3]
    code, out = _cli(tmp_path, "verify", capsys)
    assert code == 0, out
    attested = [line for line in out.splitlines() if line.startswith("attested ")]
    assert len(attested) == 3
    assert "entry 1 taobao:1 warc" in attested[0] and "timestamps/00000002.tsr" in attested[0]
    assert "entry 3 taobao:3 warc" in attested[2] and "timestamps/00000003.tsr" in attested[2]
    assert "timestamps: 2 of 2 tokens verified" in out
    # Stamping an unchanged head asks the TSA nothing.
    assert _cli(tmp_path, "stamp", capsys)[1].strip().endswith('"why": "up to date"}')


def test_a_rewritten_log_fails_against_its_token_naming_the_entries(
    tmp_path: Path, env: TsaConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _stamped_store(tmp_path, capsys)
    # Swap one byte of entry 3's file hash and recompute the whole chain, as someone covering
    # their tracks would: the chain checks out, the TSA's signature over the head does not.
    entries = store.log.entries()
    forged = entries[2].sha256[:-1] + ("0" if entries[2].sha256[-1] != "0" else "1")
    rewritten, prev = [], entries[0].prev_hash
    for entry in entries:
        body = {**entry.body(), "prev_hash": prev}
        if entry.seq == 3:
            body["sha256"] = forged
        new = LogEntry(**{**body, "entry_hash": LogEntry(**body, entry_hash="").computed_hash()})
        rewritten.append(new)
        prev = new.entry_hash
    store.log.path.write_text("".join(e.to_json() + "\n" for e in rewritten), encoding="utf-8")
    report = Timestamps(tmp_path).verify(env)
    assert not report.ok
    (problem,) = report.problems
    assert "entries 3-3" in problem and "taobao:3" in problem
    assert "changed after it was stamped" in problem
    # Entries 1-2 keep their attested time; 3 is no longer attested.
    assert [a.attested_at is not None for a in report.attestations] == [True, True, False]
    code, out = _cli(tmp_path, "verify", capsys)
    assert code == 1 and "ERROR timestamp: token timestamps/00000003.tsr" in out


def test_one_changed_byte_in_a_file_fails_naming_it(
    tmp_path: Path, env: TsaConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _stamped_store(tmp_path, capsys)
    target = store.path_of(store.entries_for("taobao:2")[0])
    data = bytearray(target.read_bytes())
    data[data.index("人参".encode())] ^= 0x01
    target.write_bytes(bytes(data))
    code, out = _cli(tmp_path, "verify", capsys)
    assert code == 1
    assert target.relative_to(tmp_path).as_posix() in out
    assert "taobao/item.htm?id=2" in out  # the WARC record


@pytest.mark.parametrize("forgery", ["other_tsa", "flipped_byte"])
def test_a_forged_token_fails(
    tmp_path: Path, env: TsaConfig, capsys: pytest.CaptureFixture[str], forgery: str
) -> None:
    _stamped_store(tmp_path, capsys)
    stamps = Timestamps(tmp_path)
    first = stamps.stamps()[0]
    token_path = tmp_path / first.token
    if forgery == "other_tsa":
        # A well-formed token over the very same head, from a TSA the CA never certified.
        with LocalTsa("impostor") as impostor:
            token = request_token(TsaConfig(impostor.url), first.entry_hash.encode())
    else:
        flipped = bytearray(token_path.read_bytes())
        flipped[-40] ^= 0x01  # inside the signature
        token = bytes(flipped)
    token_path.write_bytes(token)
    report = stamps.verify(env)
    assert not report.ok
    assert "token timestamps/00000002.tsr (entries 1-2" in report.problems[0]
    assert "not a valid token of the configured TSA" in report.problems[0]
    code, out = _cli(tmp_path, "verify", capsys)
    assert code == 1 and "ERROR timestamp: token timestamps/00000002.tsr" in out


def test_an_unreachable_tsa_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TimestampError, match="TSA not reachable"):
        request_token(TsaConfig("http://127.0.0.1:9/tsa", timeout_s=2), b"x")


def test_stamps_are_plain_json_lines(
    tmp_path: Path, env: TsaConfig, capsys: pytest.CaptureFixture[str]
) -> None:
    _stamped_store(tmp_path, capsys)
    lines = (tmp_path / "timestamps.jsonl").read_text("utf-8").splitlines()
    assert {"seq", "entry_hash", "token", "token_sha256", "requested_at"} == set(
        json.loads(lines[0])
    )
