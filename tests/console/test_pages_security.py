"""The pages' security: headers, cookies, CSRF, escaping, login throttling, file access."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from console.app import CSP
from detectors.types import Finding, Listing, MarkHit, Reason
from indexer.base import IndexedDoc

from .seed import PASSWORD, Seeded, login


def test_pages_need_a_login(client: TestClient) -> None:
    answer = client.get("/search?q=冰墩墩")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")


def test_session_cookie_is_httponly_and_samesite(client: TestClient) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/login", data={"username": "staff", "password": PASSWORD, "csrf": token, "next": "/"}
    )
    cookie = next(
        v
        for k, v in answer.headers.multi_items()
        if k == "set-cookie" and v.startswith("mw_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie


def test_every_page_carries_the_security_headers(client: TestClient) -> None:
    login(client, "staff")
    for path in ("/search", "/dashboard", "/portal", "/login"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CSP
        assert "'unsafe-inline'" not in CSP
        assert headers["x-content-type-options"] == "nosniff"


def test_forms_without_the_csrf_token_are_refused(client: TestClient, seeded: Seeded) -> None:
    login(client, "staff")
    plush = seeded.alert_ids["taobao:1001"]
    refused = client.post(f"/alerts/{plush}/triage", data={"action": "confirm"})
    assert refused.status_code == 403
    wrong = client.post(f"/alerts/{plush}/triage", data={"action": "confirm", "csrf": "x"})
    assert wrong.status_code == 403
    assert seeded.deps.backend.alert(plush).status == "new"


def test_login_form_needs_its_csrf_cookie(client: TestClient) -> None:
    answer = client.post(
        "/login", data={"username": "staff", "password": PASSWORD, "csrf": "forged"}
    )
    assert answer.status_code == 403


def test_login_is_rate_limited(client: TestClient) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    codes = []
    for _ in range(4):
        answer = client.post(
            "/login", data={"username": "staff", "password": "wrong pass", "csrf": token}
        )
        codes.append(answer.status_code)
        token = answer.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert codes == [401, 401, 401, 429]
    right = client.post("/login", data={"username": "staff", "password": PASSWORD, "csrf": token})
    assert right.status_code == 429  # even the right password waits out the window
    assert int(right.headers["retry-after"]) > 0


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example", "/\\evil"])
def test_login_never_redirects_off_site(client: TestClient, target: str) -> None:
    page = client.get("/login")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    answer = client.post(
        "/login", data={"username": "staff", "password": PASSWORD, "csrf": token, "next": target}
    )
    assert answer.headers["location"] == "/search"


def test_crawled_markup_is_escaped_everywhere(client: TestClient, seeded: Seeded) -> None:
    login(client, "staff")
    hostile = seeded.alert_ids["pdd:3003"]
    pages = [
        client.get("/search?q=钥匙扣").text,
        client.get(f"/alerts/{hostile}").text,
        client.get("/dashboard").text,
    ]
    for html in pages:
        assert "<script>window.__xss" not in html
        assert "<img src=x" not in html
        assert "<b>bold</b>" not in html
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in pages[1]
    assert 'href="javascript:' not in pages[1]  # a crawled javascript: URL is not linked


def test_search_shows_highlights_facets_and_thumbnails(client: TestClient, seeded: Seeded) -> None:
    login(client, "staff")
    html = client.get("/search?q=冰墩墩").text
    assert '<strong id="total">2</strong>' in html
    assert "<mark>冰墩墩</mark>" in html
    plush = seeded.alert_ids["taobao:1001"]
    assert f'src="/alerts/{plush}/evidence/{seeded.image_sha}"' in html
    narrowed = client.get("/search?q=冰墩墩&platform=pdd").text
    assert '<strong id="total">1</strong>' in narrowed


def test_evidence_files_are_served_only_for_their_alert(client: TestClient, seeded: Seeded) -> None:
    login(client, "staff")
    plush, ginseng = seeded.alert_ids["taobao:1001"], seeded.alert_ids["jd:2002"]
    image = client.get(f"/alerts/{plush}/evidence/{seeded.image_sha}")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png"
    assert "sandbox" in image.headers["content-security-policy"]
    assert client.get(f"/alerts/{ginseng}/evidence/{seeded.image_sha}").status_code == 404
    assert client.get(f"/alerts/{plush}/evidence/..%2F..%2Falerts.sqlite3").status_code == 404


def test_rights_holder_pages_are_scoped(client: TestClient, seeded: Seeded) -> None:
    login(client, "ginseng")
    assert client.get("/search").status_code == 403
    assert client.get(f"/alerts/{seeded.alert_ids['taobao:1001']}").status_code == 404
    portal = client.get("/portal").text
    assert "长白山人参 林下参" in portal
    assert "冰墩墩 毛绒公仔" not in portal


def test_english_on_request(client: TestClient) -> None:
    assert "Log in" in client.get("/login?lang=en").text
    assert "Log in" in client.get("/login").text  # the choice is remembered in a cookie
    client.cookies.set("mw_lang", "zh")
    assert "登录" in client.get("/login", headers={"Accept-Language": "en"}).text


def test_csv_export_neutralises_formulas(client: TestClient, seeded: Seeded) -> None:
    seeded_title = '=HYPERLINK("http://evil")冰墩墩'
    listing = Listing(id="pdd:4004", platform="pdd", title=seeded_title)
    finding = Finding(
        listing.id,
        "suspicious",
        0.5,
        (MarkHit("冰墩墩", "olympic", 0.5, (Reason("mark_in_text", "names it", "冰墩墩"),)),),
    )
    seeded.deps.backend.index.upsert([IndexedDoc(listing, finding)])
    login(client, "staff")
    text = client.get("/search/export.csv?q=冰墩墩").text
    assert text.startswith("\ufefflisting_id,title")
    assert "'=HYPERLINK" in text
    assert len(text.strip().splitlines()) == 4  # header + three 冰墩墩 listings
