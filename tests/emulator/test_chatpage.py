"""The chat page's JSON API: what a person sees in a chat and what they do, over real HTTP.

The bot side is a plain PTB Bot talking to the emulator; the page side is aiohttp, as the
browser would call it (tests/browser/test_try.py drives the page itself).
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest_asyncio
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from emulator import BotApiEmulator
from emulator.chatpage import ChatPage, Persona, Place
from emulator.models import User


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest_asyncio.fixture
async def page(emu: BotApiEmulator) -> AsyncIterator[ChatPage]:
    """The chat page over the test emulator, on a free port."""
    chat_page = ChatPage(emu, places=[Place("小店村", 33.742, 113.351, "v_xiaodian")])
    await chat_page.start()
    try:
        yield chat_page
    finally:
        await chat_page.stop()


async def get(page: ChatPage, path: str) -> Any:
    """GET a JSON path of the page."""
    async with aiohttp.ClientSession() as session, session.get(page.url + path) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def post(page: ChatPage, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    """POST JSON to the page: (status, JSON body or text)."""
    async with aiohttp.ClientSession() as session, session.post(page.url + path, json=body) as r:
        if r.content_type == "application/json":
            return r.status, await r.json()
        return r.status, await r.text()


async def test_people_and_their_chats(emu: BotApiEmulator, page: ChatPage) -> None:
    resident = emu.add_user("张大爷")
    leader = emu.add_user("许组长")
    group = emu.add_group("第三巡察组工作群", admins=[leader])
    page.personas = [Persona(resident.id, "resident"), Persona(leader.id, "inspector")]
    world = await get(page, "api/world")
    assert [(p["name"], p["role"]) for p in world["people"]] == [
        ("张大爷", "resident"),
        ("许组长", "inspector"),
    ]
    assert [c["id"] for c in world["people"][0]["chats"]] == [resident.id]
    assert [c["title"] for c in world["people"][1]["chats"]] == [
        emu.state.bot_first_name,
        "第三巡察组工作群",
    ]
    assert world["people"][1]["chats"][1]["id"] == group.id
    assert world["places"] == [
        {"name": "小店村", "lat": 33.742, "lon": 113.351, "start": "v_xiaodian"}
    ]


async def test_html_text_and_inline_buttons_show_and_a_press_gets_the_answer(
    emu: BotApiEmulator, bot: Bot, page: ChatPage
) -> None:
    resident = emu.add_user("张大爷")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("提交", callback_data="sm:ok")]])
    await bot.send_message(resident.id, "<b>请核对</b> &lt;x&gt;", "HTML", reply_markup=keyboard)
    chat = await get(page, f"api/chat/{resident.id}")
    (message,) = chat["messages"]
    assert message["text"] == "请核对 <x>" and message["from_bot"] is True
    assert message["entities"] == [{"type": "bold", "offset": 0, "length": 3}]
    assert message["buttons"] == [[{"text": "提交", "data": "sm:ok", "url": None}]]

    pressing = asyncio.create_task(
        post(
            page,
            "api/press",
            {"user": resident.id, "chat": resident.id, "message": message["id"], "data": "sm:ok"},
        )
    )
    (update,) = await bot.get_updates(timeout=5)
    assert update.callback_query is not None and update.callback_query.data == "sm:ok"
    await update.callback_query.answer("已提交")
    status, body = await pressing
    assert (status, body) == (200, {"answer": {"text": "已提交", "alert": False}})


async def test_a_long_poll_wakes_on_an_edit(emu: BotApiEmulator, bot: Bot, page: ChatPage) -> None:
    resident = emu.add_user("张大爷")
    sent = await bot.send_message(resident.id, "待受理")
    before = await get(page, f"api/chat/{resident.id}")
    waiting = asyncio.create_task(get(page, f"api/chat/{resident.id}?since={before['signature']}"))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await bot.edit_message_text("已受理", chat_id=resident.id, message_id=sent.message_id)
    after = await waiting
    assert after["signature"] != before["signature"]
    assert [(m["text"], m["edited"]) for m in after["messages"]] == [("已受理", True)]


async def test_reply_keyboard_requests_a_location_then_goes(
    emu: BotApiEmulator, bot: Bot, page: ChatPage
) -> None:
    resident = emu.add_user("张大爷")
    where = ReplyKeyboardMarkup([[KeyboardButton("发送我的位置", request_location=True)]])
    await bot.send_message(resident.id, "问题发生在哪里？", reply_markup=where)
    chat = await get(page, f"api/chat/{resident.id}")
    assert chat["keyboard"] == [[{"text": "发送我的位置", "location": True, "contact": False}]]

    status, _ = await post(
        page,
        "api/location",
        {"user": resident.id, "chat": resident.id, "lat": 33.742, "lon": 113.351},
    )
    assert status == 200
    (update,) = await bot.get_updates(timeout=5)
    assert update.message is not None and update.message.location is not None
    assert (update.message.location.latitude, update.message.location.longitude) == (
        33.742,
        113.351,
    )
    await bot.send_message(resident.id, "已记下位置。", reply_markup=ReplyKeyboardRemove())
    chat = await get(page, f"api/chat/{resident.id}")
    assert chat["keyboard"] is None
    assert chat["messages"][1]["location"] == {"lat": 33.742, "lon": 113.351}


async def test_a_one_time_keyboard_hides_once_one_of_its_keys_is_used(
    emu: BotApiEmulator, bot: Bot, page: ChatPage
) -> None:
    resident = emu.add_user("张大爷")
    where = ReplyKeyboardMarkup(
        [[KeyboardButton("发送我的位置", request_location=True)], [KeyboardButton("跳过")]],
        one_time_keyboard=True,
    )
    await bot.send_message(resident.id, "问题发生在哪里？", reply_markup=where)
    # Typing something that is not a key leaves the keyboard up, as Telegram's apps do.
    status, _ = await post(
        page, "api/send", {"user": resident.id, "chat": resident.id, "text": "村口"}
    )
    assert status == 200
    assert (await get(page, f"api/chat/{resident.id}"))["keyboard"] is not None
    status, _ = await post(
        page,
        "api/location",
        {"user": resident.id, "chat": resident.id, "lat": 33.742, "lon": 113.351},
    )
    assert status == 200
    assert (await get(page, f"api/chat/{resident.id}"))["keyboard"] is None
    # A keyboard that is not one-time stays after use.
    await bot.send_message(resident.id, "还在吗？", reply_markup=ReplyKeyboardMarkup([["跳过"]]))
    await post(page, "api/send", {"user": resident.id, "chat": resident.id, "text": "跳过"})
    assert (await get(page, f"api/chat/{resident.id}"))["keyboard"] == [
        [{"text": "跳过", "location": False, "contact": False}]
    ]


async def test_a_shared_contact_carries_the_personas_phone(
    emu: BotApiEmulator, bot: Bot, page: ChatPage
) -> None:
    resident = emu.add_user("张大爷")
    page.personas = [Persona(resident.id, "resident", phone="+8613812345678")]
    status, _ = await post(page, "api/contact", {"user": resident.id, "chat": resident.id})
    assert status == 200
    (update,) = await bot.get_updates(timeout=5)
    assert update.message is not None and update.message.contact is not None
    assert update.message.contact.phone_number == "+8613812345678"
    assert update.message.contact.user_id == resident.id


async def test_an_uploaded_photo_reaches_the_bot_and_the_page_serves_it(
    emu: BotApiEmulator, bot: Bot, page: ChatPage
) -> None:
    resident = emu.add_user("张大爷")
    picture = b"\x89PNG\r\n\x1a\n" + b"well" * 100
    form = aiohttp.FormData()
    form.add_field("user", str(resident.id))
    form.add_field("chat", str(resident.id))
    form.add_field("caption", "机井")
    form.add_field("file", picture, filename="well.png", content_type="image/png")
    async with (
        aiohttp.ClientSession() as session,
        session.post(page.url + "api/photo", data=form) as r,
    ):
        assert r.status == 200
    (update,) = await bot.get_updates(timeout=5)
    assert update.message is not None and update.message.caption == "机井"
    downloaded = await (await update.message.photo[-1].get_file()).download_as_bytearray()
    assert bytes(downloaded) == picture
    chat = await get(page, f"api/chat/{resident.id}")
    file_id = chat["messages"][0]["file_id"]
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{page.url}api/file/{file_id}") as r,
    ):
        assert await r.read() == picture


async def test_nobody_writes_in_someone_elses_private_chat(
    emu: BotApiEmulator, bot: Bot, page: ChatPage
) -> None:
    resident, other = emu.add_user("张大爷"), emu.add_user("李婶")
    status, _ = await post(page, "api/send", {"user": other.id, "chat": resident.id, "text": "hi"})
    assert status == 403
    status, _ = await post(
        page, "api/location", {"user": resident.id, "chat": resident.id, "lat": "x"}
    )
    assert status == 400
    assert await bot.get_updates(timeout=0) == ()


async def test_a_reply_in_a_group_reaches_the_bot_as_a_reply(
    emu: BotApiEmulator, bot: Bot, page: ChatPage
) -> None:
    leader: User = emu.add_user("许组长")
    group = emu.add_group("第三巡察组工作群", admins=[leader], bot_is_admin=False)
    prompt = await bot.send_message(group.id, "请回复本消息，写明理由")
    status, _ = await post(
        page,
        "api/send",
        {
            "user": leader.id,
            "chat": group.id,
            "text": "不在受理范围",
            "reply_to": prompt.message_id,
        },
    )
    assert status == 200
    (update,) = await bot.get_updates(timeout=5)
    assert update.message is not None and update.message.reply_to_message is not None
    assert update.message.reply_to_message.message_id == prompt.message_id
    chat = await get(page, f"api/chat/{group.id}")
    assert chat["messages"][1]["reply_to"]["id"] == prompt.message_id


async def test_the_standalone_emulator_serves_the_page_for_any_bot() -> None:
    api_port, page_port = free_port(), free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "emulator",
        "--port",
        str(api_port),
        "--token",
        "42:PAGE",
        "--page-port",
        str(page_port),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        printed = ""
        while "Chat page" not in printed:
            printed += (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
        assert f"http://127.0.0.1:{page_port}/" in printed
        page_url = f"http://127.0.0.1:{page_port}/"
        async with aiohttp.ClientSession() as session:
            async with session.post(page_url + "api/resident", json={"name": "新村民"}) as r:
                resident = (await r.json())["id"]
            send = {"user": resident, "chat": resident, "text": "/start"}
            async with session.post(page_url + "api/send", json=send) as r:
                assert r.status == 200
        async with Bot("42:PAGE", base_url=f"http://127.0.0.1:{api_port}/bot") as bot:
            (update,) = await bot.get_updates(timeout=5)
        assert update.message is not None and update.message.text == "/start"
        assert update.message.from_user is not None
        assert update.message.from_user.first_name == "新村民"
    finally:
        process.terminate()
        await process.wait()


async def test_a_voice_note_reaches_the_bot(emu: BotApiEmulator, bot: Bot, page: ChatPage) -> None:
    resident = emu.add_user("张大爷")
    status, _ = await post(page, "api/voice", {"user": resident.id, "chat": resident.id})
    assert status == 200
    (update,) = await bot.get_updates(timeout=5)
    assert update.message is not None and update.message.voice is not None
    chat = await get(page, f"api/chat/{resident.id}")
    assert chat["messages"][0]["kind"] == "voice" and chat["messages"][0]["duration"] > 0
