"""The rights-holder portal: their own alerts, watchlists and notification channels.

A rights holder acts for their organisation (the watchlists' owner) and sees only alerts
that one of its active watchlists matches; staff opening the portal see every watchlist.
"""

from __future__ import annotations

import tomllib
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from console.backend import BlockedTarget, GrantError, NotFound, WatchlistError
from console.web import (
    HolderForm,
    HolderPage,
    deps_of,
    owner_scope,
    redirect,
    render,
)

router = APIRouter(include_in_schema=False)
CHANNEL_TYPES = ("webhook", "email", "dingtalk", "wecom", "feishu")


def split_list(text: str) -> list[str]:
    return [v.strip() for v in text.replace("，", ",").replace("\n", ",").split(",") if v.strip()]


def watchlist_from_form(form: FormData) -> dict[str, object]:
    data: dict[str, object] = {
        "name": str(form.get("name", "")).strip(),
        "marks": split_list(str(form.get("marks", ""))),
        "keywords": split_list(str(form.get("keywords", ""))),
        "platforms": split_list(str(form.get("platforms", ""))),
        "regions": split_list(str(form.get("regions", ""))),
        "channels": [str(c) for c in form.getlist("channels") if c],
        "min_verdict": str(form.get("min_verdict", "suspicious")),
        "delivery": str(form.get("delivery", "immediate")),
        "language": "en" if form.get("language") == "en" else "zh",
    }
    if form.get("owner"):
        data["owner"] = str(form.get("owner"))
    return data


@router.get("/portal")
def portal_page(request: Request, session: HolderPage, error: str = "") -> Response:
    backend = deps_of(request).backend
    owner = owner_scope(session.principal)
    status = request.query_params.get("status") or None
    return render(
        request,
        "portal.html",
        {
            "alerts": backend.alerts(owner, status=status, limit=200),
            "watchlists": backend.watchlists(owner),
            "channels": backend.channels(owner),
            "channel_types": CHANNEL_TYPES,
            # A rights holder is offered only the marks granted to them.
            "marks": backend.mark_names() if owner is None else backend.granted_mark_names(owner),
            "error": error,
            "status": status or "",
        },
        session,
    )


@router.post("/portal/watchlists")
async def save_watchlist(request: Request, session: HolderForm) -> Response:
    form = await request.form()
    owner = owner_scope(session.principal)
    data = watchlist_from_form(form)
    if owner is None and "owner" not in data:
        data |= {"owner": session.principal.owner_name, "owner_kind": "staff_team"}
    try:
        deps_of(request).backend.save_watchlist(data, owner)
    except (WatchlistError, NotFound, GrantError) as exc:
        return redirect("/portal?" + urlencode({"error": str(exc)}))
    return redirect("/portal")


@router.post("/portal/watchlists/{name}/deactivate")
async def deactivate_watchlist(request: Request, session: HolderForm, name: str) -> Response:
    try:
        deps_of(request).backend.deactivate_watchlist(name, owner_scope(session.principal))
    except NotFound as exc:
        return redirect("/portal?" + urlencode({"error": str(exc)}))
    return redirect("/portal")


@router.post("/portal/channels")
async def save_channel(request: Request, session: HolderForm) -> Response:
    form = await request.form()
    try:
        options = tomllib.loads(str(form.get("options", "")))
        deps_of(request).backend.save_channel(
            str(form.get("name", "")).strip(),
            str(form.get("type", "")),
            options,
            session.principal.owner_name,
        )
    except (tomllib.TOMLDecodeError, WatchlistError, BlockedTarget) as exc:
        return redirect("/portal?" + urlencode({"error": str(exc)}))
    return redirect("/portal")


@router.post("/portal/channels/{name}/delete")
async def delete_channel(request: Request, session: HolderForm, name: str) -> Response:
    try:
        deps_of(request).backend.delete_channel(name, owner_scope(session.principal))
    except NotFound as exc:
        return redirect("/portal?" + urlencode({"error": str(exc)}))
    return redirect("/portal")
