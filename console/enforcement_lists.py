"""Lists for enforcement outside MarkWatch: the repeat-infringer notice and complaint lists.

Repeat infringers (the store's policy, `[alerts.repeat_infringer] threshold / window_days`)
come out as the table a public notice of a 重复侵权、故意侵权企业名录 uses, one row per legal
entity with the evidence trail behind it (alert, listing URL, SHA-256 of each evidence
file). Complaint lists hold the confirmed alerts of one platform, split into files of at
most `per_notice` rows. The platforms' own bulk-complaint templates are not publicly
documented (Alibaba IPP takes links through its web form), so this is a generic CSV with
the fields every one of those forms asks for; the row limit is a setting.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from alerts.models import Alert
from alerts.store import AlertStore
from crawler.evidence.store import EvidenceStore

NOTICE_COLUMNS = ("序号", "经营者名称", "统一社会信用代码", "所在地", "涉及平台及店铺",
                  "侵权事实", "认定侵权次数", "统计期间", "证据清单")  # fmt: skip
COMPLAINT_COLUMNS = ("序号", "平台", "商品链接", "商品编号", "店铺名称", "涉嫌侵权标志",
                     "权利类型", "侵权理由", "证据SHA-256", "告警编号")  # fmt: skip
_KIND = {"gi": "地理标志", "olympic": "奥林匹克标志", "trademark": "注册商标"}
CONFIRMED = ("confirmed", "referred", "closed")


@dataclass(frozen=True)
class NoticeEntry:
    name: str
    credit_code: str
    location: str
    shops: str
    facts: str
    confirmed: int
    period: str
    evidence: str

    def row(self, number: int) -> list[str]:
        return [str(number), self.name, self.credit_code, self.location, self.shops,
                self.facts, str(self.confirmed), self.period, self.evidence]  # fmt: skip


def _trail(alerts: Sequence[Alert], evidence: EvidenceStore) -> str:
    parts = []
    for alert in alerts:
        files = ", ".join(
            f"{e.kind} sha256:{e.sha256}" for e in evidence.entries_for(alert.listing_id)
        )
        parts.append(f"告警{alert.id} {alert.listing.get('url', '')} [{files or '无证据文件'}]")
    return "；".join(parts)


def repeat_notice(
    store: AlertStore, evidence: EvidenceStore, at: datetime | None = None
) -> list[NoticeEntry]:
    now = at or datetime.now(UTC)
    policy = store.config.repeat_infringer
    since = now - timedelta(days=policy.window_days)
    period = f"{since.date().isoformat()} 至 {now.date().isoformat()}"
    sellers = {s.id: s for s in store.sellers()}
    by_seller: dict[int, list[Alert]] = {}
    for alert in store.alerts():
        if alert.status in CONFIRMED and alert.seller_id is not None:
            by_seller.setdefault(alert.seller_id, []).append(alert)
    out = []
    for entry in store.repeat_infringers(at=at):
        members = [sellers[i] for i in (entry.related_seller_ids or (entry.seller.id,))]
        alerts = [a for m in members for a in by_seller.get(m.id, [])]
        marks = "、".join(sorted({a.mark for a in alerts}))
        out.append(
            NoticeEntry(
                name=entry.seller.name,
                credit_code=entry.seller.credit_code or "",
                location=" / ".join(dict.fromkeys(loc for m in members for loc in m.locations)),
                shops="；".join(f"{m.platform}:{m.name}" for m in members),
                facts=f"在网络销售中多次使用“{marks}”标志，经核实涉嫌侵权",
                confirmed=entry.confirmed_alerts,
                period=period,
                evidence=_trail(alerts, evidence),
            )
        )
    return out


def notice_csv(entries: Sequence[NoticeEntry]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(NOTICE_COLUMNS)
    for number, entry in enumerate(entries, start=1):
        writer.writerow(entry.row(number))
    # UTF-8 with BOM: the spreadsheet programs staff open it in read the Chinese right.
    return out.getvalue().encode("utf-8-sig")


def complaint_lists(
    store: AlertStore, evidence: EvidenceStore, platform: str, per_notice: int
) -> list[bytes]:
    """Confirmed alerts of one platform as CSV files of at most `per_notice` rows each."""
    if per_notice < 1:
        raise ValueError(f"per_notice must be at least 1, got {per_notice}")
    sellers = {s.id: s.name for s in store.sellers()}
    rows = [a for a in store.alerts() if a.status in CONFIRMED and a.platform == platform]
    files = []
    for start in range(0, len(rows), per_notice):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COMPLAINT_COLUMNS)
        for number, alert in enumerate(rows[start : start + per_notice], start=1):
            reasons = "；".join(str(r.get("detail", "")) for r in alert.reasons)
            hashes = " ".join(e.sha256 for e in evidence.entries_for(alert.listing_id))
            writer.writerow([number, platform, alert.listing.get("url", ""), alert.listing_id,
                             sellers.get(alert.seller_id or -1, ""), alert.mark,
                             _KIND.get(alert.kind, alert.kind), reasons, hashes,
                             alert.id])  # fmt: skip
        files.append(out.getvalue().encode("utf-8-sig"))
    return files
