"""The console's one adapter to the other layers: search index, alert store, evidence store.

Routes never import `indexer`, `alerts` or `crawler` directly; when those APIs change, only
this module changes. It returns plain frozen records the templates and the API render.
Authorisation happens in the routes; this module only answers "visible to this owner?".
"""

from __future__ import annotations

import csv
import hashlib
import io
import mimetypes
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from croniter import croniter
from PIL import Image, UnidentifiedImageError
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from alerts import grants as gr
from alerts import lifecycle
from alerts import watchlists as wl
from alerts.channels.options import ChannelConfigError, masked
from alerts.channels.registry import channel_options, check_channel
from alerts.index_status import IndexStatusSync
from alerts.models import Alert, AuditEntry, SellerProfile, User
from alerts.schema import alerts as alerts_table
from alerts.schema import sellers as sellers_table
from alerts.store import AlertStore
from console.console_store import ConsoleStore, CrawlSchedule, StoredChannel
from console.highlight import Segment, highlight_segments, mark_segments, parse_quad
from crawler.evidence.log import LogEntry
from crawler.evidence.store import EvidenceStore
from indexer.base import SearchIndex, SearchQuery, SortField
from netpolicy import AddressPolicy, BlockedAddress

GrantError = gr.GrantError
Transition = lifecycle.Transition
TransitionError = lifecycle.TransitionError
WatchlistError = wl.WatchlistError
STATUSES = lifecycle.STATUSES
VERDICTS = ("infringing", "suspicious", "clear")
_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
EXPORT_LIMIT = 10_000
_SORTS: dict[str, SortField] = {"score": "score", "last_seen": "last_seen", "price": "price"}


class NotFound(LookupError):
    """No such record, or not one the asker may see (the two are not told apart)."""


MAX_ID = 2**63 - 1  # ids are 64-bit in every database we run on
_BAD_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")


def check_name(kind: str, name: str) -> str:
    """Watchlist and channel names end up in URL paths: no slashes, no control characters."""
    if not name or len(name) > 100 or _BAD_NAME.search(name):
        raise WatchlistError(
            f"{kind} name must be 1-100 characters without '/', '\\' or control characters"
        )
    return name


class BlockedTarget(ValueError):
    """A channel target the outbound-address policy refuses (the API answers 422)."""


@dataclass(frozen=True, slots=True)
class SearchParams:
    text: str = ""
    mark: tuple[str, ...] = ()
    verdict: tuple[str, ...] = ()
    platform: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    seller: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    seen_from: datetime | None = None
    seen_to: datetime | None = None
    sort: str = "relevance"
    after: tuple[Any, ...] | None = None
    size: int = 20


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    kind: str  # warc | image | screenshot
    path: str  # relative to the evidence dir
    sha256: str
    entry_hash: str
    at: str
    source_url: str = ""  # for images: the listing image it was downloaded from

    @property
    def media_type(self) -> str:
        guessed = mimetypes.guess_type(self.path)[0] or ""
        return guessed if guessed in _IMAGE_TYPES else "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Region:
    mark: str
    points: tuple[tuple[float, float], ...]

    @property
    def svg_points(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in self.points)


@dataclass(frozen=True, slots=True)
class ImageView:
    name: str  # as in Listing.images
    file: EvidenceFile | None  # the captured copy, if any
    width: int = 0
    height: int = 0
    regions: tuple[Region, ...] = ()
    ocr_text: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchRow:
    listing_id: str
    title: tuple[Segment, ...]
    platform: str
    seller: str
    region: str
    verdict: str
    score: float
    status: str
    marks: tuple[str, ...]
    price: float | None
    url: str
    last_seen: str
    alert_ids: tuple[int, ...]
    thumbnail: tuple[int, str] | None  # (alert id, sha256) of a captured image


@dataclass(frozen=True, slots=True)
class SearchResult:
    total: int
    rows: tuple[SearchRow, ...]
    facets: Mapping[str, Sequence[tuple[str, int]]]
    next_after: tuple[Any, ...] | None


