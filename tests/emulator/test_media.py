"""Files: multipart uploads, file_id reuse, media groups, getFile and downloads."""

from __future__ import annotations

import io

import pytest
from telegram import Bot, InputMediaPhoto
from telegram.error import BadRequest

from emulator import BotApiEmulator

pytestmark = pytest.mark.asyncio


async def test_document_upload_and_download(emu: BotApiEmulator, bot: Bot) -> None:
    grp = emu.add_group("组")
    payload = "台账\n编号,状态\n".encode() * 100
    sent = await bot.send_document(grp.id, payload, filename="ledger.csv", caption="台账")
    assert sent.document is not None and sent.document.file_name == "ledger.csv"
    assert sent.caption == "台账"
    upload = emu.requests_of("sendDocument")[-1].params["document"]
    assert "ledger.csv" in upload and str(len(payload)) in upload
    file = await bot.get_file(sent.document.file_id)
    assert file.file_size == len(payload)
    buffer = io.BytesIO()
    await file.download_to_memory(buffer)
    assert buffer.getvalue() == payload
    again = await bot.send_document(grp.id, sent.document.file_id)
    assert again.document is not None
    assert again.document.file_unique_id == sent.document.file_unique_id
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_document(grp.id, "no-such-file-id")
    assert [m.kind for m in emu.bot_messages(grp)] == ["document", "document"]


async def test_user_photo_can_be_downloaded_and_forwarded(emu: BotApiEmulator, bot: Bot) -> None:
    alice = emu.add_user("Alice")
    grp = emu.add_group("组")
    emu.send_photo(alice, caption="水井", data=b"\xff\xd8real-photo\xff\xd9")
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.caption == "水井"
    largest = update.message.photo[-1]
    file = await bot.get_file(largest.file_id)
    assert bytes(await file.download_as_bytearray()) == b"\xff\xd8real-photo\xff\xd9"
    ids = {p.file_id for p in update.message.photo}
    assert len(ids) == 3
    sent = await bot.send_photo(grp.id, largest.file_id, caption="<b>附件</b>", parse_mode="HTML")
    assert [p.file_id for p in sent.photo] == [p.file_id for p in update.message.photo]
    copied = await bot.copy_message(grp.id, alice.id, update.message.message_id)
    assert emu.bot_messages(grp)[-1].message_id == copied.message_id
    assert emu.bot_messages(grp)[-1].caption == "水井"


async def test_media_group_upload(emu: BotApiEmulator, bot: Bot) -> None:
    grp = emu.add_group("组")
    voice = emu.send_voice(emu.add_user("Bob"), duration=4)
    album = await bot.send_media_group(
        grp.id,
        [
            InputMediaPhoto(b"first-photo", caption="<i>现场</i>", parse_mode="HTML"),
            InputMediaPhoto(b"second-photo"),
        ],
    )
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id
    assert album[0].caption == "现场"
    stored = emu.bot_messages(grp)
    assert [m.kind for m in stored] == ["photo", "photo"]
    assert stored[0].media_group_id == album[0].media_group_id
    second = await bot.get_file(album[1].photo[-1].file_id)
    assert bytes(await second.download_as_bytearray()) == b"second-photo"
    sent_voice = await bot.send_voice(grp.id, voice["voice"]["file_id"])
    assert sent_voice.voice is not None
    with pytest.raises(BadRequest, match=r"(?i)2-10 items"):
        await bot.send_media_group(grp.id, [InputMediaPhoto(b"alone")])
