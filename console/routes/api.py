"""The REST API (`/api/v1`), mirroring the pages; bearer-token authentication.

Every route states the role it needs through its dependency (`api_principal`, `api_staff`,
`api_admin`); a rights holder's requests are scoped to their own watchlists, and an alert
outside them answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from alerts.models import Alert, AuditEntry, SellerProfile
from console import triage
from console.auth import AuthError
from console.backend import (
    MAX_ID,
    AlertDetail,
    CatalogMark,
    Dashboard,
    EvidenceFile,
    ImageView,
    TransitionError,
)
from console.console_store import CrawlSchedule, StoredChannel
from console.params import SearchQueryParams, encode_cursor, search_params
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

# Ids are 64-bit in the databases; a bigger number is a 422, never an overflow.
AlertId = Annotated[int, Path(ge=1, le=MAX_ID)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Name = Annotated[str, Path(min_length=1, max_length=100)]
Short = Annotated[str, Field(max_length=2000)]


class TriageBody(BaseModel):
    action: str = Field(description="confirm | dismiss | refer | close | reopen", max_length=20)
    reason: Short = ""
    case_number: Short = ""
    agency: Short = ""


class BulkBody(TriageBody):
    ids: list[Id] = Field(max_length=1000)


class AssignBody(BaseModel):
    ids: list[Id] = Field([], max_length=1000)
    assignee: str = Field(description="user name; empty to unassign", max_length=200)


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


class SearchHitOut(BaseModel):
    listing_id: str
    title: str
    highlight: list[tuple[str, bool]]
    platform: str
    seller: str
    region: str
    verdict: str
    score: float
    status: str
    marks: list[str]
    price: float | None
    url: str
    last_seen: str
    alert_ids: list[int]
    thumbnail: tuple[int, str] | None


class SearchOut(BaseModel):
    total: int
    hits: list[SearchHitOut]
    facets: dict[str, list[tuple[str, int]]]
    next: str | None = Field(description="cursor for the next page (`after`)")


class MeOut(BaseModel):
    username: str
    role: str
    display_name: str
    organisation: str


class AlertsOut(BaseModel):
    alerts: list[Alert]


class DetailOut(BaseModel):
    alert: Alert
    assignee: str
    audit: list[AuditEntry]
    seller: SellerProfile | None
    seller_alerts: list[Alert]
    price_history: list[tuple[str, float]]
    title: str
    description: str
    images: list[ImageView]
    screenshots: list[EvidenceFile]
    evidence: list[EvidenceFile]


class BulkFailure(BaseModel):
    id: int
    error: str


class BulkOut(BaseModel):
    done: list[int]
    failed: list[BulkFailure]


class AssignOut(BaseModel):
    assigned: dict[int, str]


class WatchlistOut(BaseModel):
    name: str
    owner: str
    owner_kind: str
    marks: list[str]
    kinds: list[str]
    keywords: list[str]
    sellers: list[str]
    platforms: list[str]
    regions: list[str]
    min_verdict: str
    min_score: float
    channels: list[str]
    delivery: str
    language: str
    active: bool


class WatchlistsOut(BaseModel):
    watchlists: list[WatchlistOut]


class ChannelsOut(BaseModel):
    channels: list[StoredChannel]


class CatalogOut(BaseModel):
    marks: list[CatalogMark]


class GrantOut(BaseModel):
    organisation: str
    marks: list[str]
    families: list[str]


class GrantsOut(BaseModel):
    grants: list[GrantOut]


class GrantBody(BaseModel):
    marks: list[Annotated[str, Field(max_length=100)]] = Field([], max_length=500)
    families: list[Annotated[str, Field(max_length=20)]] = Field(
        [], max_length=20, description="mark kinds granted whole: gi, olympic"
    )


class UserOut(BaseModel):
    username: str
    role: str
    display_name: str
    organisation: str
    active: bool


class UsersOut(BaseModel):
    users: list[UserOut]


class UserChanged(BaseModel):
    username: str
    active: bool


class TokenOut(BaseModel):
    id: int
    username: str
    label: str
    created_at: Any
    last_used_at: Any


class TokensOut(BaseModel):
    tokens: list[TokenOut]


class IssuedToken(BaseModel):
    token: str


class ScheduleOut(BaseModel):
    name: str
    spider: str
    cron: str
    arguments: dict[str, str]
    enabled: bool
    next_run: str


class SchedulesOut(BaseModel):
    schedules: list[ScheduleOut]


def _grant_json(grant: Any) -> dict[str, Any]:
    return {
        "organisation": grant.organisation,
        "marks": sorted(grant.marks),
        "families": sorted(grant.families),
    }


def _detail_json(detail: AlertDetail) -> dict[str, Any]:
    data = dataclasses.asdict(detail)
    data["title"] = "".join(text for text, _ in detail.title)
    data["description"] = "".join(text for text, _ in detail.description)
    return data


def _bad_request(exc: Exception) -> HTTPException:
    return HTTPException(status_code=400, detail=str(exc))


# NotFound, GrantError, BlockedTarget and WatchlistError raised below become 404, 403,
# 422 and 400 in one place: the app's exception handlers (console.app).


@router.get("/me", response_model=MeOut)
def me(principal: ApiUser) -> dict[str, Any]:
    return dataclasses.asdict(principal)


@router.get("/search", response_model=SearchOut)
def search(
    request: Request, principal: ApiStaff, query: Annotated[SearchQueryParams, Query()]
) -> dict[str, Any]:
    """Full-text search with facets; page on with `after` set to the answer's `next`."""
    deps = deps_of(request)
    result = deps.backend.search(search_params(query, deps.config.page_size))
    rows = []
    for row in result.rows:
        item = dataclasses.asdict(row)
        item["title"] = "".join(text for text, _ in row.title)
        item["highlight"] = [[text, emphasised] for text, emphasised in row.title]
        rows.append(item)
    return {
        "total": result.total,
        "hits": rows,
        "facets": {k: [list(p) for p in v] for k, v in result.facets.items()},
        "next": encode_cursor(result.next_after) or None,
    }


