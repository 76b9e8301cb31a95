"""Access control, route by route and role by role, read from the app itself.

Every route the FastAPI app serves must have a rule in ROUTE_RULES: a route added without
one fails `test_every_route_has_an_access_rule`, so nobody can ship an endpoint whose
access was never decided. Then every (route, role) pair is requested and must be refused
or let through exactly as its rule says.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest
import requests
from fastapi import FastAPI
from fastapi.testclient import TestClient
from requests.adapters import HTTPAdapter

from alerts.channels import DeliveryError
from alerts.channels.registry import build_channel
from alerts.models import OutboxMessage
from console.app import create_app
from indexer.text import Tokenizer

# The console suite's seeding: accounts of every role, two rights holders, evidence.
from ..console.seed import (  # type: ignore[misc]  # mypy: tests/ is no package
    OLYMPIC_OFFICE,
    PASSWORD,
    Seeded,
    build_seeded,
    login,
)

Need = Literal["public", "user", "staff", "admin"]
Role = Literal["anonymous", "rights_holder", "staff", "admin"]
ROLES: tuple[Role, ...] = ("anonymous", "rights_holder", "staff", "admin")
# The seeded account acting for each role.
ACCOUNT: dict[Role, str] = {"rights_holder": "ginseng", "staff": "staff", "admin": "admin"}
ALLOWED: dict[Need, frozenset[Role]] = {
    "public": frozenset(ROLES),
    "user": frozenset({"rights_holder", "staff", "admin"}),
    "staff": frozenset({"staff", "admin"}),
    "admin": frozenset({"admin"}),
}

# (method, path template) -> who may use it. Pages and API alike.
ROUTE_RULES: dict[tuple[str, str], Need] = {
    ("GET", "/openapi.json"): "public",
    ("GET", "/"): "public",  # redirects to /login or the role's home page
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("POST", "/logout"): "user",
    ("GET", "/search"): "staff",
    ("GET", "/search/export.csv"): "staff",
    ("GET", "/alerts/{alert_id}"): "user",  # rights holders: their own alerts only
    ("GET", "/alerts/{alert_id}/evidence"): "public",  # a bare redirect to the alert page
    ("GET", "/alerts/{alert_id}/evidence/{sha256}"): "user",
    ("GET", "/alerts/{alert_id}/casefile.zip"): "staff",
    ("POST", "/alerts/{alert_id}/triage"): "staff",
    ("POST", "/alerts/{alert_id}/assign"): "staff",
    ("POST", "/alerts/bulk"): "staff",
    ("GET", "/dashboard"): "staff",
    ("GET", "/portal"): "user",
    ("POST", "/portal/watchlists"): "user",
    ("POST", "/portal/watchlists/{name}/deactivate"): "user",
    ("POST", "/portal/channels"): "user",
    ("POST", "/portal/channels/{name}/delete"): "user",
    ("GET", "/admin"): "admin",
    ("POST", "/admin/users"): "admin",
    ("POST", "/admin/users/{username}"): "admin",
    ("POST", "/admin/tokens"): "admin",
    ("POST", "/admin/tokens/{token_id}/revoke"): "admin",
    ("POST", "/admin/schedules"): "admin",
    ("POST", "/admin/schedules/{name}/delete"): "admin",
    ("GET", "/admin/references"): "admin",
    ("POST", "/admin/references"): "admin",
    ("GET", "/api/v1/me"): "user",
    ("GET", "/api/v1/search"): "staff",
    ("GET", "/api/v1/search.csv"): "staff",
    ("GET", "/api/v1/alerts"): "user",
    ("GET", "/api/v1/alerts/{alert_id}"): "user",
    ("GET", "/api/v1/alerts/{alert_id}/evidence/{sha256}"): "user",
    ("GET", "/api/v1/alerts/{alert_id}/casefile"): "staff",
    ("POST", "/api/v1/alerts/{alert_id}/transition"): "staff",
    ("POST", "/api/v1/alerts/bulk"): "staff",
    ("POST", "/api/v1/alerts/{alert_id}/assign"): "staff",
    ("GET", "/api/v1/dashboard"): "staff",
    ("GET", "/api/v1/grants"): "user",  # a rights holder sees their own grant only
    ("PUT", "/api/v1/grants/{organisation}"): "staff",
    ("GET", "/api/v1/watchlists"): "user",
    ("PUT", "/api/v1/watchlists/{name}"): "user",
    ("DELETE", "/api/v1/watchlists/{name}"): "user",
    ("GET", "/api/v1/channels"): "user",
    ("PUT", "/api/v1/channels/{name}"): "user",
    ("DELETE", "/api/v1/channels/{name}"): "user",
    ("GET", "/api/v1/catalog"): "user",
    ("GET", "/api/v1/users"): "admin",
    ("POST", "/api/v1/users"): "admin",
    ("PATCH", "/api/v1/users/{username}"): "admin",
    ("GET", "/api/v1/tokens"): "admin",
    ("POST", "/api/v1/tokens"): "admin",
    ("DELETE", "/api/v1/tokens/{token_id}"): "admin",
    ("GET", "/api/v1/schedules"): "admin",
    ("PUT", "/api/v1/schedules/{name}"): "admin",
    ("DELETE", "/api/v1/schedules/{name}"): "admin",
}
# Path parameters point at things that do not exist, so allowed requests change nothing.
FILLERS = {
    "alert_id": "999999",
    "sha256": "0" * 64,
    "name": "no-such-thing",
    "username": "nobody",
    "token_id": "999999",
    "organisation": "no-such-organisation",
}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves, included routers flattened."""
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        entries = list(contexts()) if callable(contexts) else [route]
        for entry in entries:
            methods = getattr(entry, "methods", None) or set()
            found |= {(m, str(getattr(entry, "path", ""))) for m in methods if m != "HEAD"}
    return found


