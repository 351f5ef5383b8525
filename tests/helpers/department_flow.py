"""The department's side of a hand-off in e2e tests: signing, sending back, asking for more
time, replies with photos, and the dispatch rows the database holds."""

from __future__ import annotations

from sqlmodel import col, select

from emulator.models import StoredMessage
from handlers.i18n import t
from storage.models import Handoff
from tests.helpers.groups import Inspector
from tests.helpers.harness import BotHarness
from tests.helpers.resident import with_buttons


def prompt_of(messages: list[StoredMessage]) -> StoredMessage:
    """The bot's reply prompt (a ForceReply) among some messages."""
    found = [m for m in messages if (m.reply_markup or {}).get("force_reply")]
    assert found, f"no reply prompt among {messages}"
    return found[-1]


def card_in(member: Inspector, number: str) -> StoredMessage:
    """The latest message with buttons that shows this complaint (the department's card)."""
    found = [m for m in member.messages() if number in (m.text or "") and m.buttons]
    assert found, member.messages()
    return found[-1]


async def press_card(member: Inspector, number: str, data: str) -> tuple[str, list[StoredMessage]]:
    """Press one of the department card's buttons; the answer and the new messages."""
    answer, messages = await member.press(card_in(member, number), data)
    return answer or "", messages


async def choose_then_reply(
    member: Inspector, number: str, data: str, choice: str, text: str
) -> list[StoredMessage]:
    """Press a card button that offers a choice (退回's reason, 延期's days), choose, reply."""
    _answer, messages = await press_card(member, number, data)
    _pressed, messages = await member.press(with_buttons(messages), choice)
    return await member.reply(prompt_of(messages), text)


async def reply_with_photos(
    member: Inspector, prompt: StoredMessage, count: int, text: str
) -> list[StoredMessage]:
    """Reply to a prompt with `count` photos (each acknowledged), then the text."""
    for n in range(1, count + 1):
        member.emu.send_photo(member.user, chat=member.chat, reply_to=prompt)
        await member.harness.settle()
        acknowledged = member.new_messages()
        expected = t("zh", "dept.photo_received", count=n, max=5)
        assert [m.text for m in acknowledged] == [expected], acknowledged
    return await member.reply(prompt, text)


def photo_ids(messages: list[StoredMessage]) -> list[str]:
    """The file ids of the photos among some messages (albums included)."""
    return [m["photo"][-1]["file_id"] for m in messages if m.get("photo")]


async def handoffs_of(harness: BotHarness, complaint_id: int) -> list[Handoff]:
    """The complaint's dispatch rows, oldest first."""
    async with harness.database.transaction() as session:
        statement = (
            select(Handoff).where(Handoff.complaint_id == complaint_id).order_by(col(Handoff.id))
        )
        return list((await session.exec(statement)).all())
