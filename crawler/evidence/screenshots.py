"""Full-page screenshots with Playwright and the system Chromium, taken in one batch."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from crawler.browser import CHROMIUM_ARGS, chromium_path
from crawler.evidence.store import EvidenceStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScreenshotTarget:
    listing_id: str
    url: str


@dataclass(frozen=True)
class ScreenshotResult:
    taken: int
    failed: tuple[str, ...]  # listing ids


async def take_screenshots(
    store: EvidenceStore,
    targets: Sequence[ScreenshotTarget],
    timeout_s: float = 20.0,
    pages: int = 4,
) -> ScreenshotResult:
    """Screenshot every target into the store; a page that fails is reported, not fatal."""
    if not targets:
        return ScreenshotResult(0, ())
    executable = chromium_path()
    if executable is None:
        logger.error("no chromium on PATH: %d screenshots not taken", len(targets))
        return ScreenshotResult(0, tuple(t.listing_id for t in targets))
    import asyncio

    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    taken = 0
    failed: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            queue: asyncio.Queue[ScreenshotTarget] = asyncio.Queue()
            for target in targets:
                queue.put_nowait(target)

            async def worker() -> None:
                nonlocal taken
                page = await context.new_page()
                while not queue.empty():
                    target = queue.get_nowait()
                    try:
                        await page.goto(target.url, wait_until="load", timeout=timeout_s * 1000)
                        png = await page.screenshot(full_page=True, type="png")
                    except PlaywrightError as exc:
                        logger.warning("screenshot of %s failed: %s", target.url, exc)
                        failed.append(target.listing_id)
                        continue
                    store.add(target.listing_id, "screenshot", png, ".png")
                    taken += 1
                await page.close()

            await asyncio.gather(*(worker() for _ in range(max(1, min(pages, len(targets))))))
        finally:
            await browser.close()
    return ScreenshotResult(taken, tuple(failed))
