"""Request plumbing shared by the routes: dependencies, sessions, CSRF, rendering.

Authorisation is enforced here, in FastAPI dependencies every route declares, never in
templates: a page or API route states the roles it needs and the dependency refuses others.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import jinja2
from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.auth import AuthStore, Principal, Session
from console.backend import ConsoleBackend
from console.config import ConsoleConfig
from console.i18n import Translator, choose_language
from console.ratelimit import LoginRateLimiter

SESSION_COOKIE = "mw_session"
LANG_COOKIE = "mw_lang"
LOGIN_CSRF_COOKIE = "mw_login_csrf"
TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class ConsoleDeps:
    """Everything the app needs, built by `markwatch serve` or by a test."""

    backend: ConsoleBackend
    auth: AuthStore
    config: ConsoleConfig
    limiter: LoginRateLimiter
    # Staff reference uploads (catalog page); None when the console runs without them.
    save_reference: Callable[..., Any] | None = None
    list_references: Callable[[], Sequence[Any]] | None = None


class LoginRequired(Exception):
    """A page needs a session; the app turns this into a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def template_env() -> jinja2.Environment:
    # Autoescape everywhere, whatever the file name: every crawled string is attacker text.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    env.filters["urlq"] = lambda value: quote(str(value), safe="")
    env.filters["web_url"] = web_url
    return env


def web_url(value: object) -> str:
    """A crawled URL fit for an href: http(s) only (no javascript: or data: links)."""
    text = str(value or "").strip()
    return text if text.lower().startswith(("http://", "https://")) else ""


def deps_of(request: Request) -> ConsoleDeps:
    deps: ConsoleDeps = request.app.state.deps
    return deps


def language(request: Request) -> str:
    return choose_language(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )


def current_session(request: Request) -> Session | None:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return deps_of(request).auth.session(cookie) if cookie else None


def _page_guard(check: Callable[[Principal], bool]) -> Callable[[Request], Session]:
    def guard(request: Request) -> Session:
        session = current_session(request)
        if session is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(target)
        if not check(session.principal):
            raise HTTPException(status_code=403, detail="forbidden")
        return session

    return guard


any_user = _page_guard(lambda p: True)
staff_page = _page_guard(lambda p: p.is_staff)
admin_page = _page_guard(lambda p: p.is_admin)
holder_page = _page_guard(lambda p: p.role == "rights_holder" or p.is_staff)


def _csrf_guard(guard: Callable[[Request], Session]) -> Callable[[Request], Awaitable[Session]]:
    async def checked(request: Request) -> Session:
        session = guard(request)
        form = await request.form()
        sent = str(form.get("csrf") or request.headers.get("x-csrf-token") or "")
        if not sent or not secrets.compare_digest(sent, session.csrf_token):
            raise HTTPException(status_code=403, detail="CSRF token missing or wrong")
        return session

    return checked


# For state-changing form posts: the role check plus the session's CSRF token.
any_user_form = _csrf_guard(any_user)
staff_form = _csrf_guard(staff_page)
admin_form = _csrf_guard(admin_page)
holder_form = _csrf_guard(holder_page)


def api_principal(request: Request) -> Principal:
    """The REST API authenticates by bearer token only (no cookies, so no CSRF to worry about)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    principal = None
    if scheme.lower() == "bearer" and token:
        principal = deps_of(request).auth.token_principal(token.strip())
    if principal is None:
        raise HTTPException(
            status_code=401,
            detail="a valid API token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


def api_staff(request: Request) -> Principal:
    principal = api_principal(request)
    if not principal.is_staff:
        raise HTTPException(status_code=403, detail="staff only")
    return principal


def api_admin(request: Request) -> Principal:
    principal = api_principal(request)
    if not principal.is_admin:
        raise HTTPException(status_code=403, detail="admins only")
    return principal


def owner_scope(principal: Principal) -> str | None:
    """None for staff (every alert), the owner name for a rights holder (their watchlists)."""
    return None if principal.is_staff else principal.owner_name


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    session: Session | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = language(request)
    env: jinja2.Environment = request.app.state.templates
    html = env.get_template(name).render(
        t=Translator(lang),
        lang=lang,
        user=session.principal if session else None,
        csrf=session.csrf_token if session else "",
        path=request.url.path,
        query=request.url.query,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True)
    return response


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def set_session_cookie(response: Response, cookie: str, config: ConsoleConfig) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(config.session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=bool(config.secure_cookies),
        path="/",
    )


def safe_next(url: str | None) -> str:
    """Only same-site paths after login (no open redirect to another host)."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return "/"


# Route parameter types: the role a route needs is part of its signature.
AnyUser = Annotated[Session, Depends(any_user)]
StaffPage = Annotated[Session, Depends(staff_page)]
AdminPage = Annotated[Session, Depends(admin_page)]
HolderPage = Annotated[Session, Depends(holder_page)]
AnyUserForm = Annotated[Session, Depends(any_user_form)]
StaffForm = Annotated[Session, Depends(staff_form)]
AdminForm = Annotated[Session, Depends(admin_form)]
HolderForm = Annotated[Session, Depends(holder_form)]
ApiUser = Annotated[Principal, Depends(api_principal)]
ApiStaff = Annotated[Principal, Depends(api_staff)]
ApiAdmin = Annotated[Principal, Depends(api_admin)]
