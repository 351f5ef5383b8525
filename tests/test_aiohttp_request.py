"""The running bot's Bot API client (bot/aiohttp_request.py) over real HTTP to the emulator:
what PTB's httpx client does, answers, uploads, timeouts and failures alike."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.aiohttp_request import AiohttpRequest
from emulator import BotApiEmulator
from tests.helpers.harness import TOKEN


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """An emulator on loopback."""
    async with BotApiEmulator(token=TOKEN) as emulator:
        yield emulator


def bot_of(emu: BotApiEmulator, read_timeout: float = 5.0) -> Bot:
    """A Bot whose every call goes through AiohttpRequest."""
    return Bot(
        emu.token,
        request=AiohttpRequest(read_timeout=read_timeout),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
        **emu.bot_kwargs(),
    )


async def test_a_message_with_buttons_and_chinese_text_arrives_as_sent(
    emu: BotApiEmulator,
) -> None:
    resident = emu.add_user("王")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("满意", callback_data="svy:ok:7")]])
    async with bot_of(emu) as bot:
        sent = await bot.send_message(resident.id, "您的诉求已受理 & 100%", reply_markup=keyboard)
    [stored] = emu.bot_messages(resident)
    assert stored.text == sent.text == "您的诉求已受理 & 100%"
    assert stored.message_id == sent.message_id
    assert stored["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "svy:ok:7"


async def test_a_file_goes_up_as_multipart_with_its_name_and_caption(emu: BotApiEmulator) -> None:
    clerk = emu.add_user("许")
    content = b"PK\x03\x04" + bytes(range(256)) * 40
    async with bot_of(emu) as bot:
        sent = await bot.send_document(
            clerk.id, content, filename="台账-第三巡察组.xlsx", caption="台账"
        )
    assert sent.document is not None and sent.caption == "台账"
    stored = emu.state.files[sent.document.file_id]
    assert stored.data == content and stored.file_name == "台账-第三巡察组.xlsx"


async def test_telegrams_refusals_reach_ptb_as_its_errors(emu: BotApiEmulator) -> None:
    resident = emu.add_user("李")
    emu.inject(method="sendMessage", kind="429", retry_after=3)
    async with bot_of(emu) as bot:
        with pytest.raises(RetryAfter) as limited:
            await bot.send_message(resident.id, "too fast")
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(999_999_999, "nobody")
    assert limited.value.retry_after == 3


async def test_a_slow_answer_is_a_timeout_and_a_dropped_one_a_network_error(
    emu: BotApiEmulator,
) -> None:
    resident = emu.add_user("赵")
    async with bot_of(emu, read_timeout=0.3) as bot:
        emu.inject(method="sendMessage", kind="slow", delay=1.0)
        with pytest.raises(TimedOut):
            await bot.send_message(resident.id, "slow")
        emu.inject(method="sendMessage", kind="drop")
        with pytest.raises(NetworkError) as dropped:
            await bot.send_message(resident.id, "dropped")
        assert not isinstance(dropped.value, TimedOut)
        # The client goes on after both.
        await bot.send_message(resident.id, "after")
    assert [m.text for m in emu.bot_messages(resident)] == ["slow", "after"]


async def test_nothing_listening_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest())
    await bot.request.initialize()
    try:
        with pytest.raises(NetworkError, match="aiohttp"):
            await bot.get_me()
    finally:
        await bot.request.shutdown()


async def test_it_opens_again_after_a_shutdown_and_refuses_calls_before(
    emu: BotApiEmulator,
) -> None:
    request = AiohttpRequest()
    url = f"{emu.base_url}/bot{emu.token}/getMe"
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(url, "POST")
    for _ in range(2):
        await request.initialize()
        code, _body = await request.do_request(url, "POST")
        await request.shutdown()
        assert code == 200