@dataclass(frozen=True, slots=True)
class AlertDetail:
    alert: Alert
    assignee: str
    audit: tuple[AuditEntry, ...]
    seller: SellerProfile | None
    seller_alerts: tuple[Alert, ...]
    price_history: tuple[tuple[str, float], ...]
    title: tuple[Segment, ...]
    description: tuple[Segment, ...]
    images: tuple[ImageView, ...]
    screenshots: tuple[EvidenceFile, ...]
    evidence: tuple[EvidenceFile, ...]


@dataclass(frozen=True, slots=True)
class Dashboard:
    total: int
    by_day: tuple[tuple[str, int], ...]
    by_mark: tuple[tuple[str, int], ...]
    by_platform: tuple[tuple[str, int], ...]
    by_region: tuple[tuple[str, int], ...]
    by_seller: tuple[tuple[str, int], ...]
    by_status: tuple[tuple[str, int], ...]
    repeat_infringers: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class CatalogMark:
    name: str
    kind: str
    aliases: tuple[str, ...]
    english: tuple[str, ...]
    regions: tuple[str, ...]
    legal_basis: str
    registration: str


@dataclass(frozen=True, slots=True)
class ScheduleView:
    schedule: CrawlSchedule
    next_run: str


@dataclass
class _EvidenceIndex:
    """The evidence log read once, grouped by listing (the log is one append-only file)."""

    by_listing: dict[str, list[LogEntry]] = field(default_factory=dict)


