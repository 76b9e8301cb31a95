"""The console's catalog page takes staff reference uploads into the uploads gallery."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import cv2
import numpy as np
from fastapi.testclient import TestClient

from console.app import create_app
from detectors.image.references import load_reference_dirs
from indexer.text import Tokenizer
from markwatch.images import list_uploads, save_upload
from tests.console.seed import build_seeded, login


def _jpeg() -> bytes:
    image = np.full((200, 200, 3), 250, np.uint8)
    cv2.circle(image, (100, 100), 70, (40, 40, 40), -1)
    cv2.circle(image, (100, 100), 40, (240, 240, 240), -1)
    ok, buf = cv2.imencode(".jpg", image)
    assert ok
    return buf.tobytes()


def test_admin_uploads_a_reference_and_bad_uploads_get_a_clear_error(tmp_path: Path) -> None:
    seeded = build_seeded(tmp_path / "console", Tokenizer(["冰墩墩"]))
    uploads = tmp_path / "references"
    deps = dataclasses.replace(
        seeded.deps,
        save_reference=functools.partial(save_upload, uploads),
        list_references=functools.partial(list_uploads, uploads),
    )
    try:
        with TestClient(create_app(deps), follow_redirects=False) as client:
            csrf = login(client, "admin")
            page = client.get("/admin/references")
            assert page.status_code == 200 and 'id="reference-upload"' in page.text
            form = {"csrf": csrf, "mark": "冰墩墩", "form": "plush toy", "source": "case 12"}
            sent = client.post(
                "/admin/references", data=form, files={"file": ("toy.jpg", _jpeg(), "image/jpeg")}
            )
            assert sent.status_code == 303, sent.text
            listed = client.get("/admin/references")
            assert "plush toy" in listed.text and "case 12" in listed.text
            (ref,) = load_reference_dirs([uploads])
            assert (ref.mark, ref.spec.form) == ("冰墩墩", "plush toy")

            bad = client.post(
                "/admin/references",
                data={**form, "mark": "熊猫"},
                files={"file": ("toy.jpg", _jpeg(), "image/jpeg")},
            )
            assert bad.status_code == 400 and "unknown mark" in bad.text
            junk = client.post(
                "/admin/references",
                data=form,
                files={"file": ("x.jpg", b"not an image", "image/jpeg")},
            )
            assert junk.status_code == 400 and "not a usable image" in junk.text
            forged = client.post(
                "/admin/references",
                data={**form, "csrf": "x"},
                files={"file": ("toy.jpg", _jpeg(), "image/jpeg")},
            )
            assert forged.status_code == 403
            staff_csrf = login(client, "staff")
            denied = client.post(
                "/admin/references",
                data={**form, "csrf": staff_csrf},
                files={"file": ("toy.jpg", _jpeg(), "image/jpeg")},
            )
            assert denied.status_code in (302, 303, 403)
    finally:
        seeded.deps.backend.index.close()
        seeded.deps.backend.store.close()
