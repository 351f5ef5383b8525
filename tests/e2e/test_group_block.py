"""屏蔽 from the card (issue 11 §5): an anonymous resident blocked without the group learning who
they are, the once-a-day notice, nothing reaching any chat, unblocking, expiry, bad presses."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import timedelta
from pathlib import Path

from sqlmodel import col, select

from storage.models import Complaint, ResidentBlock, TimelineEvent
from tests.e2e.test_group_privacy import everything_shown
from tests.helpers.cli import CHINESE, run_xuncha
from tests.helpers.group_flow import complaint, file, linked_chat, prompt_in
from tests.helpers.groups import shows
from tests.helpers.harness import BotHarness
from tests.helpers.recording import record
from tests.helpers.resident import texts, with_buttons


async def _records(bot: BotHarness) -> list[ResidentBlock]:
    """Every block row, oldest first."""
    async with bot.database.transaction() as session:
        rows = await session.exec(select(ResidentBlock).order_by(col(ResidentBlock.id)))
        return list(rows.all())


async def _complaints(bot: BotHarness) -> int:
    """How many complaints are filed."""
    async with bot.database.transaction() as session:
        return len((await session.exec(select(Complaint))).all())


async def test_block_an_anonymous_resident_from_the_card(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    resident, number = await file(
        bot, anonymous=True, first_name="隐名", last_name="氏", username="hidden_villager"
    )
    card = group.card(number)
    answer, messages = await group.press(card, "🚫 屏蔽")
    assert answer == "请选择屏蔽期限"
    choice = messages[-1]
    assert "屏蔽" in (choice.text or "") and number in (choice.text or "")
    assert [t for t, _ in choice.buttons] == ["7天", "30天", "永久", "取消"]
    answer, _ = await group.press(choice, "7天")
    assert answer == "请选择屏蔽理由"
    choice = group.message(choice.message_id)
    assert "恶意刷屏" in [t for t, _ in choice.buttons]
    answer, _ = await group.press(choice, "恶意刷屏")
    assert answer == "已屏蔽"
    done = group.message(choice.message_id)
    text = done.text or ""
    assert f"已屏蔽 {number} 的反映人" in text and "至 2023-03-21 10:00" in text
    assert "理由：恶意刷屏" in text and "操作人：王组长" in text
    assert [t for t, _ in done.buttons] == [f"解除屏蔽 {number.rsplit('-', 1)[-1]}"]
    # The group never learns who it is.
    shown = everything_shown(bot, group.chat.id)
    for secret in ("隐名", "hidden_villager", str(resident.user.id)):
        assert secret not in shown, secret
    (row,) = await _records(bot)
    assert (row.reason, row.blocked_by_name, row.blocked_by_kind) == (
        "恶意刷屏",
        "王组长",
        "inspector",
    )

    # The resident's messages: one polite notice a day, nothing reaches the group.
    resident.new_messages()
    before = len(group.messages())
    filed = await _complaints(bot)
    notice = texts(await resident.say("/start v_xiaodian"))
    assert "不会转给巡察组（屏蔽至 2023-03-21 10:00）" in notice
    assert "卫东区委巡察办 电话 0375-0000000" in notice
    assert await resident.say("你们管不管？") == []
    assert await resident.photo() == []
    bot.clock.advance(timedelta(days=1))
    assert "不会转给巡察组" in texts(await resident.say("还是没人管"))
    assert len(group.messages()) == before and await _complaints(bot) == filed

    # Seven days on the block has run out: the resident files again.
    bot.clock.advance(timedelta(days=6, minutes=1))
    assert "请选择" in texts(await resident.say("/start v_xiaodian"))
    # The record: an internal event on the complaint's timeline.
    async with bot.database.transaction() as session:
        found = await session.exec(select(TimelineEvent).where(TimelineEvent.action == "blocked"))
        (event,) = found.all()
    assert (event.public, event.note, event.actor_name) == (False, "恶意刷屏", "王组长")
    assert event.complaint_id == (await complaint(bot, number)).id


async def test_a_typed_reason_blocks_for_good_then_unblock_from_blocks(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    resident, number = await file(bot, anonymous=False, first_name="实名")
    _answer, messages = await group.press(group.card(number), "🚫 屏蔽")
    choice = messages[-1]
    await group.press(choice, "永久")
    _answer, messages = await group.press(group.message(choice.message_id), "✏️ 输入理由")
    prompt = prompt_in(messages)
    assert f"屏蔽 {number} 反映人的理由" in (prompt.text or "")
    messages = await group.reply(prompt, "多次发送<辱骂>内容")
    done = messages[-1]
    assert "（永久）" in (done.text or "") and "理由：多次发送&lt;辱骂&gt;内容" not in (
        done.text or ""
    )
    assert "理由：多次发送<辱骂>内容" in (done.text or "")

    # Twice: a clear answer, nothing changes.
    _answer, messages = await group.press(group.card(number), "🚫 屏蔽")
    again = messages[-1]
    await group.press(again, "30天")
    answer, _ = await group.press(group.message(again.message_id), "广告或无关内容")
    assert answer == "该反映人已在屏蔽中，无需重复屏蔽。"
    assert len(await _records(bot)) == 1

    listed = await group.say("/blocks")
    listing = listed[-1]
    assert number in (listing.text or "") and "永久" in (listing.text or "")
    assert "实名" not in (listing.text or "")
    short = number.rsplit("-", 1)[-1]
    answer, messages = await group.press(listing, f"解除屏蔽 {short}")
    assert answer == "已解除屏蔽"
    assert f"已解除 {number} 反映人的屏蔽（王组长）" in texts(messages)
    # Unblocking what is not blocked: a clear answer.
    answer, _ = await group.press(done, f"解除屏蔽 {short}")
    assert answer == "这条屏蔽已解除或已到期，无需再解除。"
    assert texts(await group.say("/blocks")) == "本组目前没有屏蔽的反映人。"
    (row,) = await _records(bot)
    assert row.lifted_by_name == "王组长" and row.lifted_at is not None

    # Unblocked: the resident is heard again.
    resident.new_messages()
    assert "请选择" in texts(await resident.say("/start v_xiaodian"))


async def test_bad_presses_change_nothing(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    other = await linked_chat(bot, "group", "g5", "第五巡察组工作群", "赵组长")
    _resident, number = await file(bot)
    card = group.card(number)
    complaint_id = (await complaint(bot, number)).id
    # From another group's chat (forged data), from a stranger, with a duration not offered.
    other_card = other.emu.bot_messages(other.chat.id)[-1]
    for data in (f"cmp:blk:{complaint_id}", f"cmp:bkr:{complaint_id}:7:spam"):
        answer, messages = await other.press(other_card, data, check=False)
        assert answer == "这件反映不归本群办理，操作无效。" and messages == []
    stranger = group.stranger("路人")
    answer, _ = await stranger.press(card, "🚫 屏蔽")
    assert answer == "只有本群成员可以办理。"
    for data in (f"cmp:bkd:{complaint_id}:3", f"cmp:bkr:{complaint_id}:7:evil", "cmp:bkx:1"):
        answer, _ = await group.press(card, data, check=False)
        assert answer == "这个按钮无效。", data
    answer, _ = await group.press(card, "cmp:ubk:999", check=False)
    assert answer == "找不到这件反映。"
    assert await _records(bot) == []


async def test_block_list_and_unblock_from_the_command_line(
    bot: BotHarness, tmp_path: Path
) -> None:
    group = await linked_chat(bot)
    resident, number = await file(bot, anonymous=True, first_name="隐名")
    _answer, messages = await group.press(group.card(number), "🚫 屏蔽")
    choice = messages[-1]
    await group.press(choice, "永久")
    await group.press(group.message(choice.message_id), "辱骂、威胁工作人员")
    env = {"XUNCHA_HOME": str(tmp_path / "home"), "DATABASE_URL": bot.settings.database_url}

    async def xuncha(*args: str) -> subprocess.CompletedProcess[str]:
        return await asyncio.to_thread(run_xuncha, *args, env={**env, **CHINESE}, cwd=tmp_path)

    listed = await xuncha("block", "list")
    assert listed.returncode == 0, listed.stderr
    assert f"{number}  永久  理由：辱骂、威胁工作人员  王组长（2023-03-14 10:00）" in listed.stdout
    assert "隐名" not in listed.stdout
    done = await xuncha("unblock", number.lower(), "--reason", "误操作")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"已解除通过 {number} 的屏蔽。"
    again = await xuncha("unblock", number)
    assert again.returncode == 1
    assert f"通过 {number} 的屏蔽已解除或已到期，无需再解除。" in again.stderr
    unknown = await xuncha("unblock", "WD2023-1-9999")
    assert unknown.returncode == 1 and "没有编号为 WD2023-1-9999 的反映。" in unknown.stderr
    record = await xuncha("block", "list", "--all")
    assert "已解除：" in record.stdout and "运维（命令行），理由：误操作" in record.stdout
    (row,) = await _records(bot)
    assert (row.lifted_by_kind, row.lift_reason) == ("operator", "误操作")
    # Heard again.
    resident.new_messages()
    assert "请选择" in texts(await resident.say("/start v_xiaodian"))


async def test_a_recorded_complaint_without_a_telegram_resident_blocks_nobody(
    bot: BotHarness,
) -> None:
    group = await linked_chat(bot)
    _inspector, number, _receipt = await record(group)
    _answer, messages = await group.press(group.card(number), "🚫 屏蔽")
    choice = messages[-1]
    await group.press(choice, "30天")
    answer, _ = await group.press(group.message(choice.message_id), "恶意刷屏")
    assert answer == "这件反映是代录的，反映人没有在机器人上留下账号，无人可屏蔽。"
    assert await _records(bot) == []


async def test_a_blocked_residents_answers_and_material_reach_no_chat(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    resident, number = await file(bot, anonymous=True)
    filed = await complaint(bot, number)
    # A question asked before the block, and 补充材料 opened before it.
    _answer, messages = await group.press(group.card(number), "追问")
    await group.reply(prompt_in(messages), "井在哪里？")
    question = with_buttons(resident.new_messages())
    receipt = next(
        m
        for m in bot.emu.bot_messages(resident.user.id)
        if any((d or "").startswith("ra:") for _, d in m.buttons)
    )
    await resident.press(receipt, f"ra:{filed.id}:s")
    _answer, messages = await group.press(group.card(number), "🚫 屏蔽")
    choice = messages[-1]
    await group.press(choice, "30天")
    await group.press(group.message(choice.message_id), "恶意刷屏")
    group.new_messages()
    resident.new_messages()

    answer, messages = await resident.press(question, question.buttons[0][1] or "")
    assert answer == "您的消息暂时无法送达巡察组。"
    assert "不会转给巡察组（屏蔽至 2023-04-13 10:00）" in texts(messages)
    assert await resident.say("在村东头，机井旁边的电线也断了") == []
    assert await resident.photo() == []
    answer, _ = await resident.press(receipt, f"ra:{filed.id}:w")
    assert answer == "您的消息暂时无法送达巡察组。"
    assert group.new_messages() == []
    current = await complaint(bot, number)
    assert current.status == filed.status and current.description == filed.description


async def test_block_pressed_on_a_stale_card_changes_nothing(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    # The first card's answer is lost: the card is sent again, and the first one is stale.
    bot.emu.inject(method="sendMessage", kind="lost", chat_id=group.chat.id)
    _resident, number = await file(bot)
    old, _new = [m for m in group.messages() if shows(m, number) and m.buttons]
    answer, messages = await group.press(old, "🚫 屏蔽")
    assert answer == "此卡片已过期，请看最新的卡片。"
    assert not any("屏蔽" in (m.text or "") for m in messages)
    assert await _records(bot) == []