class ConsoleBackend:
    def __init__(
        self,
        index: SearchIndex,
        store: AlertStore,
        evidence_dir: Path,
        local: ConsoleStore,
        catalog: Any = None,
        url_policy: AddressPolicy | None = None,
        crawl_runs: Callable[[int], Sequence[Any]] | None = None,
    ) -> None:
        self.index = index
        self.url_policy = url_policy or AddressPolicy()
        # Recent crawl runs (start, end, pages, items, errors, alerts) from the scheduler's
        # history; injected by the composition root so the console does not import it.
        self._crawl_runs = crawl_runs
        self.store = store
        self.evidence = EvidenceStore(evidence_dir)
        self.local = local
        self.catalog = catalog

    # -- visibility ------------------------------------------------------------------
    # A rights holder sees an alert when its mark is granted to them (in the SQL query)
    # and one of their active watchlists, narrowing that grant, matches it.
    def _owner_watchlists(self, owner: str) -> list[wl.Watchlist]:
        return [w for w in self.store.watchlists() if w.owner == owner and w.active]

    def grant_of(self, owner: str) -> gr.Grant:
        return self.store.grant_of(owner)

    def _visible(
        self, owner: str, where: sa.ColumnElement[bool] | None, status: str | None
    ) -> list[Alert]:
        condition = self.grant_of(owner).condition(alerts_table)
        if where is not None:
            condition = sa.and_(condition, where)
        found = self.store.alerts(status, where=condition)
        lists = self._owner_watchlists(owner)
        return [a for a in found if any(wl.matches(w, a) for w in lists)]

    def alert(self, alert_id: int, owner: str | None = None) -> Alert:
        """The alert, if `owner` (None: staff) may see it; else NotFound."""
        if not 0 < alert_id <= MAX_ID:
            raise NotFound(f"alert {alert_id}")
        if owner is not None:
            found = self._visible(owner, alerts_table.c.id == alert_id, None)
            if not found:
                raise NotFound(f"alert {alert_id}")
            return found[0]
        try:
            return self.store.get(alert_id)
        except KeyError:
            raise NotFound(f"alert {alert_id}") from None

    def alerts(
        self,
        owner: str | None = None,
        status: str | None = None,
        mark: str | None = None,
        limit: int = 200,
    ) -> list[Alert]:
        where = alerts_table.c.mark == mark if mark else None
        if owner is not None:
            found = self._visible(owner, where, status or None)
        else:
            found = self.store.alerts(status or None, where=where)
        found.sort(key=lambda a: (a.last_seen, a.id), reverse=True)
        return found[:limit]

    # -- grants (staff manage them) ----------------------------------------------------
    def grants(self) -> list[gr.Grant]:
        return sorted(self.store.grants().values(), key=lambda g: g.organisation)

    def set_grant(
        self, organisation: str, marks: Sequence[str], families: Sequence[str], by: str
    ) -> gr.Grant:
        """Replace what `organisation` holds; its watchlists narrow the new grant at once."""
        if not organisation.strip():
            raise WatchlistError("a grant needs an organisation")
        if any(not v.strip() for v in (*marks, *families)):
            raise WatchlistError("a granted mark or family cannot be empty")
        known = set(self.mark_names())
        unknown = [m for m in marks if known and m not in known]
        kinds = {m.kind for m in self.catalog.marks} if self.catalog is not None else set()
        unknown += [f"kind:{k}" for k in families if kinds and k not in kinds]
        if unknown:
            raise WatchlistError(f"not in the catalog: {', '.join(unknown)}")
        current = self.grant_of(organisation)
        for mark in current.marks - set(marks):
            self.store.revoke_grant(organisation, "mark", mark)
        for kind in current.families - set(families):
            self.store.revoke_grant(organisation, "family", kind)
        for mark in marks:
            self.store.grant(organisation, "mark", mark, by)
        for kind in families:
            self.store.grant(organisation, "family", kind, by)
        return self.grant_of(organisation)

    def granted_mark_names(self, owner: str) -> list[str]:
        grant = self.grant_of(owner)
        names = set(grant.marks)
        if self.catalog is not None:
            names |= {m.name for m in self.catalog.marks if m.kind in grant.families}
        return sorted(names)

    def _kind_of(self, mark: str) -> str | None:
        if self.catalog is None:
            return None
        return next((m.kind for m in self.catalog.marks if m.name == mark), None)

    # -- search ----------------------------------------------------------------------
    def search(self, params: SearchParams, facets: bool = True) -> SearchResult:
        query = SearchQuery(
            text=params.text,
            mark=params.mark,
            verdict=params.verdict,
            platform=params.platform,
            region=params.region,
            seller=params.seller,
            status=params.status,
            seen_from=params.seen_from,
            seen_to=params.seen_to,
            sort=_SORTS.get(params.sort, "relevance"),
            size=params.size,
            search_after=params.after,
            facets=facets,
            highlight=True,
        )
        page = self.index.search(query)
        ids = [hit.id for hit in page.hits]
        by_listing = self._alert_ids_by_listing(ids)
        evidence = self._evidence_index()
        rows = []
        for hit in page.hits:
            source = hit.source
            listing = source.get("listing", {})
            title_html = (hit.highlights.get("title") or [""])[0]
            title = (
                highlight_segments(title_html)
                if title_html
                else [(str(listing.get("title", "")), False)]
            )
            alert_ids = tuple(by_listing.get(hit.id, ()))
            images = [e for e in evidence.by_listing.get(hit.id, []) if e.kind == "image"]
            thumb = (alert_ids[0], images[0].sha256) if images and alert_ids else None
            rows.append(
                SearchRow(
                    listing_id=hit.id,
                    title=tuple(title),
                    platform=str(source.get("platform", "")),
                    seller=str(source.get("seller", "")),
                    region=str(source.get("region", "")),
                    verdict=str(source.get("verdict", "")),
                    score=float(source.get("score", 0)),
                    status=str(source.get("status", "")),
                    marks=tuple(source.get("mark", [])),
                    price=source.get("price"),
                    url=str(listing.get("url", "")),
                    last_seen=str(source.get("last_seen", ""))[:19],
                    alert_ids=alert_ids,
                    thumbnail=thumb,
                )
            )
        return SearchResult(page.total, tuple(rows), dict(page.facets), page.next_after)

    def export_csv(self, params: SearchParams) -> Iterator[str]:
        """The whole search (up to EXPORT_LIMIT rows) as CSV text chunks."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "listing_id",
                "title",
                "platform",
                "seller",
                "region",
                "verdict",
                "score",
                "marks",
                "status",
                "price",
                "url",
                "last_seen",
                "alert_ids",
            ]
        )
        yield "\ufeff" + _take(out)  # the BOM makes spreadsheet programs read UTF-8
        after = None
        written = 0
        while written < EXPORT_LIMIT:
            page = self.search(_replace_after(params, after, 200), facets=False)
            for row in page.rows:
                writer.writerow(
                    [
                        _cell(v)
                        for v in (
                            row.listing_id,
                            "".join(t for t, _ in row.title),
                            row.platform,
                            row.seller,
                            row.region,
                            row.verdict,
                            f"{row.score:.4f}",
                            " ".join(row.marks),
                            row.status,
                            "" if row.price is None else row.price,
                            row.url,
                            row.last_seen,
                            " ".join(str(i) for i in row.alert_ids),
                        )
                    ]
                )
            written += len(page.rows)
            yield _take(out)
            if page.next_after is None or not page.rows:
                break
            after = page.next_after

    def _alert_ids_by_listing(self, listing_ids: Sequence[str]) -> dict[str, list[int]]:
        if not listing_ids:
            return {}
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                sa.select(alerts_table.c.listing_id, alerts_table.c.id)
                .where(alerts_table.c.listing_id.in_(list(listing_ids)))
                .order_by(alerts_table.c.score.desc(), alerts_table.c.id)
            )
            out: dict[str, list[int]] = {}
            for listing_id, alert_id in rows:
                out.setdefault(str(listing_id), []).append(int(alert_id))
            return out

    # -- one alert ---------------------------------------------------------------------
    def detail(self, alert_id: int, owner: str | None = None) -> AlertDetail:
        alert = self.alert(alert_id, owner)
        audit = tuple(self.store.audit_trail(alert_id))
        seller = None
        seller_alerts: tuple[Alert, ...] = ()
        if alert.seller_id is not None:
            seller = self.store.seller(alert.seller_id)
            if owner is None:  # a rights holder sees only their own alerts, also here
                seller_alerts = tuple(self._seller_alerts(alert.seller_id, alert.id))
        listing = alert.listing
        terms = [
            alert.mark,
            *(r.get("evidence", "") for r in alert.reasons if r.get("code") != "insignia_in_image"),
        ]
        entries = self.evidence.log.for_listing(alert.listing_id)
        urls = _warc_image_urls(self.evidence.root, entries)
        files = tuple(_file(e, urls.get(e.sha256, "")) for e in entries)
        return AlertDetail(
            alert=alert,
            assignee=self.local.assignees([alert_id]).get(alert_id, ""),
            audit=audit,
            seller=seller,
            seller_alerts=seller_alerts,
            price_history=_price_history(alert, audit),
            title=tuple(mark_segments(str(listing.get("title", "")), terms)),
            description=tuple(mark_segments(str(listing.get("description", "")), terms)),
            images=tuple(self._images(alert, files)),
            screenshots=tuple(f for f in files if f.kind == "screenshot"),
            evidence=files,
        )

    def _seller_alerts(self, seller_id: int, but: int) -> list[Alert]:
        with self.store.engine.connect() as conn:
            ids = list(
                conn.execute(
                    sa.select(alerts_table.c.id)
                    .where(alerts_table.c.seller_id == seller_id, alerts_table.c.id != but)
                    .order_by(alerts_table.c.id.desc())
                    .limit(50)
                ).scalars()
            )
        return [self.store.get(i) for i in ids]

    def _images(self, alert: Alert, files: Sequence[EvidenceFile]) -> list[ImageView]:
        names = [str(i) for i in alert.listing.get("images", [])]
        captured = [f for f in files if f.kind == "image"]
        by_url = {f.source_url: f for f in captured if f.source_url}
        regions: dict[str, list[Region]] = {}
        ocr: dict[str, list[str]] = {}
        for reason in alert.reasons:
            code, evidence = reason.get("code", ""), reason.get("evidence", "")
            if code == "insignia_in_image":
                image, points = parse_quad(evidence)
                if points:
                    regions.setdefault(image, []).append(Region(alert.mark, points))
                    if image not in names:
                        names.append(image)
            elif code == "mark_in_image_text":
                image = _image_named_in(reason.get("detail", ""), names)
                ocr.setdefault(image, []).append(evidence)
        views = []
        for position, name in enumerate(names):
            file = by_url.get(name)
            if file is None and not by_url and position < len(captured):
                file = captured[position]  # no WARC mapping: images were fetched in order
            width, height = self._size(file) if file else (0, 0)
            views.append(
                ImageView(
                    name,
                    file,
                    width,
                    height,
                    tuple(regions.get(name, ())),
                    tuple(ocr.get(name, ())),
                )
            )
        return views

    def _size(self, file: EvidenceFile) -> tuple[int, int]:
        try:
            with Image.open(self.evidence.root / file.path) as image:
                return int(image.width), int(image.height)
        except (OSError, UnidentifiedImageError):
            return 0, 0

    # -- evidence files ------------------------------------------------------------------
    def _evidence_index(self) -> _EvidenceIndex:
        index = _EvidenceIndex()
        for entry in self.evidence.log.entries():
            index.by_listing.setdefault(entry.listing_id, []).append(entry)
        return index

    def evidence_file(self, alert: Alert, sha256: str) -> tuple[EvidenceFile, Path]:
        """A file logged for the alert's listing, by its hash; NotFound for anything else."""
        for entry in self.evidence.log.for_listing(alert.listing_id):
            if entry.sha256 == sha256:
                path = self.evidence.path_of(entry)
                if path.is_file():
                    return _file(entry), path
        raise NotFound(f"evidence {sha256}")

    def read_evidence(self, file: EvidenceFile) -> bytes:
        return (self.evidence.root / file.path).read_bytes()

    # -- triage ------------------------------------------------------------------------
    def transition(self, alert_id: int, change: Transition, actor: str) -> Alert:
        if not 0 < alert_id <= MAX_ID:
            raise NotFound(f"alert {alert_id}")
        try:
            alert = self.store.transition(alert_id, change, actor=actor)
        except KeyError:
            raise NotFound(f"alert {alert_id}") from None
        self._sync_index_status(alert.listing_id)
        return alert

    def assign(self, alert_ids: Iterable[int], assignee: str, by: str) -> None:
        """Assign existing alerts to an existing user (NotFound naming what is missing)."""
        ids = sorted(set(alert_ids))
        if any(not 0 < i <= MAX_ID for i in ids):
            raise NotFound("alert id out of range")
        with self.store.engine.connect() as conn:
            present = set(
                conn.execute(
                    sa.select(alerts_table.c.id).where(alerts_table.c.id.in_(ids))
                ).scalars()
            )
        missing = [i for i in ids if i not in present]
        if missing:
            raise NotFound(f"alerts {', '.join(map(str, missing))}")
        if assignee and assignee not in {u.name for u in self.store.users()}:
            raise NotFound(f"user {assignee}")
        self.local.assign(ids, assignee, by)

    def assignees(self, alert_ids: Iterable[int]) -> dict[int, str]:
        return self.local.assignees(alert_ids)

    def _sync_index_status(self, listing_id: str) -> None:
        """The index mirrors the alert store's status for filtering; keep it in step."""
        IndexStatusSync(self.store, self.index).sync([listing_id])

    # -- dashboard -----------------------------------------------------------------------
    def dashboard(self, top: int = 10) -> Dashboard:
        query = sa.select(
            alerts_table.c.first_seen,
            alerts_table.c.mark,
            alerts_table.c.platform,
            alerts_table.c.status,
            sellers_table.c.name,
            sellers_table.c.locations,
        ).select_from(
            alerts_table.outerjoin(sellers_table, alerts_table.c.seller_id == sellers_table.c.id)
        )
        days: Counter[str] = Counter()
        marks: Counter[str] = Counter()
        platforms: Counter[str] = Counter()
        regions: Counter[str] = Counter()
        sellers: Counter[str] = Counter()
        statuses: Counter[str] = Counter()
        total = 0
        with self.store.engine.connect() as conn:
            for first_seen, mark, platform, status, seller, locations in conn.execute(query):
                total += 1
                days[first_seen.date().isoformat()] += 1
                marks[mark] += 1
                platforms[platform or "?"] += 1
                statuses[status] += 1
                location = (locations or [""])[0] or ""
                regions[location.split(" ")[0] or "?"] += 1
                if seller:
                    sellers[seller] += 1
        repeat = tuple(
            (r.seller.name or r.seller.key, r.confirmed_alerts)
            for r in self.store.repeat_infringers()[:top]
        )
        return Dashboard(
            total=total,
            by_day=tuple(sorted(days.items())),
            by_mark=tuple(marks.most_common(top)),
            by_platform=tuple(platforms.most_common(top)),
            by_region=tuple(regions.most_common(top)),
            by_seller=tuple(sellers.most_common(top)),
            by_status=tuple(statuses.most_common()),
            repeat_infringers=repeat,
        )

    # -- watchlists and channels (rights holders; staff see all) ---------------------------
    def watchlists(self, owner: str | None = None) -> list[wl.Watchlist]:
        return [w for w in self.store.watchlists() if owner is None or w.owner == owner]

    def save_watchlist(self, data: Mapping[str, Any], owner: str | None) -> wl.Watchlist:
        """Create or change a watchlist; a rights holder may only touch their own."""
        values = dict(data)
        existing = {w.name: w for w in self.store.watchlists()}
        name = check_name("watchlist", str(values.get("name", "")))
        if owner is not None:
            if name in existing and existing[name].owner != owner:
                raise NotFound(f"watchlist {name}")
            values["owner"] = owner
            values["owner_kind"] = "rights_holder"
        if values.get("owner_kind", "rights_holder") == "rights_holder":
            # Narrow within the grant, never widen it (staff grant first, then subscribe).
            holder = str(values.get("owner", ""))
            outside = self.grant_of(holder).outside(
                [str(m) for m in values.get("marks", []) or []],
                [str(k) for k in values.get("kinds", []) or []],
                self._kind_of,
            )
            if outside:
                raise gr.GrantError(holder, outside)
        allowed = {c.name for c in self.local.channels(owner)}
        if owner is None:
            allowed |= {c.name for c in self.local.channels()}
        for channel in values.get("channels", []):
            if owner is not None and channel not in allowed:
                raise WatchlistError(f"unknown channel {channel!r}")
        watchlist = wl.Watchlist.from_mapping(values)
        self.store.save_watchlist(watchlist)
        return watchlist

    def deactivate_watchlist(self, name: str, owner: str | None) -> None:
        for watchlist in self.watchlists(owner):
            if watchlist.name == name:
                data = {
                    **watchlist.criteria(),
                    "name": watchlist.name,
                    "owner": watchlist.owner,
                    "owner_kind": watchlist.owner_kind,
                    "channels": list(watchlist.channels),
                    "delivery": watchlist.delivery,
                    "language": watchlist.language,
                    "active": False,
                }
                self.store.save_watchlist(wl.Watchlist.from_mapping(data))
                return
        raise NotFound(f"watchlist {name}")

    def channels(self, owner: str | None = None) -> list[StoredChannel]:
        """Stored channels with secrets masked: fit to show in a page or an API answer."""
        out = []
        for channel in self.local.channels(owner):
            module, options = channel_options(
                channel.name, {"type": channel.type, **channel.options}
            )
            out.append(
                StoredChannel(
                    channel.name, channel.owner, channel.type, masked(module.OPTIONS, options)
                )
            )
        return out

    def save_channel(self, name: str, kind: str, options: Mapping[str, Any], owner: str) -> None:
        check_name("channel", name)
        try:
            # Rights holders must not make MarkWatch connect to internal services: every
            # target of every channel type (URL, SMTP host, robot endpoint) is checked.
            check_channel(name, {"type": kind, **options}, self.url_policy)
        except ChannelConfigError as exc:
            raise WatchlistError(str(exc)) from None
        except BlockedAddress as exc:
            raise BlockedTarget(str(exc)) from None
        taken = {c.name: c.owner for c in self.local.channels()}
        if name in taken and taken[name] != owner:
            raise WatchlistError(f"channel name {name!r} is taken")
        self.local.save_channel(StoredChannel(name, owner, kind, dict(options)))

    def delete_channel(self, name: str, owner: str | None) -> None:
        if not self.local.delete_channel(name, owner):
            raise NotFound(f"channel {name}")

    # -- admin ------------------------------------------------------------------------------
    def sync_user(self, username: str, role: str, display_name: str, organisation: str) -> None:
        """Mirror a console account into the alert store's users (which knows no admins)."""
        store_role: Literal["staff", "rights_holder"] = (
            "rights_holder" if role == "rights_holder" else "staff"
        )
        self.store.save_user(User(username, store_role, display_name, "", organisation))

    def crawl_history(self, limit: int = 50) -> list[Any]:
        return list(self._crawl_runs(limit)) if self._crawl_runs else []

    def catalog_marks(self) -> list[CatalogMark]:
        if self.catalog is None:
            return []
        out = []
        for mark in self.catalog.marks:
            regions = tuple(
                " ".join(p for p in (r.province, r.city, *r.counties) if p) for r in mark.region
            )
            out.append(
                CatalogMark(
                    mark.name,
                    mark.kind,
                    tuple(mark.aliases),
                    tuple(mark.english),
                    regions,
                    mark.legal_basis,
                    mark.registration,
                )
            )
        return out

    def mark_names(self) -> list[str]:
        return [m.name for m in self.catalog.marks] if self.catalog is not None else []

    def schedules(self) -> list[ScheduleView]:
        out = []
        for schedule in self.local.schedules():
            next_run = ""
            if schedule.enabled:
                next_run = (
                    croniter(schedule.cron, datetime.now())
                    .get_next(datetime)
                    .isoformat(timespec="minutes")
                )
            out.append(ScheduleView(schedule, next_run))
        return out

    def save_schedule(self, schedule: CrawlSchedule) -> None:
        if not schedule.name or not schedule.spider:
            raise WatchlistError("a schedule needs a name and a spider")
        if not croniter.is_valid(schedule.cron):
            raise WatchlistError(f"not a cron expression: {schedule.cron!r}")
        self.local.save_schedule(schedule)

    def delete_schedule(self, name: str) -> None:
        if not self.local.delete_schedule(name):
            raise NotFound(f"schedule {name}")


