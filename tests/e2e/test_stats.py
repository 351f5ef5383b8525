"""/export and /stats in linked chats: the ledger as a document, a summary and a chart."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from sqlmodel import select

from handlers.ledger_file import HEADERS
from storage import ledger, links, outbox
from storage.models import OutboxMessage
from tests.helpers.exports import download, ledger_rows, only
from tests.helpers.group_flow import (
    Member,
    complaint,
    file,
    linked_chat,
    new_chat,
    prompt_in,
)
from tests.helpers.harness import BotHarness
from tests.helpers.ledger_round import expected_rows
from tests.helpers.resident import texts

PHONE = "+8613812345678"


async def three_complaints(bot: BotHarness, group: Member) -> dict[str, str]:
    """A named and an anonymous complaint in g3's villages, one in g5's; g3 accepts one."""
    _r1, named = await file(bot, anonymous=False, phone=PHONE, first_name="甲")
    _r2, anonymous = await file(bot, anonymous=True, first_name="乙")
    _r3, elsewhere = await file(bot, start="/start v_youyue", first_name="丙")
    await group.press(group.card(named), "受理")
    return {"named": named, "anonymous": anonymous, "elsewhere": elsewhere}


async def test_export_in_a_group_chat_sends_the_groups_ledger(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    numbers = await three_complaints(bot, group)
    group.new_messages()

    command = group.emu.send_text(group.user, "/export", chat=group.chat)
    await bot.settle()
    document = only(group.new_messages(), "document")
    assert document["reply_to_message"]["message_id"] == command.message_id
    assert document["document"]["file_name"].startswith("台账-WD2023-1-第三巡察组-20230314-")
    assert document["document"]["file_name"].endswith(".xlsx")
    assert "台账：第三巡察组，2 件反映" in (document.caption or "")

    rows = ledger_rows(await download(bot, document["document"]["file_id"]))
    assert [row[0] for row in rows] == [numbers["named"], numbers["anonymous"]]
    g3 = (await expected_rows(bot.database, shareable=False))[:2]
    assert [row[0] for row in g3] == [numbers["named"], numbers["anonymous"]]
    for got, want in zip(rows, g3, strict=True):
        assert got[0] == want[0]
        assert got[1] == want[1].replace(tzinfo=None, microsecond=0)
        assert got[2:11] == tuple(v if v != "" else None for v in want[2:11])
    named, anonymous = rows
    assert named[8] == "已受理"
    assert named[7] is not None and named[7].startswith("甲") and named[7].endswith(PHONE)
    assert (anonymous[6], anonymous[7]) == ("是", None)
    # The file went out from exports/ next to the bot's SQLite database.
    exports = ledger.export_directory(bot.settings.database_url)
    assert exports.parent == Path(bot.settings.database_url.removeprefix("sqlite:///")).parent
    assert [p.suffix for p in exports.iterdir()] == [".xlsx"]


async def test_export_in_the_office_chat_is_the_whole_round_without_identity(
    bot: BotHarness,
) -> None:
    group = await linked_chat(bot)
    numbers = await three_complaints(bot, group)
    office = await linked_chat(bot, "office", None, "巡察办工作群", "周主任")
    document = only(await office.say("/export"), "document")
    assert "不含反映人身份" in (document.caption or "")
    rows = ledger_rows(await download(bot, document["document"]["file_id"]))
    assert [row[0] for row in rows] == sorted(numbers.values())
    assert all(row[7] is None for row in rows)
    assert not any(PHONE in str(value) for row in rows for value in row)


async def test_stats_sends_a_summary_and_a_chart(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    numbers = await three_complaints(bot, group)
    _answer, messages = await group.press(group.card(numbers["anonymous"]), "不予受理")
    await group.reply(prompt_in(messages), "不属于巡察范围")
    group.new_messages()

    messages = await group.say("/stats")
    text = texts([m for m in messages if not m.get("photo")])
    assert "统计：第三巡察组" in text
    assert "反映总数：2 件" in text
    assert "已受理 1，不予受理 1" in text
    assert "饮水灌溉 2" in text
    assert "按渠道：本机器人 2" in text
    assert "已立行立改问题0个，现场交办事项0件，移交问题线索0件，不予受理1件。" in text
    assert "满意度：尚无评价。" in text
    photo = only(messages, "photo")
    assert messages.index(photo) == len(messages) - 1  # after the text
    largest = photo["photo"][-1]
    data = await download(bot, largest["file_id"])
    assert data.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(data)) as image:
        assert image.width >= 800 and image.height >= 300

    office = await linked_chat(bot, "office", None, "巡察办工作群", "周主任")
    text = texts(await office.say("/stats"))
    assert "统计：卫东区委2023年第一轮巡察" in text and "反映总数：3 件" in text


async def test_an_empty_round_has_a_summary_but_no_chart(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    messages = await group.say("/stats")
    assert "还没有群众反映。" in texts(messages)
    assert not any(m.get("photo") for m in messages)


async def test_only_group_and_office_chats(bot: BotHarness) -> None:
    department = await linked_chat(bot, "department", "water", "水利局工作群", "赵")
    assert "只能在巡察组或巡察办工作群中使用" in texts(await department.say("/export"))
    assert "只能在巡察组或巡察办工作群中使用" in texts(await department.say("/stats"))
    stranger = new_chat(bot, "无关的群")
    assert await stranger.say("/export") == []
    assert await stranger.say("/stats") == []


async def test_a_lost_file_fails_for_good_and_the_chat_goes_on(
    bot: BotHarness, tmp_path: Path
) -> None:
    group = await linked_chat(bot)
    missing = tmp_path / "exports" / "gone.xlsx"
    async with bot.database.transaction() as session:
        lost = outbox.enqueue_call(
            session=session,
            chat_id=group.chat.id,
            method="sendDocument",
            params={
                "chat_id": group.chat.id,
                "document": {"local_file": str(missing), "filename": "x.xlsx"},
            },
            now=bot.clock.now(),
        )
        outbox.enqueue_call(
            session=session,
            chat_id=group.chat.id,
            method="sendMessage",
            params={"chat_id": group.chat.id, "text": "after the lost file"},
            now=bot.clock.now(),
        )
    assert bot.runtime.app is not None
    bot.runtime.app.outbox_wakeup.set()
    await bot.settle()
    assert texts(group.new_messages()) == "after the lost file"
    async with bot.database.transaction() as session:
        row = await session.get(OutboxMessage, lost.id)
    assert row is not None and row.status == "failed"
    assert (row.last_error or "").startswith("local file:")


async def ledger_row(bot: BotHarness) -> OutboxMessage:
    """The one ledger row in the outbox, as it is now."""
    async with bot.database.transaction() as session:
        statement = select(OutboxMessage).where(OutboxMessage.kind == outbox.LEDGER)
        return (await session.exec(statement)).one()


def exported(bot: BotHarness) -> list[Path]:
    """The files in the bot's export directory."""
    exports = ledger.export_directory(bot.settings.database_url)
    return sorted(exports.iterdir()) if exports.is_dir() else []