@router.get(
    "/search.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def search_csv(
    request: Request, principal: ApiStaff, query: Annotated[SearchQueryParams, Query()]
) -> Response:
    params = search_params(query)  # a bad cursor is a 400 here, before the stream starts
    return StreamingResponse(
        deps_of(request).backend.export_csv(params),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="markwatch-search.csv"'},
    )


@router.get("/alerts", response_model=AlertsOut)
def list_alerts(
    request: Request,
    principal: ApiUser,
    status: Annotated[str | None, Query(max_length=20)] = None,
    mark: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    backend = deps_of(request).backend
    found = backend.alerts(owner_scope(principal), status=status, mark=mark, limit=limit)
    return {"alerts": [dataclasses.asdict(a) for a in found]}


@router.get("/alerts/{alert_id}", response_model=DetailOut)
def get_alert(request: Request, principal: ApiUser, alert_id: AlertId) -> dict[str, Any]:
    return _detail_json(detail_or_404(deps_of(request).backend, alert_id, owner_scope(principal)))


@router.get(
    "/alerts/{alert_id}/evidence/{sha256}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_evidence(
    request: Request,
    principal: ApiUser,
    alert_id: AlertId,
    sha256: Annotated[str, Path(pattern="^[0-9a-f]{64}$")],
) -> Response:
    return evidence_response(request, alert_id, sha256, owner_scope(principal))


@router.get(
    "/alerts/{alert_id}/casefile",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def get_case_file(request: Request, principal: ApiStaff, alert_id: AlertId) -> Response:
    return case_file_response(request, detail_or_404(deps_of(request).backend, alert_id, None))


@router.post("/alerts/{alert_id}/transition", response_model=Alert)
def transition(
    request: Request, principal: ApiStaff, alert_id: AlertId, body: TriageBody
) -> dict[str, Any]:
    backend = deps_of(request).backend
    wanted = triage.TriageRequest(body.action, body.reason, body.case_number, body.agency)
    try:
        alert = backend.transition(alert_id, wanted.transition(), principal.username)
    except TransitionError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    return dataclasses.asdict(alert)


@router.post("/alerts/bulk", response_model=BulkOut)
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


@router.post("/alerts/{alert_id}/assign", response_model=AssignOut)
def assign(
    request: Request, principal: ApiStaff, alert_id: AlertId, body: AssignBody
) -> dict[str, Any]:
    backend = deps_of(request).backend
    ids = [alert_id, *body.ids]
    backend.assign(ids, body.assignee, principal.username)  # NotFound: a missing alert
    return {"assigned": backend.assignees(ids)}


@router.get("/dashboard", response_model=Dashboard)
def dashboard(request: Request, principal: ApiStaff) -> Dashboard:
    return deps_of(request).backend.dashboard()


@router.get("/grants", response_model=GrantsOut)
def grants(request: Request, principal: ApiUser) -> dict[str, Any]:
    """Staff see every organisation's grant; a rights holder sees their own."""
    backend = deps_of(request).backend
    owner = owner_scope(principal)
    found = backend.grants() if owner is None else [backend.grant_of(owner)]
    return {"grants": [_grant_json(g) for g in found]}


@router.put("/grants/{organisation}", response_model=GrantOut)
def set_grant(
    request: Request, principal: ApiStaff, organisation: Name, body: GrantBody
) -> dict[str, Any]:
    """Replace the marks (and whole kinds) granted to a rights-holder organisation."""
    grant = deps_of(request).backend.set_grant(
        organisation, body.marks, body.families, principal.username
    )
    return _grant_json(grant)


@router.get("/watchlists", response_model=WatchlistsOut)
def watchlists(request: Request, principal: ApiUser) -> dict[str, Any]:
    found = deps_of(request).backend.watchlists(owner_scope(principal))
    return {"watchlists": [dataclasses.asdict(w) for w in found]}


@router.put("/watchlists/{name}", response_model=WatchlistOut)
def save_watchlist(
    request: Request, principal: ApiUser, name: Name, body: WatchlistBody
) -> dict[str, Any]:
    """Marks must lie within the owner's grant (403 otherwise); none means all granted."""
    data = body.model_dump(exclude_none=True) | {"name": name}
    owner = owner_scope(principal)
    if owner is None and "owner" not in data:
        # Staff saving for themselves: a team watchlist (no grant bounds a staff team).
        data |= {"owner": principal.owner_name, "owner_kind": "staff_team"}
    saved = deps_of(request).backend.save_watchlist(data, owner)
    return dataclasses.asdict(saved)


@router.delete("/watchlists/{name}", status_code=204, response_class=Response)
def deactivate_watchlist(request: Request, principal: ApiUser, name: Name) -> Response:
    deps_of(request).backend.deactivate_watchlist(name, owner_scope(principal))
    return Response(status_code=204)


@router.get("/channels", response_model=ChannelsOut)
def channels(request: Request, principal: ApiUser) -> dict[str, Any]:
    found = deps_of(request).backend.channels(owner_scope(principal))
    return {"channels": [dataclasses.asdict(c) for c in found]}


@router.put("/channels/{name}", status_code=204, response_class=Response)
def save_channel(request: Request, principal: ApiUser, name: Name, body: ChannelBody) -> Response:
    """Every target (URL, SMTP host, robot endpoint) must pass the outbound policy (422)."""
    deps_of(request).backend.save_channel(name, body.type, body.options, principal.owner_name)
    return Response(status_code=204)


@router.delete("/channels/{name}", status_code=204, response_class=Response)
def delete_channel(request: Request, principal: ApiUser, name: Name) -> Response:
    deps_of(request).backend.delete_channel(name, owner_scope(principal))
    return Response(status_code=204)


@router.get("/catalog", response_model=CatalogOut)
def catalog(request: Request, principal: ApiUser) -> dict[str, Any]:
    return {"marks": [dataclasses.asdict(m) for m in deps_of(request).backend.catalog_marks()]}


@router.get("/users", response_model=UsersOut)
def users(request: Request, principal: ApiAdmin) -> dict[str, Any]:
    return {
        "users": [
            dataclasses.asdict(p) | {"active": active}
            for p, active in deps_of(request).auth.users()
        ]
    }


@router.post("/users", status_code=201, response_model=MeOut)
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


@router.patch("/users/{username}", response_model=UserChanged)
def change_user(
    request: Request, principal: ApiAdmin, username: Name, body: UserChange
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


@router.get("/tokens", response_model=TokensOut)
def tokens(request: Request, principal: ApiAdmin) -> dict[str, Any]:
    return {"tokens": [dataclasses.asdict(t) for t in deps_of(request).auth.tokens()]}


@router.post("/tokens", status_code=201, response_model=IssuedToken)
def issue_token(request: Request, principal: ApiAdmin, body: TokenBody) -> dict[str, str]:
    try:
        return {"token": deps_of(request).auth.issue_token(body.username, body.label)}
    except AuthError as exc:
        raise _bad_request(exc) from None


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response)
def revoke_token(request: Request, principal: ApiAdmin, token_id: AlertId) -> Response:
    if not deps_of(request).auth.revoke_token(token_id):
        raise HTTPException(status_code=404, detail="not found")
    return Response(status_code=204)


@router.get("/schedules", response_model=SchedulesOut)
def schedules(request: Request, principal: ApiAdmin) -> dict[str, Any]:
    return {
        "schedules": [
            dataclasses.asdict(s.schedule) | {"next_run": s.next_run}
            for s in deps_of(request).backend.schedules()
        ]
    }


@router.put("/schedules/{name}", status_code=204, response_class=Response)
def save_schedule(
    request: Request, principal: ApiAdmin, name: Name, body: ScheduleBody
) -> Response:
    deps_of(request).backend.save_schedule(
        CrawlSchedule(name, body.spider, body.cron, body.arguments, body.enabled)
    )
    return Response(status_code=204)


@router.delete("/schedules/{name}", status_code=204, response_class=Response)
def delete_schedule(request: Request, principal: ApiAdmin, name: Name) -> Response:
    deps_of(request).backend.delete_schedule(name)
    return Response(status_code=204)