def _file(entry: LogEntry, source_url: str = "") -> EvidenceFile:
    return EvidenceFile(
        entry.kind, entry.path, entry.sha256, entry.entry_hash, entry.at, source_url
    )


def _warc_image_urls(root: Path, entries: Sequence[LogEntry]) -> dict[str, str]:
    """sha256 of each response body in the listing's WARCs -> the URL it came from.

    The evidence log names image files by content only; the WARC of the same capture holds
    the image responses with their URLs, which ties each file to its listing image.
    """
    out: dict[str, str] = {}
    for entry in entries:
        if entry.kind != "warc":
            continue
        try:
            with (root / entry.path).open("rb") as fh:
                for record in ArchiveIterator(fh):
                    if record.rec_type != "response":
                        continue
                    url = record.rec_headers.get_header("WARC-Target-URI") or ""
                    out.setdefault(sha256_of(record.content_stream().read()), url)
        except (OSError, ArchiveLoadFailed):
            continue  # a damaged WARC only loses the mapping; `evidence verify` reports it
    return out


def _price_history(alert: Alert, audit: Sequence[AuditEntry]) -> tuple[tuple[str, float], ...]:
    changes = [e for e in audit if e.action == "price_changed"]
    first = changes[0].detail.get("from") if changes else alert.price
    points: list[tuple[str, float]] = []
    if first is not None:
        points.append((alert.first_seen[:19], float(first)))
    for entry in changes:
        if entry.detail.get("to") is not None:
            points.append((entry.at[:19], float(entry.detail["to"])))
    return tuple(points)


def _image_named_in(detail: str, names: Sequence[str]) -> str:
    return next((n for n in names if n and n in detail), names[0] if names else "")


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (titles are attacker text)."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _replace_after(params: SearchParams, after: tuple[Any, ...] | None, size: int) -> SearchParams:
    return replace(params, after=after, size=size)


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
