"""One alert with all its evidence; triage (single and bulk), assignment, case file, files."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlencode

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.datastructures import FormData

from console import triage
from console.auth import Session
from console.backend import AlertDetail, ConsoleBackend, TransitionError
from console.casefile import build_case_file, case_file_name
from console.i18n import Translator
from console.web import (
    HolderPage,
    StaffForm,
    StaffPage,
    deps_of,
    language,
    owner_scope,
    redirect,
    render,
)

router = APIRouter(include_in_schema=False)


def detail_or_404(backend: ConsoleBackend, alert_id: int, owner: str | None) -> AlertDetail:
    """The alert's detail; NotFound becomes a 404 in the app's one handler (console.app)."""
    return backend.detail(alert_id, owner)


def summary_html(env: jinja2.Environment, lang: str, detail: AlertDetail) -> str:
    return env.get_template("casefile_summary.html").render(
        t=Translator(lang),
        lang=lang,
        d=detail,
        generated=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def case_file_response(request: Request, detail: AlertDetail) -> Response:
    backend = deps_of(request).backend
    data = build_case_file(
        detail,
        backend.read_evidence,
        summary_html(request.app.state.templates, language(request), detail),
    )
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{case_file_name(detail)}"'},
    )


def evidence_response(request: Request, alert_id: int, sha256: str, owner: str | None) -> Response:
    backend = deps_of(request).backend
    alert = backend.alert(alert_id, owner)  # NotFound: 404 (console.app)
    file, path = backend.evidence_file(alert, sha256)
    headers = {
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=3600",
    }
    if file.media_type == "application/octet-stream":  # never render crawled bytes inline
        headers["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return FileResponse(path, media_type=file.media_type, headers=headers)


@router.get("/alerts/{alert_id}")
def alert_page(
    request: Request, session: HolderPage, alert_id: int, done: str = "", failed: str = ""
) -> Response:
    deps = deps_of(request)
    detail = detail_or_404(deps.backend, alert_id, owner_scope(session.principal))
    users = [p.username for p, active in deps.auth.users() if active and p.is_staff]
    return render(
        request,
        "alert.html",
        {"d": detail, "done": done, "failed": failed, "staff_users": users},
        session,
    )


@router.get("/alerts/{alert_id}/evidence")
def evidence_anchor(alert_id: int) -> Response:
    # Notification messages link here (alerts.store payload "links.evidence").
    return redirect(f"/alerts/{alert_id}#evidence")


@router.get("/alerts/{alert_id}/evidence/{sha256}")
def evidence_file(request: Request, session: HolderPage, alert_id: int, sha256: str) -> Response:
    return evidence_response(request, alert_id, sha256, owner_scope(session.principal))


@router.get("/alerts/{alert_id}/casefile.zip")
def case_file(request: Request, session: StaffPage, alert_id: int) -> Response:
    return case_file_response(request, detail_or_404(deps_of(request).backend, alert_id, None))


@router.post("/alerts/{alert_id}/triage")
async def triage_one(request: Request, session: StaffForm, alert_id: int) -> Response:
    form = await request.form()
    outcome = _apply(request, [alert_id], form, session)
    query = urlencode(
        {"done": len(outcome.done), "failed": "; ".join(m for _, m in outcome.failed)}
    )
    return redirect(f"/alerts/{alert_id}?{query}")


@router.post("/alerts/{alert_id}/assign")
async def assign_one(request: Request, session: StaffForm, alert_id: int) -> Response:
    form = await request.form()
    deps_of(request).backend.assign(
        [alert_id], str(form.get("assignee", "")), session.principal.username
    )
    return redirect(f"/alerts/{alert_id}")


@router.post("/alerts/bulk")
async def bulk(request: Request, session: StaffForm) -> Response:
    form = await request.form()
    ids = [int(str(v)) for v in form.getlist("ids") if str(v).isdigit()]
    back = str(form.get("back", ""))
    back = back if back.startswith("q=") or back == "" else ""
    if form.get("action") == "assign":
        deps_of(request).backend.assign(
            ids, str(form.get("assignee", "")), session.principal.username
        )
        done, failures = len(ids), ""
    else:
        outcome = _apply(request, ids, form, session)
        done, failures = len(outcome.done), "; ".join(f"#{i}: {m}" for i, m in outcome.failed)
    query = urlencode({"done": done, "failed": failures})
    return redirect(f"/search?{back}&bulk=1&{query}" if back else f"/search?bulk=1&{query}")


def _apply(
    request: Request, ids: list[int], form: FormData, session: Session
) -> triage.TriageOutcome:
    wanted = triage.TriageRequest(
        action=str(form.get("action", "")),
        reason=str(form.get("reason", "")),
        case_number=str(form.get("case_number", "")),
        agency=str(form.get("agency", "")),
    )
    try:
        return triage.apply(deps_of(request).backend, ids, wanted, session.principal.username)
    except TransitionError as exc:
        return triage.TriageOutcome((), tuple((i, str(exc)) for i in ids))
