"""No 500 from any /api/v1 route: Hypothesis requests built from the app's own OpenAPI.

Every route's path, query and body parameters come from /openapi.json (so a route added
later is covered without touching this file); values are drawn both inside and outside the
schema (huge ids, odd strings, wrong types). Requests carry an admin's token, so they get
past authentication to the code that reads the parameters. Plus the inputs the issue found.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.app import create_app
from indexer.text import Tokenizer

from ..console.seed import Seeded, build_seeded, login  # type: ignore[misc]

HUGE = st.sampled_from([0, -1, 2**63, 2**63 - 1, 2**64, 10**30, -(2**63) - 1])
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
ODD = st.one_of(
    TEXT,
    st.sampled_from(
        [
            "/",
            "..",
            "%2F",
            "a/b",
            "9999-12-31",
            "0000-00-00",
            "冰墩墩",
            "\x00",
            " ",
            "-1",
            "1e400",
            "NaN",
        ]
    ),
)


def _spec_and_app(tmp_path: Path) -> tuple[Seeded, TestClient, dict[str, Any]]:
    seeded = build_seeded(tmp_path, Tokenizer(["冰墩墩"]))
    client = TestClient(
        create_app(seeded.deps), raise_server_exceptions=False, follow_redirects=False
    )
    return seeded, client, client.get("/openapi.json").json()


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def value_for(spec: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> Any:
    """A strategy for `schema`, mixed with values that break it."""
    schema = _resolve(spec, schema)
    if "anyOf" in schema:
        return st.one_of([value_for(spec, s, depth + 1) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.one_of(st.sampled_from(schema["enum"]), ODD)
    kind = schema.get("type")
    if kind == "integer":
        return st.one_of(st.integers(min_value=-5, max_value=10**6), HUGE)
    if kind == "number":
        return st.one_of(st.floats(allow_nan=False, allow_infinity=False), HUGE)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        item = value_for(spec, schema.get("items", {}), depth + 1)
        return st.lists(item, max_size=4)
    if kind == "object" or "properties" in schema:
        if depth > 3:
            return st.just({})
        properties = {
            k: value_for(spec, v, depth + 1) for k, v in schema.get("properties", {}).items()
        }
        return st.fixed_dictionaries({}, optional=properties)
    if schema.get("format") == "date":
        return st.one_of(st.dates().map(str), ODD)
    if kind == "null":
        return st.none()
    return ODD


def _routes() -> list[tuple[str, str]]:
    seeded = build_seeded(Path(__import__("tempfile").mkdtemp()), Tokenizer(["冰墩墩"]))
    spec = TestClient(create_app(seeded.deps)).get("/openapi.json").json()
    seeded.deps.backend.index.close()
    seeded.deps.backend.store.close()
    return sorted(
        (m.upper(), p) for p, ops in spec["paths"].items() for m in ops if p.startswith("/api/v1")
    )


ROUTES = _routes()


@pytest.fixture(scope="module")
def app_state(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Seeded, TestClient, dict[str, Any]]]:
    seeded, client, spec = _spec_and_app(tmp_path_factory.mktemp("props"))
    with client:
        yield seeded, client, spec
    seeded.deps.backend.index.close()
    seeded.deps.backend.store.close()


def test_openapi_documents_every_route(app_state: Any) -> None:
    _seeded, _client, spec = app_state
    search = spec["paths"]["/api/v1/search"]["get"]
    names = {p["name"] for p in search["parameters"]}
    assert {
        "q",
        "mark",
        "verdict",
        "platform",
        "region",
        "seller",
        "status",
        "from",
        "to",
        "sort",
        "after",
    } <= names
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/v1"):
            continue
        for method, operation in operations.items():
            code, ok = next((k, v) for k, v in operation["responses"].items() if k[0] == "2")
            if code == "204":  # no content by definition
                continue
            content = ok.get("content") or {}
            assert content, f"{method} {path} has no response schema"
            if "application/json" in content:
                assert content["application/json"]["schema"], f"{method} {path}: empty schema"


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_no_route_answers_500(app_state: Any, method: str, path: str) -> None:
    seeded, client, spec = app_state
    operation = spec["paths"][path][method.lower()]
    params = operation.get("parameters", [])
    body_schema = (
        operation.get("requestBody", {})
        .get("content", {})
        .get("application/json", {})
        .get("schema")
    )
    path_values = {p["name"]: value_for(spec, p["schema"]) for p in params if p["in"] == "path"}
    query_values = {p["name"]: value_for(spec, p["schema"]) for p in params if p["in"] == "query"}
    bodies = value_for(spec, body_schema) if body_schema else st.none()

    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        st.fixed_dictionaries(path_values),
        st.fixed_dictionaries({}, optional=query_values),
        bodies,
        st.sampled_from(["admin", "staff", "ginseng"]),
    )
    def check(path_args: dict[str, Any], query: dict[str, Any], body: Any, user: str) -> None:
        url = path
        for name, value in path_args.items():
            url = url.replace("{" + name + "}", quote(str(value), safe="") or "x")
        answer = client.request(
            method,
            url,
            params={k: v for k, v in query.items() if v is not None},
            headers={"Authorization": f"Bearer {seeded.tokens[user]}"},
            **({"json": body} if body is not None else {}),
        )
        assert answer.status_code < 500, (method, url, query, body, answer.text[:300])

    check()


def _staff(seeded: Seeded) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.tokens['staff']}"}


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/v1/search?to=9999-12-31", 200),
        ("/api/v1/search?from=9999-12-31&to=9999-12-31", 200),
        ("/api/v1/search?to=2026-02-30", 422),
        ("/api/v1/search?after=" + base64.urlsafe_b64encode(b"[1, 2, 3]").decode(), 400),
        (
            "/api/v1/search?after=" + base64.urlsafe_b64encode(json.dumps([1]).encode()).decode(),
            400,
        ),
        ("/api/v1/search?after=!!!", 400),
        ("/api/v1/search.csv?after=" + base64.urlsafe_b64encode(b'["a"]').decode(), 400),
        (f"/api/v1/alerts/{2**63}", 422),
        (f"/api/v1/alerts/{2**64 + 5}/evidence/{'0' * 64}", 422),
        ("/api/v1/alerts?limit=100000", 422),
    ],
)
def test_the_inputs_that_used_to_fail(app_state: Any, url: str, status: int) -> None:
    seeded, client, _spec = app_state
    assert client.get(url, headers=_staff(seeded)).status_code == status


def test_ids_assignments_names_and_sizes(app_state: Any) -> None:
    seeded, client, _spec = app_state
    staff = _staff(seeded)
    some = next(iter(seeded.alert_ids.values()))
    assert (
        client.post(
            f"/api/v1/alerts/{2**63}/assign", json={"assignee": "staff"}, headers=staff
        ).status_code
        == 422
    )
    assert (
        client.post(
            "/api/v1/alerts/bulk", json={"action": "confirm", "ids": [2**63]}, headers=staff
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/v1/alerts/{some}/assign",
            json={"ids": [999999], "assignee": "staff"},
            headers=staff,
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/alerts/{some}/assign", json={"assignee": "nobody"}, headers=staff
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/alerts/{some}/assign", json={"assignee": "staff"}, headers=staff
        ).status_code
        == 200
    )
    holder = {"Authorization": f"Bearer {seeded.tokens['ginseng']}"}
    slash = client.put("/api/v1/watchlists/a%2Fb", json={"marks": ["长白山人参"]}, headers=holder)
    assert slash.status_code in (400, 404)
    big = client.put(
        "/api/v1/watchlists/big",
        content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        headers={**holder, "Content-Type": "application/json"},
    )
    assert big.status_code == 413


def test_pages_answer_huge_ids_with_404(tmp_path: Path) -> None:
    seeded = build_seeded(tmp_path, Tokenizer(["冰墩墩"]))
    with TestClient(
        create_app(seeded.deps), raise_server_exceptions=False, follow_redirects=False
    ) as client:
        csrf = login(client, "staff")
        assert client.get(f"/alerts/{2**64}").status_code == 404
        assert client.get(f"/alerts/{2**64}/evidence/{'0' * 64}").status_code == 404
        for path, data in (
            (f"/alerts/{2**64}/assign", {"assignee": "staff"}),
            (f"/alerts/{2**64}/triage", {"action": "confirm"}),
            ("/alerts/bulk", {"action": "confirm", "ids": str(2**64)}),
        ):
            answer = client.post(path, data={**data, "csrf": csrf})
            assert answer.status_code < 500, (path, answer.status_code)
        assert client.get("/search?to=9999-12-31").status_code == 200
    seeded.deps.backend.index.close()
    seeded.deps.backend.store.close()