@dataclass
class Sessions:
    seeded: Seeded
    clients: dict[Role, TestClient]
    csrf: dict[Role, str]


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sessions]:
    seeded = build_seeded(tmp_path_factory.mktemp("console"), Tokenizer(["冰墩墩", "长白山人参"]))
    app = create_app(seeded.deps)
    clients: dict[Role, TestClient] = {}
    csrf: dict[Role, str] = {}
    try:
        for role in ROLES:
            client = TestClient(app, follow_redirects=False).__enter__()
            clients[role] = client
            if role != "anonymous":
                csrf[role] = login(client, ACCOUNT[role])
        yield Sessions(seeded, clients, csrf)
    finally:
        for client in clients.values():
            client.__exit__(None, None, None)
        seeded.deps.backend.index.close()
        seeded.deps.backend.store.close()


def test_every_route_has_an_access_rule(sessions: Sessions) -> None:
    app = sessions.clients["anonymous"].app
    assert isinstance(app, FastAPI)
    served = app_routes(app)
    assert served - set(ROUTE_RULES) == set(), "routes without an access rule"
    assert set(ROUTE_RULES) - served == set(), "rules for routes that no longer exist"


def _request(sessions: Sessions, role: Role, method: str, template: str) -> Any:
    path = re.sub(r"\{(\w+)\}", lambda m: FILLERS[m.group(1)], template)
    client = sessions.clients[role]
    kwargs: dict[str, Any] = {}
    if template.startswith("/api/"):
        if role != "anonymous":
            kwargs["headers"] = {"Authorization": f"Bearer {sessions.seeded.tokens[ACCOUNT[role]]}"}
        if method in ("POST", "PUT", "PATCH"):
            kwargs["json"] = {}
    elif template == "/login" and method == "POST":
        # The login form's own CSRF token (double submit), and an account that does not exist.
        page = client.get("/login").text
        token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        kwargs["data"] = {"username": "nobody", "password": "wrong", "csrf": token}
    elif method == "POST":
        kwargs["data"] = {"csrf": sessions.csrf.get(role, "")}
    return client.request(method, path, **kwargs)


# /logout ends the session the other cases use: it goes last.
ORDERED = sorted(ROUTE_RULES, key=lambda key: key == ("POST", "/logout"))


