"""One referral package per seller, across platforms.

A case gathers every flagged listing of the seller's linked shops (alerts.seller_links),
the evidence files logged for them (SHA-256, time logged, RFC 3161 attested time when
stamped), the competent authority for the seller's region (alerts.authorities) and a
case summary in Chinese. Staff edit the draft (authority, summary, notes, listings left
out) before export; the export is a ZIP:

    案件材料.docx        case summary, shops, listings and the 证据清单 (evidence index)
    case.json           the same, machine-readable
    evidence/<path>     every evidence file as logged (WARC, images, screenshots)
    SHA256SUMS          `sha256sum -c` format over every other file
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.shared import Pt

from alerts.authorities import authority_for
from alerts.seller_links import group_of
from alerts.store import AlertStore
from crawler.evidence.store import EvidenceStore
from crawler.evidence.timestamps import Timestamps, TsaConfig

DOCX_NAME = "案件材料.docx"
EDITABLE = ("authority", "authority_basis", "summary", "notes", "excluded_listings")
_KIND = {"warc": "网页存档 (WARC)", "image": "商品图片", "screenshot": "网页截图"}
_VERDICT = {"infringing": "涉嫌侵权", "suspicious": "疑似侵权"}


class CaseError(ValueError):
    """A case that cannot be built or a draft that cannot be applied; says which and why."""


@dataclass(frozen=True)
class CaseListing:
    alert_id: int
    listing_id: str
    platform: str
    shop: str
    url: str
    title: str
    mark: str
    verdict: str
    status: str
    price: float | None
    first_seen: str
    last_seen: str


@dataclass(frozen=True)
class CaseEvidence:
    listing_id: str
    kind: str
    path: str
    sha256: str
    logged_at: str
    attested_at: str | None


@dataclass(frozen=True)
class CaseShop:
    seller_id: int
    platform: str
    name: str
    credit_code: str | None
    locations: tuple[str, ...]


@dataclass
class SellerCase:
    seller_id: int
    shops: list[CaseShop]
    links: list[str]
    listings: list[CaseListing]
    evidence: list[CaseEvidence]
    authority: str
    authority_basis: str
    summary: str
    notes: str = ""
    excluded_listings: list[str] = field(default_factory=list)
    created_at: str = ""

    def draft(self) -> dict[str, Any]:
        """What staff may change before export."""
        return {key: getattr(self, key) for key in EDITABLE}

    def apply(self, edits: Mapping[str, Any]) -> None:
        unknown = set(edits) - set(EDITABLE)
        if unknown:
            raise CaseError(f"not editable in a case file: {sorted(unknown)}")
        for key, value in edits.items():
            if key == "excluded_listings":
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise CaseError("excluded_listings must be a list of listing ids")
                known = {item.listing_id for item in self.listings}
                if set(value) - known:
                    raise CaseError(f"not in this case: {sorted(set(value) - known)}")
            elif not isinstance(value, str):
                raise CaseError(f"{key} must be text")
            setattr(self, key, value)

    @property
    def included(self) -> list[CaseListing]:
        return [item for item in self.listings if item.listing_id not in self.excluded_listings]

    @property
    def included_evidence(self) -> list[CaseEvidence]:
        ids = {item.listing_id for item in self.included}
        return [e for e in self.evidence if e.listing_id in ids]

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def build_case(
    store: AlertStore,
    evidence: EvidenceStore,
    seller_id: int,
    tsa: TsaConfig | None = None,
    now: datetime | None = None,
) -> SellerCase:
    sellers = store.sellers()
    if seller_id not in {s.id for s in sellers}:
        raise CaseError(f"no seller {seller_id}")
    alerts = [a for a in store.alerts() if a.status not in ("dismissed",)]
    group = group_of(seller_id, sellers, alerts)
    ids = set(group.ids)
    mine = [a for a in alerts if a.seller_id in ids]
    if not mine:
        raise CaseError(f"seller {seller_id} has no flagged listings")
    names = {s.id: s.name for s in group.sellers}
    listings = [
        CaseListing(
            a.id,
            a.listing_id,
            a.platform,
            names.get(a.seller_id or -1, ""),
            str(a.listing.get("url", "")),
            str(a.listing.get("title", "")),
            a.mark,
            a.verdict,
            a.status,
            a.price,
            a.first_seen,
            a.last_seen,
        )
        for a in sorted(mine, key=lambda a: (a.platform, a.listing_id, a.mark))
    ]
    attested: dict[int, str] = {}
    if tsa is not None and tsa.ca_file is not None:
        report = Timestamps(evidence.root).verify(tsa)
        attested = {a.seq: a.attested_at for a in report.attestations if a.attested_at}
    listing_ids = {item.listing_id for item in listings}
    files = [
        CaseEvidence(e.listing_id, e.kind, e.path, e.sha256, e.at, attested.get(e.seq))
        for e in evidence.log.entries()
        if e.listing_id in listing_ids
    ]
    shops = [CaseShop(s.id, s.platform, s.name, s.credit_code, s.locations) for s in group.sellers]
    found = None
    for shop in sorted(shops, key=lambda s: s.seller_id != seller_id):
        licence = next(
            (str((a.listing.get("attributes") or {}).get("生产许可证编号", "")) for a in mine
             if a.seller_id == shop.seller_id), "",
        )  # fmt: skip
        found = authority_for(
            shop.credit_code, licence, shop.locations[0] if shop.locations else ""
        )
        if found:
            break
    case = SellerCase(
        seller_id=seller_id,
        shops=shops,
        links=[ln.reason for ln in group.links],
        listings=listings,
        evidence=files,
        authority=found.name if found else "",
        authority_basis=found.basis if found else "未能从店铺信息确定所在地，请人工填写",
        summary="",
        created_at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
    )
    case.summary = default_summary(case)
    return case


def default_summary(case: SellerCase) -> str:
    listings = case.included
    platforms = "、".join(sorted({item.platform for item in listings}))
    shops = "、".join(dict.fromkeys(s.name for s in case.shops))
    marks = "、".join(sorted({item.mark for item in listings}))
    confirmed = sum(1 for item in listings if item.status in ("confirmed", "referred"))
    files = case.included_evidence
    stamped = sum(1 for e in files if e.attested_at)
    text = (
        f"经 MarkWatch 网络监测，经营者“{shops}”在 {platforms} 平台共有 {len(listings)} 条"
        f"商品信息涉嫌侵犯“{marks}”相关标志专用权（其中 {confirmed} 条已经人工核实确认）。"
        f"固定证据文件 {len(files)} 份，每份记录 SHA-256 哈希值并写入链式存证日志"
    )
    text += f"，其中 {stamped} 份经可信时间戳认证。" if stamped else "。"
    if case.authority:
        text += f"根据{case.authority_basis}，建议移送{case.authority}依法处理。"
    return text


def render_docx(case: SellerCase) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.size = Pt(10.5)
    document.add_heading(f"案件移送材料：{case.shops[0].name if case.shops else ''}", level=1)
    document.add_paragraph(f"生成时间：{case.created_at}")
    document.add_heading("一、案件摘要", level=2)
    document.add_paragraph(case.summary)
    if case.notes:
        document.add_paragraph(f"备注：{case.notes}")
    document.add_heading("二、移送机关", level=2)
    document.add_paragraph(case.authority or "（待填写）")
    document.add_paragraph(f"依据：{case.authority_basis}")
    document.add_heading("三、涉案店铺", level=2)
    _table(document, ["平台", "店铺名称", "统一社会信用代码", "所在地"],
           [[s.platform, s.name, s.credit_code or "", " / ".join(s.locations)]
            for s in case.shops])  # fmt: skip
    if case.links:
        document.add_paragraph("关联依据：" + "；".join(case.links))
    document.add_heading("四、涉案商品", level=2)
    _table(document, ["序号", "平台", "商品编号", "商品标题", "标志", "判定", "链接"],
           [[str(i), item.platform, item.listing_id, item.title, item.mark,
             _VERDICT.get(item.verdict, item.verdict), item.url]
            for i, item in enumerate(case.included, start=1)])  # fmt: skip
    document.add_heading("五、证据清单", level=2)
    _table(document, ["序号", "商品编号", "证据类型", "文件", "SHA-256", "存证时间", "可信时间戳"],
           [[str(i), e.listing_id, _KIND.get(e.kind, e.kind), e.path, e.sha256, e.logged_at,
             e.attested_at or "未加盖"]
            for i, e in enumerate(case.included_evidence, start=1)])  # fmt: skip
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _table(document: Any, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def build_package(case: SellerCase, evidence: EvidenceStore) -> bytes:
    sums: list[tuple[str, str]] = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def put(name: str, data: bytes) -> None:
            archive.writestr(name, data)
            sums.append((hashlib.sha256(data).hexdigest(), name))

        put(DOCX_NAME, render_docx(case))
        put("case.json", json.dumps(case.to_json(), ensure_ascii=False, indent=2).encode())
        for path, item in {e.path: e for e in case.included_evidence}.items():
            data = (evidence.root / path).read_bytes()
            if hashlib.sha256(data).hexdigest() != item.sha256:
                raise CaseError(f"evidence {path} no longer matches its logged SHA-256")
            put(f"evidence/{path}", data)
        archive.writestr("SHA256SUMS", "".join(f"{h}  {n}\n" for h, n in sums))
    return buffer.getvalue()


def load_draft(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise CaseError(f"draft {path} unreadable: {exc}") from exc
    if not isinstance(data, dict):
        raise CaseError(f"draft {path} must be a JSON object")
    return data
