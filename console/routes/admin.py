"""Admin pages: users and roles, API tokens, crawl schedules, the catalog of protected marks."""

from __future__ import annotations

import shlex
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from console.auth import AuthError, Principal, Session
from console.backend import NotFound, WatchlistError
from console.console_store import CrawlSchedule
from console.web import (
    AdminForm,
    AdminPage,
    ConsoleDeps,
    deps_of,
    redirect,
    render,
)

router = APIRouter(include_in_schema=False)


def create_account(
    deps: ConsoleDeps,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    organisation: str = "",
) -> Principal:
    """A console account, mirrored into the alert store's users."""
    principal = deps.auth.create_user(
        username, password, role, display_name=display_name, organisation=organisation
    )
    deps.backend.sync_user(principal.username, principal.role, display_name, organisation)
    return principal


def parse_arguments(text: str) -> dict[str, str]:
    """Spider arguments as `k=v` words (the same as `markwatch crawl SPIDER -a k=v`)."""
    out: dict[str, str] = {}
    for word in shlex.split(text):
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise WatchlistError(f"spider argument {word!r} is not k=v")
        out[key] = value
    return out


def _page(request: Request, session: Session, **extra: Any) -> Response:
    deps = deps_of(request)
    return render(
        request,
        "admin.html",
        {
            "users": deps.auth.users(),
            "tokens": deps.auth.tokens(),
            "schedules": deps.backend.schedules(),
            "runs": deps.backend.crawl_history(),
            "catalog": deps.backend.catalog_marks(),
            "new_token": "",
            "error": request.query_params.get("error", ""),
            **extra,
        },
        session,
    )


@router.get("/admin")
def admin_home(request: Request, session: AdminPage) -> Response:
    return _page(request, session)


@router.post("/admin/users")
async def create_user(request: Request, session: AdminForm) -> Response:
    form = await request.form()
    try:
        create_account(
            deps_of(request),
            str(form.get("username", "")),
            str(form.get("password", "")),
            str(form.get("role", "")),
            str(form.get("display_name", "")),
            str(form.get("organisation", "")),
        )
    except AuthError as exc:
        return redirect("/admin?" + urlencode({"error": str(exc)}))
    return redirect("/admin")


@router.post("/admin/users/{username}")
async def update_user(request: Request, session: AdminForm, username: str) -> Response:
    form = await request.form()
    deps = deps_of(request)
    try:
        deps.auth.update_user(
            username,
            role=str(form.get("role")) if form.get("role") else None,
            organisation=str(form.get("organisation", "")),
            active=form.get("active") == "on",
            password=str(form.get("password")) if form.get("password") else None,
        )
        principal = deps.auth.user(username)
        if principal is not None:
            deps.backend.sync_user(
                username, principal.role, principal.display_name, principal.organisation
            )
    except AuthError as exc:
        return redirect("/admin?" + urlencode({"error": str(exc)}))
    return redirect("/admin")


@router.post("/admin/tokens")
async def issue_token(request: Request, session: AdminForm) -> Response:
    form = await request.form()
    try:
        token = deps_of(request).auth.issue_token(
            str(form.get("username", "")), str(form.get("label", ""))
        )
    except AuthError as exc:
        return redirect("/admin?" + urlencode({"error": str(exc)}))
    return _page(request, session, new_token=token)  # shown once, never stored in clear


@router.post("/admin/tokens/{token_id}/revoke")
async def revoke_token(request: Request, session: AdminForm, token_id: int) -> Response:
    deps_of(request).auth.revoke_token(token_id)
    return redirect("/admin")


@router.post("/admin/schedules")
async def save_schedule(request: Request, session: AdminForm) -> Response:
    form = await request.form()
    try:
        deps_of(request).backend.save_schedule(
            CrawlSchedule(
                name=str(form.get("name", "")).strip(),
                spider=str(form.get("spider", "")).strip(),
                cron=str(form.get("cron", "")).strip(),
                arguments=parse_arguments(str(form.get("arguments", ""))),
                enabled=form.get("enabled") == "on",
            )
        )
    except (WatchlistError, ValueError) as exc:
        return redirect("/admin?" + urlencode({"error": str(exc)}))
    return redirect("/admin")


@router.post("/admin/schedules/{name}/delete")
async def delete_schedule(request: Request, session: AdminForm, name: str) -> Response:
    try:
        deps_of(request).backend.delete_schedule(name)
    except NotFound:
        pass  # already gone: the page shows the current list either way
    return redirect("/admin")