@pytest.mark.parametrize("role", ROLES)
def test_every_route_refuses_or_serves_each_role_by_its_rule(
    sessions: Sessions, role: Role
) -> None:
    wrong: list[str] = []
    for method, template in ORDERED:
        need = ROUTE_RULES[(method, template)]
        answer = _request(sessions, role, method, template)
        status = answer.status_code
        to_login = status in (302, 303) and answer.headers["location"].startswith("/login")
        api = template.startswith("/api/")
        if need == "public":
            ok = status != 403 and status < 500  # "/" may send anyone to the login page
        elif role in ALLOWED[need]:
            done = to_login and (method, template) == ("POST", "/logout")
            ok = status not in (401, 403) and (done or not to_login) and status < 500
        elif role == "anonymous":
            ok = status == 401 if api else to_login
        else:
            ok = status == 403
        if not ok:
            wrong.append(f"{role} {method} {template} -> {status}")
    assert not wrong, "\n".join(wrong)


# A rights holder reaching for another holder's things gets 404, as if they did not exist.
@pytest.mark.parametrize(
    ("method", "template"),
    [
        ("GET", "/api/v1/alerts/{plush}"),
        ("GET", "/api/v1/alerts/{plush}/evidence/{sha}"),
        ("GET", "/alerts/{plush}"),
        ("GET", "/alerts/{plush}/evidence/{sha}"),
        ("DELETE", "/api/v1/watchlists/olympic"),
        ("PUT", "/api/v1/watchlists/olympic"),
    ],
)
def test_rights_holders_cannot_see_or_touch_each_others_things(
    tmp_path: Path, method: str, template: str
) -> None:
    seeded = build_seeded(tmp_path, Tokenizer(["冰墩墩"]))
    path = template.format(plush=seeded.alert_ids["taobao:1001"], sha=seeded.image_sha)
    api = template.startswith("/api/")

    def acting_as(client: TestClient, user: str) -> dict[str, Any]:
        if api:
            return {"headers": {"Authorization": f"Bearer {seeded.tokens[user]}"}}
        client.cookies.clear()
        login(client, user)
        return {}

    with TestClient(create_app(seeded.deps), follow_redirects=False) as client:
        if method == "GET":  # the owner does see it
            assert client.get(path, **acting_as(client, "olympic")).status_code == 200
        body: dict[str, Any] = {"json": {"marks": ["长白山人参"]}} if method == "PUT" else {}
        answer = client.request(method, path, **acting_as(client, "ginseng"), **body)
        assert answer.status_code == 404
        mine = client.get(
            "/api/v1/watchlists", headers={"Authorization": f"Bearer {seeded.tokens['olympic']}"}
        ).json()["watchlists"]
        assert [(w["marks"], w["owner"]) for w in mine if w["name"] == "olympic"] == [
            (["冰墩墩", "雪容融"], OLYMPIC_OFFICE)
        ]
    seeded.deps.backend.index.close()
    seeded.deps.backend.store.close()


def test_revoked_tokens_and_closed_sessions_stop_working(tmp_path: Path) -> None:
    seeded = build_seeded(tmp_path, Tokenizer(["冰墩墩"]))
    admin = {"Authorization": f"Bearer {seeded.tokens['admin']}"}
    with TestClient(create_app(seeded.deps), follow_redirects=False) as client:
        token = client.post("/api/v1/tokens", headers=admin, json={"username": "staff"}).json()
        bearer = {"Authorization": f"Bearer {token['token']}"}
        assert client.get("/api/v1/alerts", headers=bearer).status_code == 200
        listed = client.get("/api/v1/tokens", headers=admin).json()["tokens"]
        assert token["token"] not in str(listed)  # the secret is shown once, at issue
        newest = max(t["id"] for t in listed if t["username"] == "staff")
        assert client.delete(f"/api/v1/tokens/{newest}", headers=admin).status_code == 204
        assert client.get("/api/v1/alerts", headers=bearer).status_code == 401
        # The holder's older token is untouched by revoking someone else's.
        other = {"Authorization": f"Bearer {seeded.tokens['staff']}"}
        assert client.get("/api/v1/alerts", headers=other).status_code == 200

        # Revoking from the admin page works the same.
        oldest = min(t["id"] for t in listed if t["username"] == "staff")
        csrf = login(client, "admin")
        revoked = client.post(f"/admin/tokens/{oldest}/revoke", data={"csrf": csrf})
        assert revoked.status_code == 303
        assert client.get("/api/v1/alerts", headers=other).status_code == 401

        # A closed session's cookie is dead even if someone kept a copy.
        cookie = dict(client.cookies)
        assert client.post("/logout", data={"csrf": csrf}).status_code == 303
        client.cookies.clear()
        client.cookies.update(cookie)
        answer = client.get("/admin")
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    seeded.deps.backend.index.close()
    seeded.deps.backend.store.close()


