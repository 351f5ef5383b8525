"""Browser tests: a Playwright page in Debian's headless chromium, and screenshots to keep.

Use in any test (the fixtures are registered in tests/conftest.py)::

    async def test_page(browser_page, screenshots):
        await browser_page.goto(url)
        await screenshots.take(browser_page, "after-load")

- ``chromium``: a Browser (Playwright async API) launched from /usr/bin/chromium with a fresh
  profile; one per test. Open more contexts or pages from it for several users side by side.
- ``browser_page``: a Page in a fresh context of ``chromium`` (1280x900, locale zh-CN, zone
  Asia/Shanghai). When the test fails, its last state is saved as ``...-failed.png``.
- ``screenshots``: ``await screenshots.take(page, "label")`` saves
  ``artifacts/screenshots/<test name>-<label>.png`` (git ignores artifacts/) and returns the path.

Playwright never downloads a browser here (no `playwright install`): the tests drive the
system's chromium, which .ci/run installs when it is missing. Chinese renders with the Noto
Sans SC font that the dependencies ship (pylopdf-fonts-zh-cn), added through a fontconfig file,
so screenshots are readable on a machine without CJK system fonts. Set BROWSER_SCREENSHOTS to
save elsewhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Quiet, offline, sandbox-free (CI runs as root): no updates, sync or first-run pages.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(
    os.environ.get(
        "BROWSER_SCREENSHOTS", Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
    )
)
_FAILED = pytest.StashKey[bool]()


@dataclass
class Screenshots:
    """Saves full-page screenshots of one test under a folder git ignores."""

    folder: Path
    prefix: str

    async def take(self, page: Page, label: str) -> Path:
        """Save the page as <folder>/<test>-<label>.png; return the path."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{self.prefix}-{_slug(label)}.png"
        await page.screenshot(path=str(path), full_page=True)
        return path


def _slug(text: str) -> str:
    """A file-name-safe form of a test id or label."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember a failed test call, so browser_page can keep a screenshot of it."""
    report = yield
    if call.when == "call" and report.failed:
        item.stash[_FAILED] = True
    return report


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Screenshots:
    """A Screenshots saver named for the current test."""
    return Screenshots(folder=SCREENSHOTS, prefix=_slug(request.node.name))


def _fontconfig(folder: Path) -> Path:
    """A fontconfig file: the system's fonts plus the shipped Noto Sans SC."""
    import pylopdf_fonts_zh_cn

    font_dir = Path(pylopdf_fonts_zh_cn.sans_path()).parent
    path = folder / "fonts.conf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{font_dir}</dir>\n  <cachedir>{folder / 'cache'}</cachedir>\n"
        "</fontconfig>\n",
        encoding="utf-8",
    )
    return path


def _browser_env(folder: Path) -> dict[str, str | float | bool]:
    """The environment for chromium (with the CJK font); fails the test if it is missing."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)")
    return {**os.environ, "FONTCONFIG_FILE": str(_fontconfig(folder))}


@pytest.fixture
async def chromium(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Browser]:
    """Debian's chromium, headless, with a fresh profile, driven by Playwright."""
    env = _browser_env(tmp_path_factory.mktemp("fonts"))
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS, env=env
        )
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def browser_page(
    chromium: Browser, request: pytest.FixtureRequest, screenshots: Screenshots
) -> AsyncIterator[Page]:
    """A page in a fresh context (zh-CN, Asia/Shanghai); a failed test leaves a screenshot."""
    context = await chromium.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    page = await context.new_page()
    try:
        yield page
    finally:
        if request.node.stash.get(_FAILED, False):
            await screenshots.take(page, "failed")
        await context.close()