async def test_the_ledger_is_written_by_the_sender_with_what_happened_after_the_request(
    bot: BotHarness,
) -> None:
    group = await linked_chat(bot)
    numbers = await three_complaints(bot, group)
    group.new_messages()
    # /export's "sending a file…" goes out first and is held: the ledger row waits behind it.
    bot.emu.hold("sendChatAction")
    try:
        command = group.emu.send_text(group.user, "/export", chat=group.chat)
        action = await bot.emu.wait_for_request("sendChatAction", timeout=10)
        assert action.params["action"] == "upload_document"
        # The update is handled and committed; its transaction wrote a request, not a file.
        row = await ledger_row(bot)
        assert row.status == "pending"
        assert exported(bot) == []
        group_id = (await complaint(bot, numbers["named"])).group_id
        assert {k: v for k, v in row.payload.items() if k != "requested_at"} == {
            "round_id": (await complaint(bot, numbers["named"])).round_id,
            "group_id": group_id,
            "shareable": False,
            "reply_to": command.message_id,
            "language": "zh",
        }
        # Another update is handled meanwhile: nothing waits for the ledger.
        query = group.emu.press_button(
            group.user, group.card(numbers["anonymous"]), "受理", chat=group.chat
        )
        await bot.emu.wait_for_request("answerCallbackQuery", timeout=10)
        assert query["id"] in bot.emu.callback_answers
        assert (await complaint(bot, numbers["anonymous"])).status == "accepted"
    finally:
        bot.emu.release("sendChatAction")
    await bot.settle()
    document = only(group.new_messages(), "document")
    assert document["reply_to_message"]["message_id"] == command.message_id
    assert document["document"]["file_name"].startswith("台账-WD2023-1-第三巡察组-20230314-")
    assert "台账：第三巡察组，2 件反映" in (document.caption or "")
    rows = ledger_rows(await download(bot, document["document"]["file_id"]))
    # Written when its turn came: the complaint accepted after /export shows as accepted.
    assert [(row[0], row[8]) for row in rows] == [
        (numbers["named"], "已受理"),
        (numbers["anonymous"], "已受理"),
    ]
    assert [path.name for path in exported(bot)] == [
        f"ledger-WD2023-1-g{group_id}-20230314T020000Z-r{row.id}.xlsx"
    ]
    assert (await ledger_row(bot)).status == "sent"


