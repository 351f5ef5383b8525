"""The console in headless chromium: log in with a link, the overview, filter the list, search
机井, open a complaint, 督办, the map's markers (no tiles reachable), log out; the office's
pages carry no resident's name or phone. Screenshots: artifacts/screenshots/ (git ignores it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from storage import workflow
from storage.models import Complaint
from tests.helpers.browser import Screenshots
from tests.helpers.console import console_bot, login_token
from tests.helpers.factories import WATER_CHAT, act, example_world, file, outbox_rows, resident
from tests.helpers.harness import BotHarness
from tests.helpers.ledger_round import INSPECTOR

# The test residents: (telegram id, family name, given name, phone).
RESIDENTS = [
    (5001, "王", "秀英", "+8613911112222"),
    (5002, "赵", "建国", "+8613933334444"),
    (5003, "孙", "丽华", "+8613955556666"),
]


@dataclass
class Console:
    """A running bot with the console, an office login link and the complaints filed."""

    harness: BotHarness
    token: str
    wells: list[Complaint]
    lamp: Complaint
    late: Complaint

    def url(self, path: str = "/") -> str:
        return self.harness.settings.console_url.rstrip("/") + path


@pytest.fixture
async def office(tmp_path: Path) -> AsyncIterator[Console]:
    async with console_bot(tmp_path) as harness:
        world = await example_world(harness.database, link=True, link_departments=("water",))
        for telegram_id, family, given, _phone in RESIDENTS:
            await resident(harness.database, telegram_id, first_name=family, last_name=given)
        (first, _f, _g, phone1), (second, _f2, _g2, phone2), (third, _f3, _g3, phone3) = RESIDENTS
        wells = [
            await file(harness.database, first, phone=phone1, description="村东头的机井坏了"),
            await file(
                harness.database,
                second,
                phone=phone2,
                village="youyue",
                latitude=33.758,
                longitude=113.329,
                description="机井没电，浇不了地",
            ),
        ]
        lamp = await file(
            harness.database,
            third,
            phone=phone3,
            village="yuejia",
            latitude=None,
            longitude=None,
            category="lights",
            description="路灯坏了三个月了",
        )
        late = await file(
            harness.database,
            first,
            phone=phone1,
            latitude=33.7395,
            longitude=113.3561,
            description="灌溉渠堵了很久",
        )
        assert late.id is not None
        await act(world, workflow.accept, late.id, actor=INSPECTOR, expected="new")
        await act(
            world,
            workflow.hand_off,
            late.id,
            actor=INSPECTOR,
            expected="accepted",
            department_id=world.department_id("water"),
            due_on=date(2023, 3, 10),
        )
        token = await login_token(harness, "office", world.round_id)
        yield Console(harness, token, wells, lamp, late)


async def no_identity(page: Page) -> None:
    """The rendered page shows no test resident's name or phone."""
    html = await page.content()
    for _id, family, given, phone in RESIDENTS:
        assert f"{family} {given}" not in html and f"{family}{given}" not in html
        assert phone not in html and phone[3:] not in html


async def test_the_office_works_the_round_in_the_console(
    browser_page: Page, screenshots: Screenshots, office: Console
) -> None:
    page = browser_page
    await page.goto(office.url(f"/login/{office.token}"))
    await page.get_by_role("button", name="登录工作台").click()

    # The overview.
    await expect(page.locator("#total")).to_have_text("4")
    await expect(page.locator("#overdue")).to_have_text("1")
    await expect(page.locator("#rates")).to_contain_text("满意率")
    await no_identity(page)
    await screenshots.take(page, "overview")

    # The list, filtered by status, then searched.
    await page.get_by_role("link", name="问题清单").click()
    await expect(page.locator("#total")).to_have_text("共 4 件")
    await page.locator("select[name=status]").select_option("handed_off")
    await page.get_by_role("button", name="筛选").click()
    await expect(page.locator("#total")).to_have_text("共 1 件")
    await expect(page.locator("#complaints")).to_contain_text(office.late.number)
    await page.locator("select[name=status]").select_option("")
    await page.locator("input[name=q]").fill("机井")
    await page.get_by_role("button", name="筛选").click()
    await expect(page.locator("#total")).to_have_text("共 2 件")
    table = page.locator("#complaints")
    for well in office.wells:
        await expect(table).to_contain_text(well.number)
    await expect(table).not_to_contain_text(office.lamp.number)
    await no_identity(page)
    await screenshots.take(page, "list")

    # A complaint, and 督办 for the overdue one.
    await page.get_by_role("link", name=office.wells[0].number).click()
    await expect(page.locator("#description")).to_have_text("村东头的机井坏了")
    await expect(page.locator("#reporter")).to_have_text("不显示")
    await expect(page.locator("#timeline")).to_contain_text("反映")
    await expect(page.locator("#map .marker")).to_have_count(1)
    await no_identity(page)
    await screenshots.take(page, "complaint")
    before = len(await outbox_rows(office.harness.database))
    await page.goto(office.url(f"/c/{office.late.number}"))
    await page.get_by_role("button", name="督办").click()
    await expect(page.locator("#reminded")).to_have_text("督办提醒已发送。")
    await expect(page.locator("#timeline")).to_contain_text("督办")
    reminders = (await outbox_rows(office.harness.database))[before:]
    assert WATER_CHAT in {row.chat_id for row in reminders}
    assert all(row.payload.get("notice") == "due" for row in reminders)

    # The map: three complaints at their place, the lamp at 岳家村's point; no tiles load
    # (MAP_TILES_URL points at a closed port).
    await page.get_by_role("link", name="地图").click()
    await expect(page.locator("#map")).to_have_attribute("data-markers", "4")
    await expect(page.locator("#map .marker")).to_have_count(4)
    await no_identity(page)
    await screenshots.take(page, "map")

    # Logging out ends it.
    await page.get_by_role("button", name="退出登录").click()
    await expect(page.locator("#logged-out")).to_be_visible()
    answer = await page.goto(office.url("/list"))
    assert answer is not None and answer.status == 403
    await expect(page.locator("body")).not_to_contain_text(office.late.number)


async def test_the_console_on_a_phone(
    chromium: Browser, screenshots: Screenshots, office: Console
) -> None:
    context = await chromium.new_context(
        viewport={"width": 390, "height": 844}, locale="en-US", is_mobile=True
    )
    page = await context.new_page()
    try:
        await page.goto(office.url(f"/login/{office.token}"))
        await page.locator("#login").click()
        await expect(page.locator("#total")).to_have_text("4")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        await screenshots.take(page, "overview-phone")
    finally:
        await context.close()
