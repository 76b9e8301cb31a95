"""The case file for a referral: one ZIP with the alert, its evidence, hashes and a summary.

Layout:
    alert.json           the alert, its audit trail, seller and evidence list
    evidence/<path>      every evidence file logged for the listing (WARC, images, screenshot)
    manifest.json        per evidence file: logged SHA-256, SHA-256 of the copy, log entry hash
    summary.html         a printable summary (self-contained, no scripts)
    SHA256SUMS           `sha256sum -c` format over every other file of the ZIP
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

from console.backend import AlertDetail, EvidenceFile


def case_file_name(detail: AlertDetail) -> str:
    return f"markwatch-case-{detail.alert.id}.zip"


def alert_document(detail: AlertDetail) -> dict[str, Any]:
    return {
        "alert": dataclasses.asdict(detail.alert),
        "assignee": detail.assignee,
        "audit": [dataclasses.asdict(e) for e in detail.audit],
        "seller": dataclasses.asdict(detail.seller) if detail.seller else None,
        "price_history": [list(p) for p in detail.price_history],
        "evidence": [dataclasses.asdict(f) for f in detail.evidence],
        "image_regions": [
            {
                "image": v.name,
                "sha256": v.file.sha256 if v.file else None,
                "regions": [
                    {"mark": r.mark, "quad": [list(p) for p in r.points]} for r in v.regions
                ],
            }
            for v in detail.images
            if v.regions
        ],
    }


def build_case_file(
    detail: AlertDetail, read: Callable[[EvidenceFile], bytes], summary_html: str
) -> bytes:
    sums: list[tuple[str, str]] = []
    manifest: list[dict[str, Any]] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def put(name: str, data: bytes) -> None:
            archive.writestr(name, data)
            sums.append((hashlib.sha256(data).hexdigest(), name))

        put("alert.json", json.dumps(alert_document(detail), ensure_ascii=False, indent=2).encode())
        for file in detail.evidence:
            name = f"evidence/{file.path}"
            try:
                data = read(file)
            except OSError as exc:
                manifest.append(
                    {
                        "file": name,
                        "logged_sha256": file.sha256,
                        "error": f"missing from the evidence store: {exc}",
                    }
                )
                continue
            put(name, data)
            actual = hashlib.sha256(data).hexdigest()
            manifest.append(
                {
                    "file": name,
                    "kind": file.kind,
                    "logged_sha256": file.sha256,
                    "sha256": actual,
                    "matches_log": actual == file.sha256,
                    "entry_hash": file.entry_hash,
                    "captured_at": file.at,
                    "source_url": file.source_url,
                }
            )
        put("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode())
        put("summary.html", summary_html.encode())
        archive.writestr("SHA256SUMS", "".join(f"{h}  {n}\n" for h, n in sums))
    return buffer.getvalue()
