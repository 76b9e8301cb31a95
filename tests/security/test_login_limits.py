"""Login protection under concurrency: counted before the password check, shared through the
database, exponential delay instead of an account lock, admins not lockable by strangers.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from console.app import create_app
from console.ratelimit import LoginRateLimiter, client_address
from console.tables import console_engine
from indexer.text import Tokenizer

from ..console.seed import PASSWORD, Seeded, build_seeded  # type: ignore[misc]

PROXY = "testclient"  # the peer address Starlette's TestClient reports


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    built = build_seeded(tmp_path, Tokenizer(["冰墩墩"]))
    yield built
    built.deps.backend.index.close()
    built.deps.backend.store.close()


def _app_with(seeded: Seeded, checked: list[str], **config: Any) -> TestClient:
    deps = seeded.deps
    real = deps.auth.authenticate
    lock = threading.Lock()

    def counting(username: str, password: str) -> Any:
        with lock:
            checked.append(username)
        return real(username, password)

    deps.auth.authenticate = counting  # type: ignore[method-assign]
    cfg = dataclasses.replace(deps.config, login_max_failures=5, login_delay_seconds=60.0, **config)
    limiter = LoginRateLimiter(5, 300, delay_seconds=60.0, engine=deps.auth.engine)
    app = create_app(dataclasses.replace(deps, config=cfg, limiter=limiter))
    return TestClient(app, follow_redirects=False)


def _attempt(client: TestClient, username: str, password: str, forwarded: str | None = None) -> int:
    page = client.get("/login")
    csrf = page.cookies.get("mw_login_csrf") or client.cookies.get("mw_login_csrf", path="/login")
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf": csrf},
        headers=headers,
        cookies={"mw_login_csrf": csrf},
    )
    return answer.status_code


def test_twenty_parallel_wrong_passwords_check_at_most_five(seeded: Seeded) -> None:
    checked: list[str] = []
    with _app_with(seeded, checked) as client:
        csrf = client.get("/login").cookies["mw_login_csrf"]

        def guess(i: int) -> int:
            return client.post(
                "/login",
                data={"username": "staff", "password": f"wrong {i}", "csrf": csrf},
                cookies={"mw_login_csrf": csrf},
            ).status_code

        with ThreadPoolExecutor(max_workers=20) as pool:
            codes = list(pool.map(guess, range(20)))
    assert len(checked) <= 5, checked
    assert codes.count(401) == len(checked) and codes.count(429) == 20 - len(checked)


def test_an_admin_is_not_locked_out_by_a_stranger(seeded: Seeded) -> None:
    checked: list[str] = []
    with _app_with(seeded, checked, trusted_proxies=(PROXY,)) as client:
        codes = [_attempt(client, "admin", "wrong", forwarded="203.0.113.9") for _ in range(8)]
        assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
        # The admin, from another address, gets in at once.
        assert _attempt(client, "admin", PASSWORD, forwarded="198.51.100.7") == 303


def test_a_staff_account_waits_an_exponential_delay_not_a_lock(tmp_path: Path) -> None:
    now = [1000.0]
    limiter = LoginRateLimiter(
        3, 300, lambda: now[0], delay_seconds=2.0, engine=console_engine(tmp_path / "c.sqlite3")
    )
    keys = ["user:staff"]
    assert [limiter.reserve(keys) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.reserve(keys) == pytest.approx(2.0)  # 3 tries used: wait 2 s
    now[0] += 2.0
    assert limiter.reserve(keys) == 0.0  # one more try after the delay ...
    assert limiter.reserve(keys) == pytest.approx(4.0)  # ... then the delay doubles
    now[0] += 4.0
    limiter.reserve(keys)
    assert limiter.reserve(keys) == pytest.approx(8.0)
    limiter.succeeded(keys)
    assert limiter.reserve(keys) == 0.0


def test_two_console_processes_share_the_counter(tmp_path: Path) -> None:
    # Two limiters on one database stand for two console processes.
    engine_a = console_engine(tmp_path / "c.sqlite3")
    engine_b = console_engine(tmp_path / "c.sqlite3")
    limiters = [
        LoginRateLimiter(5, 300, delay_seconds=60.0, engine=e) for e in (engine_a, engine_b)
    ]
    with ThreadPoolExecutor(max_workers=20) as pool:
        waits = list(pool.map(lambda i: limiters[i % 2].reserve(["user:staff"]), range(20)))
    assert waits.count(0.0) == 5


def test_forwarded_for_is_read_only_from_a_trusted_proxy(seeded: Seeded) -> None:
    assert client_address("10.0.0.2", "203.0.113.9", ()) == "10.0.0.2"
    assert client_address("10.0.0.2", "203.0.113.9", ("10.0.0.2",)) == "203.0.113.9"
    assert client_address("10.0.0.2", "1.2.3.4, 203.0.113.9", ("10.0.0.2",)) == "203.0.113.9"
    checked: list[str] = []
    with _app_with(seeded, checked) as client:  # no trusted proxy: the header is ignored
        codes = [_attempt(client, "staff", "wrong", forwarded=f"203.0.113.{i}") for i in range(7)]
    assert codes == [401] * 5 + [429] * 2


@pytest.mark.parametrize(
    "change", [{"password": "a new long password"}, {"active": False}, {"role": "staff"}]
)
def test_tokens_die_with_a_password_change_or_deactivation(
    seeded: Seeded, change: dict[str, Any]
) -> None:
    admin = {"Authorization": f"Bearer {seeded.tokens['admin']}"}
    holder = {"Authorization": f"Bearer {seeded.tokens['ginseng']}"}
    with TestClient(create_app(seeded.deps)) as client:
        assert client.get("/api/v1/me", headers=holder).status_code == 200
        assert client.patch("/api/v1/users/ginseng", json=change, headers=admin).status_code == 200
        if change.get("active") is False:  # re-enabling must not bring the token back
            assert (
                client.patch(
                    "/api/v1/users/ginseng", json={"active": True}, headers=admin
                ).status_code
                == 200
            )
        assert client.get("/api/v1/me", headers=holder).status_code == 401
