"""Catalog page, reference images: staff upload photos of a mark (a plush toy, a new pose).

The upload is stored by the function the wiring gives (`ConsoleDeps.save_reference`,
markwatch.images.save_upload into `<data_dir>/references`), which keeps a manifest with
the mark, form and source of every image; crawls started afterwards load it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from console.web import AdminForm, AdminPage, deps_of, redirect, render

router = APIRouter(include_in_schema=False)
MAX_UPLOAD = 20 * 1024 * 1024
MARKS = ("冰墩墩", "雪容融", "冬梦", "飞跃", "奥林匹克五环")


def _page(request: Request, session: Any, status_code: int = 200, **extra: Any) -> Response:
    deps = deps_of(request)
    listing = deps.list_references() if deps.list_references else []
    return render(
        request,
        "references.html",
        {
            "references": listing,
            "marks": MARKS,
            "error": "",
            "saved": "",
            "enabled": deps.save_reference is not None,
            **extra,
        },
        session,
        status_code=status_code,
    )


@router.get("/admin/references")
def references_page(request: Request, session: AdminPage) -> Response:
    return _page(request, session, saved=request.query_params.get("saved", ""))


@router.post("/admin/references")
async def upload_reference(request: Request, session: AdminForm) -> Response:
    deps = deps_of(request)
    if deps.save_reference is None:
        # A clear refusal, not a server error: this console was built without an uploads store.
        return _page(request, session, 409, error="reference uploads are not configured")
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return _page(request, session, 400, error="choose an image file")
    data = await upload.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return _page(request, session, 413, error="image larger than 20 MB")
    try:
        entry = deps.save_reference(
            mark=str(form.get("mark", "")),
            form=str(form.get("form", "")),
            source=str(form.get("source", "")),
            data=data,
        )
    except ValueError as exc:  # UploadError: which field, and why
        return _page(request, session, 400, error=str(exc))
    return redirect(f"/admin/references?saved={entry.name}")