async def test_a_retried_ledger_sends_the_same_file_again(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    await three_complaints(bot, group)
    group.new_messages()
    bot.emu.hold("sendDocument")
    try:
        group.emu.send_text(group.user, "/export", chat=group.chat)
        await bot.emu.wait_for_request("sendDocument", timeout=10)
        (written,) = exported(bot)
        before = written.stat()
    finally:
        # The connection drops before Telegram has the file: the row is tried again.
        bot.emu.release("sendDocument", drop=True)
    await bot.settle(within=30)
    only(group.new_messages(), "document")
    assert len(bot.emu.requests_of("sendDocument")) == 2
    # The file of the first attempt went out again: not written a second time.
    assert exported(bot) == [written]
    after = written.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    row = await ledger_row(bot)
    assert (row.status, row.attempts) == ("sent", 2)


async def test_a_chat_that_serves_something_else_by_then_gets_no_ledger(
    bot: BotHarness,
) -> None:
    group = await linked_chat(bot)
    await three_complaints(bot, group)
    office = await linked_chat(bot, "office", None, "巡察办工作群", "周主任")
    # A group's ledger (identities included) asked for in a chat that serves the office by
    # the time the row goes out (relinked in between): it must not get it.
    async with bot.database.transaction() as session:
        role = await links.chat_role(session=session, chat_id=group.chat.id)
        assert role is not None
        outbox.enqueue_ledger(
            session=session,
            chat_id=office.chat.id,
            round_id=role.round_id,
            group_id=role.group_id,
            shareable=False,
            language="zh",
            reply_to=None,
            now=bot.clock.now(),
        )
    office.new_messages()
    assert bot.runtime.app is not None
    bot.runtime.app.outbox_wakeup.set()
    await bot.settle()
    assert office.new_messages() == []
    assert exported(bot) == []
    assert (await ledger_row(bot)).status == "sent"


CONDUCT = "村支书在低保评议会上拍桌子骂人，还让亲戚顶了名额。"
WATER = "机井坏了一个月，浇不了地。"


async def test_the_office_export_withholds_a_sensitive_complaints_words(bot: BotHarness) -> None:
    group = await linked_chat(bot)
    _r1, conduct = await file(bot, category="干部作风", description=CONDUCT, first_name="甲")
    _r2, water = await file(bot, description=WATER, first_name="乙")
    office = await linked_chat(bot, "office", None, "巡察办工作群", "周主任")
    description = HEADERS.index("反映内容")

    shared = only(await office.say("/export"), "document")
    rows = {row[0]: row for row in ledger_rows(await download(bot, shared["document"]["file_id"]))}
    assert rows[conduct][description] == "内容保密（已移交）"
    assert rows[water][description] == WATER
    assert not any("低保" in str(value) for row in rows.values() for value in row)

    # The group's own ledger keeps them.
    own = only(await group.say("/export"), "document")
    rows = {row[0]: row for row in ledger_rows(await download(bot, own["document"]["file_id"]))}
    assert (rows[conduct][description], rows[water][description]) == (CONDUCT, WATER)
