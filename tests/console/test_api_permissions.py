"""Each role's permissions on the REST API, and the rights-holder scoping of alerts."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .seed import GINSENG_ASSOCIATION, Seeded


def auth(seeded: Seeded, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.tokens[user]}"}


# (user, method, path, expected status); {plush}/{ginseng} are alert ids.
CASES = [
    ("staff", "GET", "/api/v1/search?q=冰墩墩", 200),
    ("olympic", "GET", "/api/v1/search?q=冰墩墩", 403),
    ("staff", "GET", "/api/v1/alerts/{ginseng}", 200),
    ("ginseng", "GET", "/api/v1/alerts/{ginseng}", 200),
    ("olympic", "GET", "/api/v1/alerts/{ginseng}", 404),  # another holder's alert
    ("ginseng", "GET", "/api/v1/alerts/{plush}", 404),
    ("olympic", "GET", "/api/v1/alerts/{plush}", 200),
    ("olympic", "GET", "/api/v1/alerts/{plush}/casefile", 403),
    ("staff", "GET", "/api/v1/alerts/{plush}/casefile", 200),
    ("olympic", "GET", "/api/v1/dashboard", 403),
    ("staff", "GET", "/api/v1/dashboard", 200),
    ("staff", "GET", "/api/v1/users", 403),
    ("admin", "GET", "/api/v1/users", 200),
    ("staff", "GET", "/api/v1/tokens", 403),
    ("olympic", "GET", "/api/v1/schedules", 403),
    ("admin", "GET", "/api/v1/schedules", 200),
    ("olympic", "GET", "/api/v1/watchlists", 200),
    ("admin", "GET", "/api/v1/alerts/999999", 404),
]


@pytest.mark.parametrize(("user", "method", "path", "status"), CASES)
def test_role_permissions(
    client: TestClient, seeded: Seeded, user: str, method: str, path: str, status: int
) -> None:
    url = path.format(plush=seeded.alert_ids["taobao:1001"], ginseng=seeded.alert_ids["jd:2002"])
    assert client.request(method, url, headers=auth(seeded, user)).status_code == status


@pytest.mark.parametrize("header", [None, "Bearer mwt_not-a-token", "Basic YWRtaW46eA=="])
def test_api_refuses_missing_or_bad_tokens(client: TestClient, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    answer = client.get("/api/v1/alerts", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


def test_a_session_cookie_does_not_open_the_api(client: TestClient, seeded: Seeded) -> None:
    from .seed import login

    login(client, "staff")
    assert client.get("/api/v1/alerts").status_code == 401


def test_rights_holder_lists_only_alerts_of_their_watchlists(
    client: TestClient, seeded: Seeded
) -> None:
    olympic = client.get("/api/v1/alerts", headers=auth(seeded, "olympic")).json()["alerts"]
    ginseng = client.get("/api/v1/alerts", headers=auth(seeded, "ginseng")).json()["alerts"]
    staff = client.get("/api/v1/alerts", headers=auth(seeded, "staff")).json()["alerts"]
    assert {a["mark"] for a in olympic} == {"冰墩墩"}
    assert {a["listing_id"] for a in olympic} == {"taobao:1001", "pdd:3003"}
    assert [a["mark"] for a in ginseng] == ["长白山人参"]
    assert len(staff) == 4


def test_rights_holder_cannot_triage(client: TestClient, seeded: Seeded) -> None:
    plush = seeded.alert_ids["taobao:1001"]
    answer = client.post(
        f"/api/v1/alerts/{plush}/transition",
        json={"action": "dismiss", "reason": "licensed"},
        headers=auth(seeded, "olympic"),
    )
    assert answer.status_code == 403
    assert (
        client.get(f"/api/v1/alerts/{plush}", headers=auth(seeded, "staff")).json()["alert"][
            "status"
        ]
        == "new"
    )


def test_staff_triage_through_the_api(client: TestClient, seeded: Seeded) -> None:
    plush = seeded.alert_ids["taobao:1001"]
    staff = auth(seeded, "staff")
    refused = client.post(
        f"/api/v1/alerts/{plush}/transition", json={"action": "refer"}, headers=staff
    )
    assert refused.status_code == 409  # a referral needs a case number and an agency
    done = client.post(
        f"/api/v1/alerts/{plush}/transition", json={"action": "confirm"}, headers=staff
    )
    assert done.json()["status"] == "confirmed"
    bulk = client.post(
        "/api/v1/alerts/bulk",
        headers=staff,
        json={
            "ids": [plush, seeded.alert_ids["jd:2002"]],
            "action": "refer",
            "case_number": "吉市监〔2026〕12号",
            "agency": "吉林省市场监督管理厅",
        },
    )
    # The new ginseng alert must be confirmed first; the plush one moves on.
    assert bulk.json()["done"] == [plush]
    assert [f["id"] for f in bulk.json()["failed"]] == [seeded.alert_ids["jd:2002"]]


def test_holder_watchlists_are_their_own(client: TestClient, seeded: Seeded) -> None:
    ginseng = auth(seeded, "ginseng")
    taken = client.put(
        "/api/v1/watchlists/olympic", json={"marks": ["长白山人参"]}, headers=ginseng
    )
    assert taken.status_code == 404  # someone else's watchlist is not there for them
    outside = client.put("/api/v1/watchlists/jian", json={"marks": ["集安人参"]}, headers=ginseng)
    assert outside.status_code == 403  # not granted to the association
    saved = client.put(
        "/api/v1/watchlists/jian",
        json={"marks": ["长白山人参"], "regions": ["安徽"]},
        headers=ginseng,
    )
    assert saved.status_code == 200
    assert saved.json()["owner"] == GINSENG_ASSOCIATION
    names = {
        w["name"] for w in client.get("/api/v1/watchlists", headers=ginseng).json()["watchlists"]
    }
    assert names == {"changbaishan", "jian"}


def test_holder_channels_mask_secrets_and_stay_private(client: TestClient, seeded: Seeded) -> None:
    ginseng = auth(seeded, "ginseng")
    saved = client.put(
        "/api/v1/channels/assoc-hook",
        headers=ginseng,
        json={
            "type": "webhook",
            "options": {"url": "https://93.184.216.34/hook", "secret": "s3cret-signing-key"},
        },
    )
    assert saved.status_code == 204
    shown = client.get("/api/v1/channels", headers=ginseng).json()["channels"]
    assert shown[0]["options"]["secret"] != "s3cret-signing-key"
    assert client.get("/api/v1/channels", headers=auth(seeded, "olympic")).json() == {
        "channels": []
    }
    assert (
        client.delete("/api/v1/channels/assoc-hook", headers=auth(seeded, "olympic")).status_code
        == 404
    )
    bad = client.put("/api/v1/channels/x", headers=ginseng, json={"type": "webhook", "options": {}})
    assert bad.status_code == 400


def test_openapi_lists_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/alerts/{alert_id}" in spec["paths"]
    assert "/api/v1/search" in spec["paths"]
    assert not any(p.startswith("/search") for p in spec["paths"])  # pages stay out


def test_admin_manages_users_and_tokens(client: TestClient, seeded: Seeded) -> None:
    admin = auth(seeded, "admin")
    weak = client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": "li", "password": "short", "role": "staff"},
    )
    assert weak.status_code == 400
    made = client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": "li", "password": "long enough password", "role": "staff"},
    )
    assert made.status_code == 201
    token = client.post("/api/v1/tokens", headers=admin, json={"username": "li"}).json()["token"]
    li = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=li).json()["role"] == "staff"
    client.patch("/api/v1/users/li", headers=admin, json={"active": False})
    assert client.get("/api/v1/me", headers=li).status_code == 401
