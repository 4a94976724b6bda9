"""Headless Debian Chromium driven by Playwright, an accessibility check with axe, and
screenshots of each screen at desktop and phone width when PDF2AUDIOBOOK_SCREENS names a
folder."""

from __future__ import annotations

import os
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Page, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)
SCREENS_ENV_VAR = "PDF2AUDIOBOOK_SCREENS"
_BLOCKING_IMPACTS = frozenset({"serious", "critical"})
_AXE = Axe()


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    results = _AXE.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(str(node["target"]) for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in _BLOCKING_IMPACTS
    ]


def check_screen(page: Page, name: str) -> None:
    """Fail on serious accessibility problems of the screen at desktop and phone width, and
    keep its screenshots when asked to."""
    folder = os.environ.get(SCREENS_ENV_VAR)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        problems = serious_violations(page)
        assert problems == [], f"{name} at {label} width: {problems}"
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}-{label}.png"), full_page=False)
    page.set_viewport_size(DESKTOP)
