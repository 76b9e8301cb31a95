"""Log in, log out, and the landing redirect."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from console.ratelimit import client_address
from console.web import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    AnyUserForm,
    current_session,
    deps_of,
    redirect,
    render,
    safe_next,
    set_session_cookie,
)

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return redirect("/login")
    return redirect("/search" if session.principal.is_staff else "/portal")


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    # Login CSRF: a double-submit token (cookie + hidden field), since there is no session yet.
    token = secrets.token_urlsafe(24)
    response = render(
        request, "login.html", {"next": safe_next(next), "login_csrf": token, "error_key": ""}
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=bool(deps_of(request).config.secure_cookies),
        path="/login",
    )
    return response


@router.post("/login")
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    csrf: str = Form(""),
    next: str = Form("/"),
) -> Response:
    deps = deps_of(request)
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie_token or not secrets.compare_digest(cookie_token, csrf):
        return _login_error(request, next, "error", 403)
    peer = request.client.host if request.client else "?"
    client = client_address(
        peer, request.headers.get("x-forwarded-for", ""), deps.config.trusted_proxies
    )
    account = username.strip().casefold()
    known = deps.auth.user(username.strip())
    # A stranger must not be able to shut admins out: their account counter is per address.
    user_key = f"user:{account}@{client}" if known and known.is_admin else f"user:{account}"
    keys = (f"ip:{client}", user_key)
    wait = deps.limiter.reserve(keys)  # counted before the check: parallel guesses queue up
    if wait > 0:
        response = _login_error(request, next, "too_many", 429)
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    principal = deps.auth.authenticate(username, password)
    if principal is None:
        deps.limiter.failed(keys)
        return _login_error(request, next, "login_failed", 401)
    deps.limiter.succeeded(keys)
    cookie, _session = deps.auth.open_session(principal)
    target = safe_next(next)
    if target == "/":
        target = "/search" if principal.is_staff else "/portal"
    response = redirect(target)
    set_session_cookie(response, cookie, deps.config)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def _login_error(request: Request, next_url: str, key: str, status: int) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        {"next": safe_next(next_url), "login_csrf": token, "error_key": key},
        status_code=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=bool(deps_of(request).config.secure_cookies),
        path="/login",
    )
    return response


@router.post("/logout")
def logout(request: Request, session: AnyUserForm) -> Response:
    deps_of(request).auth.close_session(request.cookies.get(SESSION_COOKIE, ""))
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
