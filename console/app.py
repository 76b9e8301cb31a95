"""The FastAPI application factory: pages, the REST API, static files, security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from console.backend import BlockedTarget, GrantError, NotFound, WatchlistError
from console.params import BadCursor
from console.routes import admin, alerts, api, auth_pages, dashboard, portal, references, search
from console.web import ConsoleDeps, LoginRequired, current_session, redirect, render, template_env

STATIC = Path(__file__).parent / "static"
# No inline script or style anywhere: pages load /static/app.js and /static/app.css only.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
MAX_BODY_BYTES = 1024 * 1024  # forms and JSON bodies; no route takes uploads larger than this
# Domain errors that reach the app unhandled, and the status each one means.
_DOMAIN_ERRORS: dict[type[Exception], int] = {
    NotFound: 404,
    GrantError: 403,
    BlockedTarget: 422,
    BadCursor: 400,
    WatchlistError: 400,
}
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def create_app(deps: ConsoleDeps) -> FastAPI:
    app = FastAPI(
        title="MarkWatch console",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.deps = deps
    app.state.templates = template_env()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth_pages, search, alerts, dashboard, portal, admin, references, api):
        app.include_router(module.router)

    @app.middleware("http")
    async def body_limit(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        declared = request.headers.get("content-length", "")
        too_big = declared.isdigit() and int(declared) > MAX_BODY_BYTES
        if too_big or (not declared and request.headers.get("transfer-encoding")):
            # A chunked body has no declared size: refused rather than read without a cap.
            return JSONResponse({"detail": "request body too large"}, status_code=413)
        return await call_next(request)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return redirect(f"/login?next={_quote(exc.next_url)}")

    async def domain_error(request: Request, exc: Exception) -> Response:
        status = next(c for t, c in _DOMAIN_ERRORS.items() if isinstance(exc, t))
        detail = "not found" if status == 404 else str(exc)
        return await http_error(request, StarletteHTTPException(status, detail))

    for error in _DOMAIN_ERRORS:
        app.add_exception_handler(error, domain_error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
            return JSONResponse(
                {"detail": exc.detail},
                status_code=exc.status_code,
                headers=getattr(exc, "headers", None),
            )
        key = {403: "forbidden", 404: "not_found"}.get(exc.status_code, "error")
        return render(
            request,
            "error.html",
            {"message_key": key, "detail": str(exc.detail)},
            current_session(request),
            status_code=exc.status_code,
        )

    return app


def _quote(url: str) -> str:
    return quote(url, safe="")


__all__ = ["HTTPException", "create_app"]
