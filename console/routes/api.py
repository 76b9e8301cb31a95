"""The REST API (`/api/v1`), mirroring the pages; bearer-token authentication.

Every route states the role it needs through its dependency (`api_principal`, `api_staff`,
`api_admin`); a rights holder's requests are scoped to their own watchlists, and an alert
outside them answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from console import triage
from console.auth import AuthError
from console.backend import (
    AlertDetail,
    BlockedTarget,
    NotFound,
    TransitionError,
    WatchlistError,
)
from console.console_store import CrawlSchedule
from console.params import encode_cursor, parse_search
from console.routes.admin import create_account
from console.routes.alerts import case_file_response, detail_or_404, evidence_response
from console.web import (
    ApiAdmin,
    ApiStaff,
    ApiUser,
    deps_of,
    owner_scope,
)

router = APIRouter(prefix="/api/v1", tags=["api"])


class TriageBody(BaseModel):
    action: str = Field(description="confirm | dismiss | refer | close | reopen")
    reason: str = ""
    case_number: str = ""
    agency: str = ""


class BulkBody(TriageBody):
    ids: list[int]


class AssignBody(BaseModel):
    ids: list[int] = []
    assignee: str = Field(description="user name; empty to unassign")


class WatchlistBody(BaseModel):
    owner: str | None = Field(None, description="staff only; rights holders own what they save")
    marks: list[str] = []
    kinds: list[str] = []
    keywords: list[str] = []
    sellers: list[str] = []
    platforms: list[str] = []
    regions: list[str] = []
    min_verdict: str = "suspicious"
    min_score: float = 0.0
    channels: list[str] = []
    delivery: str = "immediate"
    language: str = "zh"
    active: bool = True


class ChannelBody(BaseModel):
    type: str
    options: dict[str, Any] = {}


class UserBody(BaseModel):
    username: str
    password: str
    role: str
    display_name: str = ""
    organisation: str = ""


class UserChange(BaseModel):
    role: str | None = None
    organisation: str | None = None
    active: bool | None = None
    password: str | None = None


class TokenBody(BaseModel):
    username: str
    label: str = ""


class ScheduleBody(BaseModel):
    spider: str
    cron: str
    arguments: dict[str, str] = {}
    enabled: bool = True


def _detail_json(detail: AlertDetail) -> dict[str, Any]:
    data = dataclasses.asdict(detail)
    data["title"] = "".join(text for text, _ in detail.title)
    data["description"] = "".join(text for text, _ in detail.description)
    return data


def _bad_request(exc: Exception) -> HTTPException:
    return HTTPException(status_code=400, detail=str(exc))


@router.get("/me")
def me(principal: ApiUser) -> dict[str, Any]:
    return dataclasses.asdict(principal)


@router.get("/search")
def search(request: Request, principal: ApiStaff) -> dict[str, Any]:
    """Query string as the search page: q, mark, verdict, platform, region, seller, status,
    from, to (YYYY-MM-DD), sort, after (cursor from `next`)."""
    deps = deps_of(request)
    result = deps.backend.search(parse_search(request.query_params, deps.config.page_size))
    rows = []
    for row in result.rows:
        item = dataclasses.asdict(row)
        item["title"] = "".join(text for text, _ in row.title)
        item["highlight"] = [[text, emphasised] for text, emphasised in row.title]
        rows.append(item)
    return {
        "total": result.total,
        "hits": rows,
        "facets": result.facets,
        "next": encode_cursor(result.next_after) or None,
    }


@router.get("/search.csv", response_class=StreamingResponse)
def search_csv(request: Request, principal: ApiStaff) -> Response:
    return StreamingResponse(
        deps_of(request).backend.export_csv(parse_search(request.query_params)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="markwatch-search.csv"'},
    )


@router.get("/alerts")
def list_alerts(
    request: Request,
    principal: ApiUser,
    status: str | None = None,
    mark: str | None = None,
    limit: int = 100,
) -> dict[str, Any]:
    backend = deps_of(request).backend
    found = backend.alerts(
        owner_scope(principal), status=status, mark=mark, limit=max(1, min(limit, 1000))
    )
    return {"alerts": [dataclasses.asdict(a) for a in found]}


@router.get("/alerts/{alert_id}")
def get_alert(request: Request, principal: ApiUser, alert_id: int) -> dict[str, Any]:
    return _detail_json(detail_or_404(deps_of(request).backend, alert_id, owner_scope(principal)))


@router.get("/alerts/{alert_id}/evidence/{sha256}")
def get_evidence(request: Request, principal: ApiUser, alert_id: int, sha256: str) -> Response:
    return evidence_response(request, alert_id, sha256, owner_scope(principal))


@router.get("/alerts/{alert_id}/casefile", response_class=Response)
def get_case_file(request: Request, principal: ApiStaff, alert_id: int) -> Response:
    return case_file_response(request, detail_or_404(deps_of(request).backend, alert_id, None))


@router.post("/alerts/{alert_id}/transition")
def transition(
    request: Request, principal: ApiStaff, alert_id: int, body: TriageBody
) -> dict[str, Any]:
    backend = deps_of(request).backend
    wanted = triage.TriageRequest(body.action, body.reason, body.case_number, body.agency)
    try:
        alert = backend.transition(alert_id, wanted.transition(), principal.username)
    except NotFound:
        raise HTTPException(status_code=404, detail="not found") from None
    except TransitionError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    return dataclasses.asdict(alert)


@router.post("/alerts/bulk")
def bulk(request: Request, principal: ApiStaff, body: BulkBody) -> dict[str, Any]:
    wanted = triage.TriageRequest(body.action, body.reason, body.case_number, body.agency)
    try:
        outcome = triage.apply(deps_of(request).backend, body.ids, wanted, principal.username)
    except TransitionError as exc:
        raise _bad_request(exc) from None
    return {
        "done": list(outcome.done),
        "failed": [{"id": i, "error": m} for i, m in outcome.failed],
    }


@router.post("/alerts/{alert_id}/assign")
def assign(
    request: Request, principal: ApiStaff, alert_id: int, body: AssignBody
) -> dict[str, Any]:
    backend = deps_of(request).backend
    try:
        backend.alert(alert_id)
    except NotFound:
        raise HTTPException(status_code=404, detail="not found") from None
    backend.assign([alert_id, *body.ids], body.assignee, principal.username)
    return {"assigned": backend.assignees([alert_id, *body.ids])}


@router.get("/dashboard")
def dashboard(request: Request, principal: ApiStaff) -> dict[str, Any]:
    return dataclasses.asdict(deps_of(request).backend.dashboard())


@router.get("/watchlists")
def watchlists(request: Request, principal: ApiUser) -> dict[str, Any]:
    found = deps_of(request).backend.watchlists(owner_scope(principal))
    return {"watchlists": [dataclasses.asdict(w) for w in found]}


@router.put("/watchlists/{name}")
def save_watchlist(
    request: Request, principal: ApiUser, name: str, body: WatchlistBody
) -> dict[str, Any]:
    data = body.model_dump(exclude_none=True) | {"name": name}
    owner = owner_scope(principal)
    if owner is None:
        data.setdefault("owner", principal.owner_name)
    try:
        saved = deps_of(request).backend.save_watchlist(data, owner)
    except NotFound:
        raise HTTPException(status_code=404, detail="not found") from None
    except WatchlistError as exc:
        raise _bad_request(exc) from None
    return dataclasses.asdict(saved)


@router.delete("/watchlists/{name}", status_code=204, response_class=Response)
def deactivate_watchlist(request: Request, principal: ApiUser, name: str) -> Response:
    try:
        deps_of(request).backend.deactivate_watchlist(name, owner_scope(principal))
    except NotFound:
        raise HTTPException(status_code=404, detail="not found") from None
    return Response(status_code=204)


@router.get("/channels")
def channels(request: Request, principal: ApiUser) -> dict[str, Any]:
    found = deps_of(request).backend.channels(owner_scope(principal))
    return {"channels": [dataclasses.asdict(c) for c in found]}


@router.put("/channels/{name}", status_code=204, response_class=Response)
def save_channel(request: Request, principal: ApiUser, name: str, body: ChannelBody) -> Response:
    try:
        deps_of(request).backend.save_channel(name, body.type, body.options, principal.owner_name)
    except BlockedTarget as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    except WatchlistError as exc:
        raise _bad_request(exc) from None
    return Response(status_code=204)


@router.delete("/channels/{name}", status_code=204, response_class=Response)
def delete_channel(request: Request, principal: ApiUser, name: str) -> Response:
    try:
        deps_of(request).backend.delete_channel(name, owner_scope(principal))
    except NotFound:
        raise HTTPException(status_code=404, detail="not found") from None
    return Response(status_code=204)


@router.get("/catalog")
def catalog(request: Request, principal: ApiUser) -> dict[str, Any]:
    return {"marks": [dataclasses.asdict(m) for m in deps_of(request).backend.catalog_marks()]}


@router.get("/users")
def users(request: Request, principal: ApiAdmin) -> dict[str, Any]:
    return {
        "users": [
            dataclasses.asdict(p) | {"active": active}
            for p, active in deps_of(request).auth.users()
        ]
    }


@router.post("/users", status_code=201)
def create_user(request: Request, principal: ApiAdmin, body: UserBody) -> dict[str, Any]:
    try:
        created = create_account(
            deps_of(request),
            body.username,
            body.password,
            body.role,
            body.display_name,
            body.organisation,
        )
    except AuthError as exc:
        raise _bad_request(exc) from None
    return dataclasses.asdict(created)


@router.patch("/users/{username}")
def change_user(
    request: Request, principal: ApiAdmin, username: str, body: UserChange
) -> dict[str, Any]:
    deps = deps_of(request)
    try:
        deps.auth.update_user(
            username,
            role=body.role,
            organisation=body.organisation,
            active=body.active,
            password=body.password,
        )
    except AuthError as exc:
        raise _bad_request(exc) from None
    changed = deps.auth.user(username)
    if changed is not None:
        deps.backend.sync_user(username, changed.role, changed.display_name, changed.organisation)
    return {"username": username, "active": changed is not None}


@router.get("/tokens")
def tokens(request: Request, principal: ApiAdmin) -> dict[str, Any]:
    return {"tokens": [dataclasses.asdict(t) for t in deps_of(request).auth.tokens()]}


@router.post("/tokens", status_code=201)
def issue_token(request: Request, principal: ApiAdmin, body: TokenBody) -> dict[str, str]:
    try:
        return {"token": deps_of(request).auth.issue_token(body.username, body.label)}
    except AuthError as exc:
        raise _bad_request(exc) from None


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response)
def revoke_token(request: Request, principal: ApiAdmin, token_id: int) -> Response:
    if not deps_of(request).auth.revoke_token(token_id):
        raise HTTPException(status_code=404, detail="not found")
    return Response(status_code=204)


@router.get("/schedules")
def schedules(request: Request, principal: ApiAdmin) -> dict[str, Any]:
    return {
        "schedules": [
            dataclasses.asdict(s.schedule) | {"next_run": s.next_run}
            for s in deps_of(request).backend.schedules()
        ]
    }


@router.put("/schedules/{name}", status_code=204, response_class=Response)
def save_schedule(request: Request, principal: ApiAdmin, name: str, body: ScheduleBody) -> Response:
    try:
        deps_of(request).backend.save_schedule(
            CrawlSchedule(name, body.spider, body.cron, body.arguments, body.enabled)
        )
    except WatchlistError as exc:
        raise _bad_request(exc) from None
    return Response(status_code=204)


@router.delete("/schedules/{name}", status_code=204, response_class=Response)
def delete_schedule(request: Request, principal: ApiAdmin, name: str) -> Response:
    try:
        deps_of(request).backend.delete_schedule(name)
    except NotFound:
        raise HTTPException(status_code=404, detail="not found") from None
    return Response(status_code=204)
