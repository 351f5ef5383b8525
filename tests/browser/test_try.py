"""`xuncha try` in a browser: a resident files a complaint on the chat page, the group accepts it.

The try-out runs in-process (emulator, bot on a fresh database with the example round, chat
page on a free port); headless chromium drives the page as a person would: typing, pressing
the bot's buttons, sending a photo and a location preset. Screenshots: artifacts/screenshots/.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import segno
from playwright.async_api import Locator, Page, expect

from bot.ratelimit import unpaced
from bot.tryout import TrySession, try_session
from tests.helpers.browser import Screenshots
from tests.helpers.resident import DESCRIPTION_ZH


@pytest.fixture
async def tryout(tmp_path: Path) -> AsyncIterator[TrySession]:
    """A running try-out (unpaced: the flood limits have tests of their own)."""
    async with try_session(tmp_path / "try", limits=unpaced()) as session:
        yield session


def photo_png() -> bytes:
    """A real PNG to upload (a QR code, since segno is at hand)."""
    out = io.BytesIO()
    segno.make("xuncha try").save(out, kind="png", scale=8)
    return out.getvalue()


async def press(pane: Locator, label: str) -> None:
    """Press the button with exactly this label on the newest message that has one."""
    await (
        pane.locator(".msg")
        .filter(has=pane.page.get_by_role("button", name=label, exact=True))
        .last.get_by_role("button", name=label, exact=True)
        .click()
    )


async def say(pane: Locator, text: str) -> None:
    """Type a message and send it."""
    await pane.locator(".composer .text").fill(text)
    await pane.locator(".composer .send").click()


async def test_a_resident_files_and_the_group_accepts_on_the_page(
    tryout: TrySession, browser_page: Page, screenshots: Screenshots
) -> None:
    page = browser_page
    await page.goto(tryout.url)
    resident, group = page.locator("#pane-0"), page.locator("#pane-1")
    await expect(resident.locator(".who option:checked")).to_have_text("张大爷")
    await expect(group.locator(".where option:checked")).to_have_text("第三巡察组工作群")
    await expect(group.locator(".messages")).to_contain_text("关联成功")

    await say(resident, "/start")
    await expect(resident.locator(".keyboard")).to_contain_text("发送我的位置")
    await screenshots.take(page, "1-start")
    await press(resident, "东高皇街道")
    await press(resident, "小店村")
    await expect(resident.locator(".messages")).to_contain_text("请选择问题类别")
    await press(resident, "饮水灌溉")
    await expect(resident.locator(".messages")).to_contain_text("请描述问题")
    await say(resident, DESCRIPTION_ZH)
    await expect(resident.locator(".messages")).to_contain_text("文字 21 字")
    await resident.locator(".photo-file").set_input_files(
        {"name": "well.png", "mimeType": "image/png", "buffer": photo_png()}
    )
    await expect(resident.locator(".messages")).to_contain_text("照片 1/5 张")
    await expect(resident.locator(".msg.mine img")).to_have_count(1)
    await press(resident, "完成")
    await expect(resident.locator(".messages")).to_contain_text("问题发生在哪里")

    await resident.locator(".location-button").click()
    await resident.get_by_role("button", name="📍 小店村").click()
    await expect(resident.locator(".messages")).to_contain_text("已记下位置")
    await press(resident, "匿名反映")
    summary = resident.locator(".msg.bot").last
    await expect(summary).to_contain_text("请核对您的反映")
    # HTML formatting renders: the summary's heading is bold.
    await expect(summary.locator("b").first).to_have_text("请核对您的反映：")
    await expect(summary).to_contain_text("33.74200, 113.35100")
    await screenshots.take(page, "2-summary")
    await press(resident, "提交")
    await expect(resident.locator(".messages")).to_contain_text("✅ 已提交，编号 WD2023-1-0001")

    card = group.locator(".msg.bot").filter(has_text="WD2023-1-0001").first
    await expect(card).to_contain_text(DESCRIPTION_ZH)
    # Anonymous: the group's card does not name the resident.
    await expect(card).not_to_contain_text("张大爷")
    await card.scroll_into_view_if_needed()
    await screenshots.take(page, "3-card-in-group")
    await card.get_by_role("button", name="受理", exact=True).click()
    await expect(page.locator("#toast")).to_contain_text("已受理 WD2023-1-0001")
    await expect(resident.locator(".messages")).to_contain_text("巡察组已受理您的反映，正在核实。")
    await expect(card).to_contain_text("已受理")
    await screenshots.take(page, "4-accepted")

    # The page's own labels switch to English; the bot still speaks the resident's language.
    await page.get_by_role("button", name="English").click()
    await expect(page.locator("h1")).to_have_text("Xuncha bot · chat simulator")
    await expect(resident.locator(".composer .send")).to_have_text("Send")
    await expect(resident.locator(".messages")).to_contain_text("巡察组已受理您的反映，正在核实。")
    await screenshots.take(page, "5-english-labels")


async def test_a_department_reports_done_by_replying_on_the_page(
    tryout: TrySession, browser_page: Page, screenshots: Screenshots
) -> None:
    """Scan a poster, file by name (phone from the keyboard), hand off, report by reply."""
    page = browser_page
    await page.goto(tryout.url)
    resident, other = page.locator("#pane-0"), page.locator("#pane-1")
    await expect(other.locator(".messages")).to_contain_text("关联成功")

    await resident.get_by_role("button", name="🔳 扫码").click()
    await resident.get_by_role("button", name="扫描「小店村」的公告二维码").click()
    await press(resident, "饮水灌溉")
    await say(resident, DESCRIPTION_ZH)
    await resident.get_by_role("button", name="🎤 语音").click()
    await expect(resident.locator(".messages")).to_contain_text("语音：有")
    await expect(other.locator(".scan-button")).to_be_hidden()
    await press(resident, "完成")
    await resident.locator(".keyboard").get_by_role("button", name="跳过").click()
    await press(resident, "实名反映")
    await resident.locator(".keyboard").get_by_role("button", name="📱 发送我的手机号").click()
    await expect(resident.locator(".messages")).to_contain_text("已记下手机号")
    await expect(resident.locator(".keyboard")).to_be_empty()
    await press(resident, "提交")
    await expect(resident.locator(".messages")).to_contain_text("✅ 已提交，编号 WD2023-1-0001")

    card = other.locator(".msg.bot").filter(has_text="WD2023-1-0001").first
    await expect(card).to_contain_text("张大爷 · 电话 +8613800000001")
    await card.get_by_role("button", name="受理", exact=True).click()
    await expect(card).to_contain_text("【已受理】")
    await card.get_by_role("button", name="现场交办", exact=True).click()
    await press(other, "⭐ 区水利局（派单目录默认）")
    await press(other, "按类别默认：3天")
    await expect(other.locator(".messages")).to_contain_text("已交办 区水利局")

    # The same pane now acts as the water bureau's clerk, in the bureau's chat.
    clerk = next(p for p in tryout.page.personas if p.role == "department")
    await other.locator(".who").select_option(str(clerk.user_id))
    await other.locator(".where").select_option(label="区水利局对接群")
    task = other.locator(".msg.bot").filter(has_text="WD2023-1-0001").first
    await expect(task).to_contain_text("承办单位：区水利局")
    # Departments never see who reported.
    await expect(task).not_to_contain_text("张大爷")
    await expect(task).not_to_contain_text("+8613800000001")
    await press(other, "✍️ 签收")
    await expect(task).to_contain_text("已签收")
    await press(other, "✅ 报告办结")
    # The bot's prompt is a ForceReply: the page opens a reply to it, as Telegram does.
    await expect(other.locator(".replying")).to_contain_text("请回复本消息")
    await say(other, "已排查漏水点并修复，出水压力恢复正常。")
    await expect(other.locator(".messages")).to_contain_text("已记为办结")
    await expect(other.locator(".msg.mine .quote")).to_contain_text("请回复本消息")

    await expect(resident.locator(".messages")).to_contain_text("已排查漏水点并修复")
    await expect(resident.locator(".messages")).to_contain_text("问题解决了吗？")
    await screenshots.take(page, "department-done")
