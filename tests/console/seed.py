"""Seeding for the console tests: index, alert store, evidence and accounts in a tmp dir.

Four listings: a 冰墩墩 plush whose photo carries the insignia (with the matched quad), a
长白山人参 listing sold from Anhui, a listing whose title carries `<script>`, and a
五常大米 suspicion. Two rights holders own one watchlist each; every role has an API token.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from alerts.store import AlertStore
from alerts.watchlists import Watchlist
from console.auth import AuthStore
from console.backend import ConsoleBackend
from console.config import ConsoleConfig
from console.console_store import ConsoleStore
from console.ratelimit import LoginRateLimiter
from console.routes.admin import create_account
from console.tables import console_engine
from console.web import ConsoleDeps
from crawler.evidence.store import EvidenceStore
from crawler.evidence.warc import CapturedExchange, build_warc
from detectors.types import Finding, Listing, MarkHit, Reason, Seller
from indexer.base import IndexedDoc
from indexer.sqlite_backend import SqliteIndex
from indexer.text import Tokenizer

PASSWORD = "correct horse battery"
OLYMPIC_OFFICE = "北京冬奥组委特许办"
GINSENG_ASSOCIATION = "长白山人参协会"
IMAGE_URL = "http://shop.example/img/bdd-plush.png"
QUAD = "[(60,40), (230,40), (230,300), (60,300)]"
XSS_TITLE = "<script>window.__xss=1</script>冰墩墩 钥匙扣 <img src=x onerror=alert(1)>"
SEEN = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Seeded:
    deps: ConsoleDeps
    alert_ids: dict[str, int]  # listing id -> its alert id
    tokens: dict[str, str]  # user name -> API token
    image_sha: str
    evidence: EvidenceStore


def _hit(mark: str, kind: str, score: float, *reasons: Reason) -> MarkHit:
    return MarkHit(mark, kind, score, reasons)  # type: ignore[arg-type]


def _listings() -> list[tuple[Listing, Finding]]:
    plush = Listing(
        id="taobao:1001",
        platform="taobao",
        url="https://item.taobao.example/1001",
        title="冰墩墩 毛绒公仔 北京2022冬奥会 官方同款",
        description="正品冰墩墩，假一赔十",
        price=39.0,
        seller=Seller("冬奥周边小店", "浙江 义乌", "s-77"),
        images=(IMAGE_URL,),
    )
    ginseng = Listing(
        id="jd:2002",
        platform="jd",
        url="https://item.jd.example/2002",
        title="长白山人参 林下参 500g 礼盒",
        price=88.0,
        seller=Seller("亳州药材行", "安徽 亳州", "s-88"),
    )
    hostile = Listing(
        id="pdd:3003",
        platform="pdd",
        url="javascript:alert(1)",
        title=XSS_TITLE,
        price=9.9,
        seller=Seller("<b>bold</b>店", "广东 广州", "s-99"),
    )
    rice = Listing(
        id="taobao:1004",
        platform="taobao",
        url="https://item.taobao.example/1004",
        title="五常大米 稻花香 5kg",
        price=45.0,
        seller=Seller("米铺", "黑龙江 哈尔滨", "s-11"),
    )
    return [
        (
            plush,
            Finding(
                plush.id,
                "infringing",
                0.95,
                (
                    _hit(
                        "冰墩墩",
                        "olympic",
                        0.95,
                        Reason("mark_in_text", "The title names 冰墩墩.", "冰墩墩"),
                        Reason(
                            "insignia_in_image",
                            f"The 冰墩墩 insignia was recognised in image "
                            f"{IMAGE_URL} (match score 0.91).",
                            f"{IMAGE_URL} {QUAD}",
                        ),
                        Reason(
                            "mark_in_image_text",
                            f"The text of image {IMAGE_URL} names 冰墩墩.",
                            "冰墩墩 官方授权",
                        ),
                    ),
                ),
            ),
        ),
        (
            ginseng,
            Finding(
                ginseng.id,
                "infringing",
                0.9,
                (
                    _hit(
                        "长白山人参",
                        "gi",
                        0.9,
                        Reason(
                            "origin_outside_region",
                            "Sold from outside the protected area.",
                            "安徽 亳州",
                        ),
                    ),
                ),
            ),
        ),
        (
            hostile,
            Finding(
                hostile.id,
                "suspicious",
                0.7,
                (
                    _hit(
                        "冰墩墩",
                        "olympic",
                        0.7,
                        Reason("mark_in_text", "The title names 冰墩墩.", "冰墩墩"),
                    ),
                ),
            ),
        ),
        (
            rice,
            Finding(
                rice.id,
                "suspicious",
                0.6,
                (
                    _hit(
                        "五常大米",
                        "gi",
                        0.6,
                        Reason("mark_in_text", "The title names 五常大米.", "五常大米"),
                    ),
                ),
            ),
        ),
    ]


def _plush_photo() -> bytes:
    """A PNG drawn here (the console only stores and serves it): a figure inside QUAD."""
    image = Image.new("RGB", (273, 320), (235, 240, 245))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((60, 40, 230, 300), radius=40, fill=(250, 250, 250), outline=(0, 0, 0))
    draw.ellipse((95, 90, 195, 170), fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def build_seeded(root: Path, tokenizer: Tokenizer) -> Seeded:
    index = SqliteIndex(root / "index.sqlite3", tokenizer)
    store = AlertStore(root / "alerts.sqlite3")
    evidence = EvidenceStore(root / "evidence")
    image = _plush_photo()
    page = CapturedExchange(
        "https://item.taobao.example/1001",
        "GET",
        [],
        200,
        [("Content-Type", "text/html")],
        b"<html>plush</html>",
    )
    photo = CapturedExchange(IMAGE_URL, "GET", [], 200, [("Content-Type", "image/png")], image)
    evidence.add("taobao:1001", "warc", build_warc([page, photo]), ".warc", at=SEEN)
    image_entry = evidence.add("taobao:1001", "image", image, ".png", at=SEEN)
    evidence.add("taobao:1001", "screenshot", image, ".png", at=SEEN)

    alert_ids: dict[str, int] = {}
    for listing, finding in _listings():
        index.upsert([IndexedDoc(listing, finding, first_seen=SEEN, last_seen=SEEN)])
        for change in store.record(listing, finding, at=SEEN):
            alert_ids[listing.id] = change.alert.id
    index.refresh()
    # Staff grant each holder its marks; the watchlists narrow within those grants.
    store.grant(OLYMPIC_OFFICE, "family", "olympic", "staff")
    store.grant(GINSENG_ASSOCIATION, "mark", "长白山人参", "staff")
    store.save_watchlist(Watchlist("olympic", OLYMPIC_OFFICE, marks=("冰墩墩", "雪容融")))
    store.save_watchlist(Watchlist("changbaishan", GINSENG_ASSOCIATION, marks=("长白山人参",)))

    engine = console_engine(root / "alerts.sqlite3")
    config = ConsoleConfig(login_max_failures=3, login_delay_seconds=60.0)
    deps = ConsoleDeps(
        backend=ConsoleBackend(index, store, root / "evidence", ConsoleStore(engine)),
        # Cheap argon2 parameters: the tests exercise the flow, not the cost.
        auth=AuthStore(engine, hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)),
        config=config,
        limiter=LoginRateLimiter(
            config.login_max_failures,
            config.login_window_seconds,
            delay_seconds=config.login_delay_seconds,
            engine=engine,
        ),
    )
    tokens = {}
    for name, role, org in (
        ("admin", "admin", ""),
        ("staff", "staff", ""),
        ("olympic", "rights_holder", OLYMPIC_OFFICE),
        ("ginseng", "rights_holder", GINSENG_ASSOCIATION),
    ):
        create_account(deps, name, PASSWORD, role, display_name=name, organisation=org)
        tokens[name] = deps.auth.issue_token(name, "tests")
    return Seeded(deps, alert_ids, tokens, image_entry.sha256, evidence)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token read from a page."""
    page = client.get("/login")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/login", data={"username": username, "password": password, "csrf": token, "next": "/"}
    )
    assert answer.status_code == 303, answer.text
    home = client.get(answer.headers["location"])
    return home.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