WEBHOOK_SECRET = "whsec-9f8e7d6c5b4a-do-not-log"
URL_TOKEN = "tok-3c2b1a0f9e8d-in-the-url"
DING_TOKEN = "d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2"


def _robot_api_refuses(
    adapter: HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any
) -> requests.Response:
    # The robot API (reached through apprise and requests) answers 500; no network used.
    response = requests.Response()
    response.status_code = 500
    response._content = b'{"errcode":500,"errmsg":"busy"}'
    response.url = request.url or ""
    response.request = request
    return response


def _message() -> OutboxMessage:
    payload = {"type": "alert", "idempotency_key": "mw-alert-1-abc", "alert_id": 1,
               "mark": "冰墩墩", "kind": "olympic", "verdict": "infringing", "score": 0.9,
               "reasons": [], "listing": {"url": "https://item.example/1", "title": "冰墩墩",
                                          "price": 1.0, "currency": "CNY", "platform": "jd",
                                          "seller": {"name": "店", "location": "", "id": "s",
                                                     "credit_code": None}},
               "links": {}, "language": "zh"}  # fmt: skip
    return OutboxMessage(1, 1, "hook", "mw-alert-1-abc", payload, 0)  # type: ignore[arg-type]


def test_secrets_never_reach_a_log_line_even_at_debug(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    unused_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seeded = build_seeded(tmp_path, Tokenizer(["冰墩墩"]))
    monkeypatch.setattr(HTTPAdapter, "send", _robot_api_refuses)
    secrets = [PASSWORD, WEBHOOK_SECRET, URL_TOKEN, DING_TOKEN, *seeded.tokens.values()]
    hook_url = f"http://127.0.0.1:{unused_port}/hook?token={URL_TOKEN}"
    with (
        caplog.at_level(logging.DEBUG),
        TestClient(create_app(seeded.deps), follow_redirects=False) as client,
    ):
        for user in ("admin", "staff", "ginseng"):
            login(client, user)
            client.cookies.clear()
        for token in seeded.tokens.values():
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        saved = client.put(
            "/api/v1/channels/assoc", json={"type": "webhook", "options": {
                "url": "https://93.184.216.34/hook", "secret": WEBHOOK_SECRET}},
            headers={"Authorization": f"Bearer {seeded.tokens['ginseng']}"},
        )  # fmt: skip
        assert saved.status_code == 204
        shown = client.get(
            "/api/v1/channels", headers={"Authorization": f"Bearer {seeded.tokens['ginseng']}"}
        ).text
        assert WEBHOOK_SECRET not in shown
        # Deliveries that fail write errors: the URL token and secrets stay out of them.
        for table in (
            {"type": "webhook", "url": hook_url, "secret": WEBHOOK_SECRET},
            {"type": "dingtalk", "token": DING_TOKEN},
        ):
            channel = build_channel("hook", table)
            with pytest.raises(DeliveryError) as caught:
                channel.send(_message())
            logging.getLogger("markwatch.test").error("delivery failed: %s", caught.value)
            channel.close()
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert caplog.records, "nothing was logged: the check would prove nothing"
    leaked = [s for s in secrets if s in logged]
    assert not leaked, f"secrets in the log: {leaked}"
    # Neither passwords nor tokens are stored in the clear either.
    stored = (tmp_path / "alerts.sqlite3").read_bytes()
    assert not [s for s in (PASSWORD, *seeded.tokens.values()) if s.encode() in stored]
    seeded.deps.backend.index.close()
    seeded.deps.backend.store.close()
