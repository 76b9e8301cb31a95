"""Image inspection for crawls and `markwatch detect`: references, one analyzer per thread.

Reference galleries come from `reference_dirs` (MARKWATCH_REFERENCE_DIRS) plus the staff
uploads under `<data_dir>/references`. With neither, a development checkout falls back
to the shared real-world `images/` folder (through testbed.realworld) when it is there.
With no references at all the matcher is off, said once in the log; OCR and the text
detectors still run.

One insignia matcher serves every worker thread: it makes its OpenCV detectors per call
(they are not documented as thread-safe) and locks its FLANN lookup, so it is built once
(about a second of CPU), not once per thread. OCR engines are per thread and load their
models on first use.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from detectors.image.analyze import ImageAnalyzer
from detectors.image.decode import ImageDecodeError, decode_image
from detectors.image.insignia import InsigniaMatcher
from detectors.image.ocr import OcrEngine
from detectors.image.references import (
    INSIGNIA_MARKS,
    MANIFEST_NAME,
    ReferenceError,
    ReferenceImage,
    ReferenceSpec,
    load_reference_dirs,
    parse_manifest,
)
from detectors.types import ImageEvidence

if TYPE_CHECKING:
    from markwatch.settings import Settings

log = logging.getLogger("markwatch.images")
UPLOADS = "references"
_SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif", "BMP": ".bmp"}
_warned = False


def uploads_dir(settings: Settings) -> Path:
    return settings.data_dir / UPLOADS


def reference_dirs(settings: Settings) -> tuple[Path, ...]:
    """The galleries to load, in order: configured, then staff uploads (then the dev default)."""
    found = list(settings.reference_dirs)
    uploads = uploads_dir(settings)
    if (uploads / MANIFEST_NAME).is_file():
        found.append(uploads)
    if not settings.reference_dirs:
        from testbed.realworld import RealWorldDataMissing, realworld_path

        try:
            found.insert(0, realworld_path("images"))
        except RealWorldDataMissing:
            pass
    return tuple(found)


def load_references(settings: Settings) -> tuple[ReferenceImage, ...]:
    """Every configured reference; none gives one log line, not an error."""
    global _warned
    references = load_reference_dirs(reference_dirs(settings))
    if not references and not _warned:
        _warned = True
        log.warning(
            "no reference images configured (MARKWATCH_REFERENCE_DIRS): insignia "
            "matching is off; OCR and the text detectors still run"
        )
    return references


def build_analyzer(settings: Settings, with_ocr: bool = True) -> ImageAnalyzer:
    references = load_references(settings)
    return ImageAnalyzer(
        InsigniaMatcher(references) if references else None, OcrEngine() if with_ocr else None
    )


class ThreadLocalInspector:
    """Image analysis on a few worker threads (one analyser pair per thread), with the
    results of recent photos kept by content: sellers reuse product photos, and every
    recrawl sees the same ones again, so a photo is analysed once, not per listing."""

    def __init__(
        self,
        references: tuple[ReferenceImage, ...],
        workers: int = 2,
        cache_size: int = 20_000,
    ) -> None:
        self.references = references
        self._local = threading.local()
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="images")
        self.cache_size = cache_size
        self._seen: OrderedDict[tuple[str, bool], ImageEvidence] = OrderedDict()
        self._seen_lock = threading.Lock()
        self._matcher_lock = threading.Lock()
        self._matcher: InsigniaMatcher | None = None
        self.analysed = 0  # photos analysed
        self.reused = 0  # photos answered from the content cache

    def _analyzers(self) -> tuple[ImageAnalyzer, ImageAnalyzer]:
        pair = getattr(self._local, "pair", None)
        if pair is None:
            matcher = self.matcher()
            pair = (ImageAnalyzer(matcher), ImageAnalyzer(matcher, OcrEngine()))
            self._local.pair = pair
        return pair

    def matcher(self) -> InsigniaMatcher | None:
        """The shared matcher, built by the first thread that needs it (the others wait)."""
        with self._matcher_lock:
            if self._matcher is None and self.references:
                self._matcher = InsigniaMatcher(self.references)
        return self._matcher

    def inspect(self, name: str, data: bytes, *, ocr: bool) -> ImageEvidence:
        # Analysis is a function of the bytes (and of OCR or not): only the name differs.
        key = (hashlib.sha256(data).hexdigest(), ocr)
        with self._seen_lock:
            known = self._seen.get(key)
            if known is not None:
                self._seen.move_to_end(key)
                self.reused += 1
        if known is not None:
            return dataclasses.replace(known, image=name)
        plain, with_ocr = self._analyzers()
        evidence = (with_ocr if ocr else plain).analyze(name, data)
        with self._seen_lock:
            self.analysed += 1
            # An error may pass (an OCR engine that failed to load): it is not kept.
            if self.cache_size > 0 and not evidence.error:
                self._seen[key] = evidence
                while len(self._seen) > self.cache_size:
                    self._seen.popitem(last=False)
        return evidence

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


@dataclasses.dataclass(frozen=True)
class InspectorRecipe:
    """Builds the crawl's photo inspector again in a worker process (crawler.photo_pool):
    the references travel (pickled arrays), the matcher is rebuilt there."""

    references: tuple[ReferenceImage, ...]
    cache_size: int = 20_000

    def __call__(self) -> ThreadLocalInspector:
        return ThreadLocalInspector(self.references, workers=1, cache_size=self.cache_size)


# ----------------------------------------------------------------- staff uploads


class UploadError(ValueError):
    """A reference upload was refused; `field` names the bad part of the request."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def save_upload(
    directory: Path, *, mark: str, form: str, source: str, data: bytes
) -> ReferenceSpec:
    """Store one staff-uploaded reference and append it to the directory's manifest.

    The file is named by its SHA-256 (an upload twice is one reference); the manifest
    is rewritten whole, so a reader never sees half an entry.
    """
    if mark not in INSIGNIA_MARKS:
        raise UploadError(f"unknown mark {mark!r}; one of {', '.join(INSIGNIA_MARKS)}", "mark")
    if not source.strip():
        raise UploadError("say where the image comes from (source)", "source")
    try:
        decoded = decode_image(data)
    except ImageDecodeError as exc:
        raise UploadError(f"not a usable image: {exc}", "file") from None
    digest = hashlib.sha256(data).hexdigest()
    suffix = _SUFFIX.get(decoded.format.upper(), ".img") if decoded.format else ".img"
    file = f"{digest[:16]}{suffix}"
    directory.mkdir(parents=True, exist_ok=True)
    entry = ReferenceSpec(
        name=f"upload_{digest[:12]}",
        mark=mark,
        file=file,
        form=form.strip(),
        source=source.strip(),
        sha256=digest,
    )
    manifest = directory / MANIFEST_NAME
    entries = _read_uploads(manifest)
    if all(e.sha256 != digest or e.mark != mark for e in entries):
        (directory / file).write_bytes(data)
        entries.append(entry)
        tmp = manifest.with_suffix(".tmp")
        tmp.write_text(_manifest_text(entries), encoding="utf-8")
        tmp.replace(manifest)
    # Loading it proves the manifest and image are usable before anyone relies on them.
    try:
        load_reference_dirs([directory])
    except ReferenceError as exc:
        raise UploadError(str(exc), "file") from None
    return entry


def list_uploads(directory: Path) -> list[ReferenceSpec]:
    """The staff-uploaded references in `directory`, oldest first."""
    return _read_uploads(directory / MANIFEST_NAME)


def _read_uploads(manifest: Path) -> list[ReferenceSpec]:
    if not manifest.is_file():
        return []
    return list(parse_manifest(manifest).specs)


def _manifest_text(entries: list[ReferenceSpec]) -> str:
    # JSON string literals are valid TOML basic strings for this text.
    lines = [
        "# Reference images uploaded by staff in the console (markwatch.images).",
        "",
        "[gallery]",
        'name = "uploads"',
        "",
    ]
    for e in entries:
        lines += ["[[reference]]"]
        for key in ("name", "mark", "form", "source", "file", "sha256"):
            lines.append(f"{key} = {json.dumps(getattr(e, key), ensure_ascii=False)}")
        lines.append("")
    return "\n".join(lines)
