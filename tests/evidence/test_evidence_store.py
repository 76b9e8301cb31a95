"""The evidence store: files and the hash chain verify clean until someone changes them."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from crawler.evidence.log import EvidenceLog
from crawler.evidence.store import EvidenceStore
from crawler.evidence.warc import CapturedExchange, build_warc
from markwatch.cli import main

PAGE = "<html><body><h3>长白山人参 正品 500g</h3></body></html>".encode()


def _exchange(url: str, body: bytes = PAGE) -> CapturedExchange:
    return CapturedExchange(
        url,
        "GET",
        [("User-Agent", "MarkWatch")],
        200,
        [("Content-Type", "text/html; charset=utf-8")],
        body,
    )


def _store_with_two_listings(root: Path) -> EvidenceStore:
    store = EvidenceStore(root)
    for nid in ("1", "2"):
        url = f"http://127.0.0.1:8800/taobao/item.htm?id={nid}"
        store.add(f"taobao:{nid}", "warc", build_warc([_exchange(url)]), ".warc")
        store.add(f"taobao:{nid}", "image", f"png-{nid}".encode(), ".png")
    return store


def _verify_cli(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["evidence", "--dir", str(root), "verify"])
    return code, capsys.readouterr().out


def test_untouched_store_verifies_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _store_with_two_listings(tmp_path)
    code, out = _verify_cli(tmp_path, capsys)
    assert code == 0, out
    assert "4 log entries" in out and "OK" in out


def test_one_changed_byte_in_a_warc_names_the_file_and_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = _store_with_two_listings(tmp_path)
    (warc,) = [e for e in store.entries_for("taobao:2") if e.kind == "warc"]
    path = store.path_of(warc)
    data = path.read_bytes()
    at = data.index("正品".encode())
    path.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :])

    code, out = _verify_cli(tmp_path, capsys)

    assert code != 0
    assert f"altered_file: {warc.path}" in out
    assert "altered_record" in out and "response http://127.0.0.1:8800/taobao/item.htm?id=2" in out
    assert "id=1" not in out  # the untouched listing is not blamed


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        ("delete_file", "missing_file"),
        ("edit_entry", "bad_entry"),
        ("drop_entry", "broken_chain"),
        ("swap_entries", "broken_chain"),
        ("extra_file", "unlogged_file"),
    ],
)
def test_tampering_is_named(tmp_path: Path, tamper: str, expected: str) -> None:
    store = _store_with_two_listings(tmp_path)
    log = tmp_path / "log.jsonl"
    lines = log.read_text().splitlines(keepends=True)
    if tamper == "delete_file":
        store.path_of(store.entries_for("taobao:1")[0]).unlink()
    elif tamper == "edit_entry":
        entry = json.loads(lines[1])
        entry["listing_id"] = "taobao:999"
        lines[1] = json.dumps(entry) + "\n"
        log.write_text("".join(lines))
    elif tamper == "drop_entry":
        log.write_text("".join(lines[:1] + lines[2:]))
    elif tamper == "swap_entries":
        log.write_text("".join([lines[1], lines[0], *lines[2:]]))
    else:
        (tmp_path / "images" / "planted.png").write_bytes(b"x")

    report = store.verify()

    assert not report.ok
    assert expected in {p.kind for p in report.problems}, report.lines()


def test_a_torn_last_line_is_reported_and_appends_continue(tmp_path: Path) -> None:
    store = _store_with_two_listings(tmp_path)
    with (tmp_path / "log.jsonl").open("ab") as fh:
        fh.write(b'{"seq": 5, "listing_id": "taobao:3", "ki')  # crash mid-write

    torn = store.verify()
    assert torn.ok and [p.kind for p in torn.problems] == ["torn_line"]

    store.add("taobao:3", "image", b"png-3", ".png")
    after = store.verify()
    assert after.ok, after.lines()
    assert [p.kind for p in after.problems] == ["torn_line"]
    assert [e.seq for e in store.log.entries()] == [1, 2, 3, 4, 5]


def test_concurrent_writers_keep_one_unbroken_chain(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path)
    other = EvidenceStore(tmp_path)  # a second writer on the same directory

    def write(s: EvidenceStore, tag: str) -> None:
        for i in range(40):
            s.add(f"taobao:{tag}{i}", "image", f"{tag}{i}".encode(), ".png")

    threads = [
        threading.Thread(target=write, args=(s, t))
        for s, t in ((store, "a"), (store, "b"), (other, "c"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    report = store.verify()
    assert report.ok and not report.problems, report.lines()
    assert report.entries == 120
    assert EvidenceLog(tmp_path / "log.jsonl").entries()[-1].seq == 120


def test_export_case_copies_files_with_their_log_entries(tmp_path: Path) -> None:
    store = _store_with_two_listings(tmp_path / "store")
    entries = store.export_case("taobao:1", tmp_path / "case")
    assert {e.kind for e in entries} == {"warc", "image"}
    for entry in entries:
        assert (tmp_path / "case" / entry.path).read_bytes() == store.path_of(entry).read_bytes()
    logged = (tmp_path / "case" / "evidence-log.jsonl").read_text().splitlines()
    assert [json.loads(x)["entry_hash"] for x in logged] == [e.entry_hash for e in entries]


def test_group_writer_logs_what_queued_during_a_round_in_one_append_in_order(
    tmp_path: Path,
) -> None:
    from crawler.evidence.pipeline import GroupWriter, _Job

    store = EvidenceStore(tmp_path)
    writer = GroupWriter(store)
    started, release = threading.Event(), threading.Event()
    place = store.place

    def slow_first(listing_id: str, *args: object, **kwargs: object) -> object:
        if listing_id == "taobao:0":
            started.set()
            assert release.wait(timeout=30)
        if listing_id == "taobao:3":
            raise OSError(28, "No space left on device")
        return place(listing_id, *args, **kwargs)  # type: ignore[arg-type]

    store.place = slow_first  # type: ignore[method-assign]
    appends: list[int] = []
    append_many = store.log.append_many
    store.log.append_many = lambda pending: appends.append(len(pending)) or append_many(pending)  # type: ignore[method-assign]

    def job(n: int) -> _Job:
        url = f"http://127.0.0.1:8800/taobao/item.htm?id={n}"
        image = _exchange(f"http://127.0.0.1:8800/img/{n}.png", f"png-{n}".encode())
        return _Job(f"taobao:{n}", [image], [_exchange(url), image], [], ".warc")

    try:
        futures = [writer.submit(job(0))]
        assert started.wait(timeout=30)  # the first round is writing
        futures += [writer.submit(job(n)) for n in range(1, 6)]  # queue while 0 writes
        release.set()
        results = [f.result(timeout=30) for f in futures]
    finally:
        writer.close()

    # Listing 0 alone, then 1-5 together: two log appends, not twelve.
    assert writer.rounds == 2 and appends == [2, 8]
    for n, (refs, error) in enumerate(results):
        if n == 3:  # the disk refused its files: it says so, and the others are kept
            assert refs == [] and isinstance(error, OSError)
            continue
        assert error is None
        assert [r["kind"] for r in refs] == ["warc", "image"]  # the WARC first
    entries = store.log.entries()
    assert [e.listing_id for e in entries] == [
        f"taobao:{n}" for n in (0, 0, 1, 1, 2, 2, 4, 4, 5, 5)
    ]
    assert [e.kind for e in entries[:2]] == ["image", "warc"]  # logged as placed
    report = store.verify()
    assert report.ok and not report.problems, report.lines()
