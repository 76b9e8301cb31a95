"""The FastAPI application factory: pages, the REST API, static files, security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from console.routes import (
    admin,
    alerts,
    api,
    auth_pages,
    dashboard,
    portal,
    references,
    search,
)
from console.web import ConsoleDeps, LoginRequired, current_session, redirect, render, template_env

STATIC = Path(__file__).parent / "static"
# No inline script or style anywhere: pages load /static/app.js and /static/app.css only.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
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
