"""The shared browser fixture works: chromium runs a page's script and screenshots are kept."""

from __future__ import annotations

from playwright.async_api import Page

from tests.helpers.browser import SCREENSHOTS, Screenshots

PAGE = """<!doctype html><meta charset="utf-8"><title>巡察</title>
<body><p id="out">…</p><button id="go">受理</button>
<script>
document.getElementById("go").onclick = () => {
  document.getElementById("out").textContent = "已受理 " + (6 * 7);
};
</script></body>"""


async def test_page_runs_script_and_saves_screenshot(
    browser_page: Page, screenshots: Screenshots
) -> None:
    """A click runs the page's script; the screenshot lands in artifacts/screenshots/."""
    await browser_page.set_content(PAGE)
    await browser_page.get_by_role("button", name="受理").click()
    assert await browser_page.text_content("#out") == "已受理 42"
    path = await screenshots.take(browser_page, "clicked")
    assert path.parent == SCREENSHOTS
    assert path.read_bytes().startswith(b"\x89PNG")
