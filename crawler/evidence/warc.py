"""Raw HTTP exchanges as WARC/1.1 records (warcio), one uncompressed file per capture.

Uncompressed on purpose: each record carries its own block digest, so a changed byte is
pinned to the exact record that holds it (in a gzip file it would only break the stream).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

_REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


@dataclass(frozen=True)
class CapturedExchange:
    """One HTTP request and the response as the server sent it."""

    url: str
    method: str
    request_headers: Sequence[tuple[str, str]]
    status: int
    response_headers: Sequence[tuple[str, str]]
    body: bytes
    protocol: str = "HTTP/1.1"


@dataclass(frozen=True)
class CaptureNote:
    """Why a page is not in the capture, written as a WARC metadata record so a gap in the
    evidence is itself on the record (and covered by the hash chain)."""

    url: str
    text: str  # e.g. "page not capturable: login"
    reason: str = ""

    def body(self) -> bytes:
        lines = [self.text, f"url: {self.url}"] + (
            [f"reason: {self.reason}"] if self.reason else []
        )
        return ("\n".join(lines) + "\n").encode("utf-8")


def build_warc(exchanges: Sequence[CapturedExchange], notes: Sequence[CaptureNote] = ()) -> bytes:
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False, warc_version="1.1")
    for note in notes:
        writer.write_record(
            writer.create_warc_record(
                note.url or "urn:markwatch:no-url",
                "metadata",
                payload=io.BytesIO(note.body()),
                warc_content_type="text/plain; charset=utf-8",
            )
        )
    for ex in exchanges:
        status_line = f"{ex.status} {_REASONS.get(ex.status, 'Status')}"
        headers = StatusAndHeaders(status_line, list(ex.response_headers), protocol=ex.protocol)
        response = writer.create_warc_record(
            ex.url, "response", payload=io.BytesIO(ex.body), http_headers=headers
        )
        path = ex.url.split("://", 1)[-1].partition("/")[2]
        req_headers = StatusAndHeaders(
            f"{ex.method} /{path}",
            list(ex.request_headers),
            protocol=ex.protocol,
            is_http_request=True,
        )
        request = writer.create_warc_record(
            ex.url, "request", payload=io.BytesIO(b""), http_headers=req_headers
        )
        writer.write_request_response_pair(request, response)
    return out.getvalue()


@dataclass(frozen=True)
class RecordProblem:
    record: str  # "<WARC-Record-ID> (<type> <target URI>)", or an offset when unreadable
    problem: str


def check_records(data: bytes) -> list[RecordProblem]:
    """Re-verify every record's digests; name each record that does not match."""
    problems: list[RecordProblem] = []
    last = "start of file"
    try:
        iterator = ArchiveIterator(io.BytesIO(data), check_digests=True)
        for record in iterator:
            headers = record.rec_headers
            name = (
                f"{headers.get_header('WARC-Record-ID')} ({record.rec_type} "
                f"{headers.get_header('WARC-Target-URI')})"
            )
            record.content_stream().read()
            if record.digest_checker.passed is False:
                problems.append(
                    RecordProblem(
                        name,
                        "; ".join(str(p) for p in record.digest_checker.problems)
                        or "digest mismatch",
                    )
                )
            last = name
    except (ArchiveLoadFailed, ValueError, OSError) as exc:
        problems.append(RecordProblem(f"record after {last}", f"unreadable: {exc}"))
    return problems
