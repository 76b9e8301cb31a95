"""RFC 3161 trusted timestamps over the evidence log's head.

The hash chain proves that nothing logged changed after a point; a time-stamping
authority (TSA) dates that point. Each stamp is a TSA token over the log head's
`entry_hash` (ASCII hex, SHA-256 message imprint), kept as the TSA's DER answer in
`timestamps/<seq>.tsr`, with a line in `timestamps.jsonl`. A token over entry N attests
every entry up to N, because entry N's hash covers all of them.

Verifying a token checks its signature and certificate chain against the configured TSA
CA (and pinned TSA certificate, if given), and that the log still has that entry hash at
that position: a log rewritten after stamping, even with a recomputed chain, no longer
matches what the TSA signed.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography import x509
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from crawler.evidence.log import EvidenceLog, LogEntry, sha256_hex
from crawler.evidence.store import LOG_NAME

STAMPS_NAME = "timestamps.jsonl"
STAMPS_DIR = "timestamps"
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


class TimestampError(RuntimeError):
    """A stamp could not be obtained (TSA unreachable, refused, malformed answer)."""

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(f"{message} ({url})" if url else message)
        self.url = url


@dataclass(frozen=True)
class TsaConfig:
    url: str = ""  # where to POST timestamp queries; empty: no stamping
    ca_file: Path | None = None  # PEM: the TSA's root certificate(s)
    cert_file: Path | None = None  # PEM: the TSA's signing certificate, pinned (optional)
    timeout_s: float = 30.0


@dataclass(frozen=True)
class Stamp:
    seq: int  # the log entry whose hash was stamped
    entry_hash: str
    token: str  # path of the TSA answer, relative to the evidence root
    token_sha256: str
    requested_at: str

    def to_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)


@dataclass(frozen=True)
class Attestation:
    seq: int
    listing_id: str
    kind: str
    path: str
    attested_at: str | None  # the TSA's genTime of the first valid stamp covering it
    token: str | None


@dataclass(frozen=True)
class TimestampReport:
    stamps: int
    valid: int
    problems: tuple[str, ...]
    attestations: tuple[Attestation, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        out = [f"ERROR timestamp: {p}" for p in self.problems]
        for a in self.attestations:
            if a.attested_at:
                out.append(
                    f"attested {a.attested_at} entry {a.seq} {a.listing_id} {a.kind} {a.path} "
                    f"(token {a.token})"
                )
            else:
                out.append(f"not attested: entry {a.seq} {a.listing_id} {a.kind} {a.path}")
        out.append(f"timestamps: {self.valid} of {self.stamps} tokens verified")
        return out


def _message(entry_hash: str) -> bytes:
    return entry_hash.encode("ascii")


def request_token(config: TsaConfig, data: bytes) -> bytes:
    """POST a timestamp query over `data` to the TSA; the DER TimeStampResp."""
    query = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256).build()
    request = urllib.request.Request(
        config.url,
        data=query.as_bytes(),
        headers={"Content-Type": QUERY_TYPE, "Accept": REPLY_TYPE},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=config.timeout_s) as answer:
            body: bytes = answer.read()
    except (urllib.error.URLError, OSError) as exc:
        raise TimestampError(f"TSA not reachable: {exc}", config.url) from exc
    try:
        response = decode_timestamp_response(body)
    except ValueError as exc:
        raise TimestampError(f"TSA answer is not a timestamp response: {exc}", config.url) from exc
    if response.status not in (0, 1):  # granted, granted with modifications
        raise TimestampError(f"TSA refused: status {response.status}", config.url)
    if response.tst_info.nonce != query.nonce:
        raise TimestampError("TSA answer carries another request's nonce", config.url)
    return body


class Timestamps:
    """The stamps of one evidence store (root = the evidence directory)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / STAMPS_NAME
        self.log = EvidenceLog(root / LOG_NAME)

    def stamps(self) -> list[Stamp]:
        if not self.path.exists():
            return []
        out = []
        for raw in self.path.read_text("utf-8").splitlines():
            if raw.strip():
                out.append(Stamp(**json.loads(raw)))
        return out

    def stamp_head(self, config: TsaConfig, now: datetime | None = None) -> Stamp | None:
        """Stamp the log's current head; None when the log is empty or already stamped."""
        entries = self.log.entries()
        if not entries:
            return None
        head = entries[-1]
        if any(s.seq == head.seq and s.entry_hash == head.entry_hash for s in self.stamps()):
            return None
        token = request_token(config, _message(head.entry_hash))
        relative = f"{STAMPS_DIR}/{head.seq:08d}.tsr"
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".tmp-{target.name}")
        tmp.write_bytes(token)
        os.replace(tmp, target)
        stamp = Stamp(
            head.seq,
            head.entry_hash,
            relative,
            sha256_hex(token),
            (now or datetime.now().astimezone()).isoformat(timespec="seconds"),
        )
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(stamp.to_json() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return stamp

    def verify(self, config: TsaConfig) -> TimestampReport:
        stamps = self.stamps()
        entries = self.log.entries()
        if not stamps:
            return TimestampReport(0, 0, (), _attest(entries, []))
        if config.ca_file is None:
            return TimestampReport(
                len(stamps), 0, ("no TSA CA configured (tsa_ca_file / MARKWATCH_TSA_CA_FILE)",)
            )
        try:
            roots = x509.load_pem_x509_certificates(config.ca_file.read_bytes())
            pinned = (
                x509.load_pem_x509_certificate(config.cert_file.read_bytes())
                if config.cert_file
                else None
            )
        except (OSError, ValueError) as exc:
            return TimestampReport(len(stamps), 0, (f"TSA certificates unreadable: {exc}",))
        by_seq = {e.seq: e for e in entries}
        problems: list[str] = []
        good: list[tuple[Stamp, str]] = []  # (stamp, genTime)
        previous = 0
        for stamp in stamps:
            problem, gen_time = self._check(stamp, by_seq, roots, pinned)
            if problem:
                covered = _describe(entries, previous, stamp.seq)
                problems.append(f"token {stamp.token} (entries {previous + 1}-{stamp.seq}, "
                                f"{covered}): {problem}")  # fmt: skip
            else:
                good.append((stamp, gen_time))
            previous = max(previous, stamp.seq)
        return TimestampReport(len(stamps), len(good), tuple(problems), _attest(entries, good))

    def _check(
        self,
        stamp: Stamp,
        by_seq: Mapping[int, LogEntry],
        roots: Sequence[x509.Certificate],
        pinned: x509.Certificate | None,
    ) -> tuple[str, str]:
        try:
            token = (self.root / stamp.token).read_bytes()
        except OSError as exc:
            return f"token missing: {exc}", ""
        try:
            response = decode_timestamp_response(token)
        except ValueError as exc:
            return f"token unreadable: {exc}", ""
        builder = VerifierBuilder(roots=list(roots), tsa_certificate=pinned)
        try:
            builder.build().verify_message(response, _message(stamp.entry_hash))
        except (VerificationError, ValueError) as exc:
            return f"not a valid token of the configured TSA over this entry: {exc}", ""
        entry = by_seq.get(stamp.seq)
        if entry is None:
            return f"the attested entry {stamp.seq} is no longer in the log", ""
        if entry.entry_hash != stamp.entry_hash or entry.computed_hash() != stamp.entry_hash:
            return (
                f"the log was changed after it was stamped: entry {stamp.seq} "
                f"({entry.listing_id} {entry.path}) no longer has the attested hash",
                "",
            )
        return "", response.tst_info.gen_time.isoformat()


def _describe(entries: Sequence[LogEntry], after: int, upto: int) -> str:
    names = [f"{e.listing_id} {e.path}" for e in entries if after < e.seq <= upto]
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _attest(
    entries: Sequence[LogEntry], good: Sequence[tuple[Stamp, str]]
) -> tuple[Attestation, ...]:
    ordered = sorted(good, key=lambda g: g[0].seq)
    out = []
    for entry in entries:
        cover = next(((s, t) for s, t in ordered if s.seq >= entry.seq), None)
        out.append(
            Attestation(
                entry.seq,
                entry.listing_id,
                entry.kind,
                entry.path,
                cover[1] if cover else None,
                cover[0].token if cover else None,
            )
        )
    return tuple(out)
