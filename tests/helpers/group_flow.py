"""More helpers for the group chat's e2e tests (on top of tests/helpers/groups.py): linked
chats with their administrator, complaints filed through the resident's conversation, cards
and reply prompts, and what the database holds."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import col, select

from emulator.models import StoredMessage
from storage.models import Complaint, TimelineEvent
from tests.helpers.groups import Inspector, add_inspection_chat, issue_code
from tests.helpers.harness import BotHarness
from tests.helpers.resident import DESCRIPTION_ZH, Person, person, submit_data, with_buttons

NUMBER = re.compile(r"WD2023-1-\d{4}")


class Member(Inspector):
    """An inspector who also replies with photos, finds cards and prompts, and has colleagues."""

    async def reply_photo(self, message: StoredMessage, caption: str) -> list[StoredMessage]:
        self.emu.send_photo(self.user, caption=caption, chat=self.chat, reply_to=message)
        await self.harness.settle()
        return self.new_messages()

    def card(self, number: str) -> StoredMessage:
        """The complaint's card in this chat (the first bot message showing it as a card)."""
        for message in self.messages():
            text = message.text or ""
            if number in text and text.startswith(("📋", "📥")):
                return message
        raise AssertionError(f"no card of {number} in {self.messages()}")

    def colleague(self, first_name: str, *, admin: bool = False) -> Member:
        """Another member of the same chat."""
        user = self.emu.add_user(first_name=first_name, language_code="zh")
        self.emu.add_member(self.chat, user, admin=admin)
        return Member(self.harness, user, self.chat)

    def stranger(self, first_name: str) -> Member:
        """Someone the emulator knows who is not in this chat (and stays out when pressing)."""
        user = self.emu.add_user(first_name=first_name, language_code="zh")
        return Member(self.harness, user, self.chat, joins=False)


def prompt_in(messages: list[StoredMessage]) -> StoredMessage:
    """The bot's reply prompt (a ForceReply) among some messages."""
    found = [m for m in messages if (m.reply_markup or {}).get("force_reply")]
    assert found, f"no reply prompt among {messages}"
    return found[-1]


def button(message: StoredMessage, label: str) -> str:
    """The callback data of the button with this label (exactly one)."""
    found = [d for t, d in message.buttons if t == label and d is not None]
    assert len(found) == 1, f"no single button {label!r} in {message.buttons}"
    return found[0]


def labels(message: StoredMessage) -> list[str]:
    """The labels of a message's inline buttons."""
    return [t for t, _ in message.buttons]


def new_chat(harness: BotHarness, title: str, admin_name: str = "王组长") -> Member:
    """A new supergroup with the bot in it; its administrator."""
    chat, admin = add_inspection_chat(harness, title, admin_name)
    return Member(harness, admin, chat)


async def linked_chat(
    harness: BotHarness,
    target: str = "group",
    code: str | None = "g3",
    title: str = "第三巡察组工作群",
    admin_name: str = "王组长",
) -> Member:
    """A new chat linked with /link (group, department or office); its administrator."""
    admin = new_chat(harness, title, admin_name)
    round_code = "WD2023-1" if target == "office" else None
    link_code = await issue_code(harness, target, code, round_code)
    messages = await admin.say(f"/link {link_code}")
    assert any("关联成功" in (m.text or "") for m in messages), messages
    return admin


async def file(
    harness: BotHarness,
    *,
    description: str = DESCRIPTION_ZH,
    anonymous: bool = True,
    start: str = "/start v_xiaodian",
    category: str | None = None,
    photos: int = 0,
    voice: bool = False,
    location: tuple[float, float] | None = None,
    phone: str | None = None,
    first_name: str = "张",
    **resident: Any,
) -> tuple[Person, str]:
    """A resident files a complaint through the conversation: the resident and the number.

    `category` is a button label (default: the first category).
    """
    someone = person(harness, first_name, **resident)
    messages = await someone.say(start)
    categories = with_buttons(messages)
    _answer, messages = await someone.press(categories, category or categories.buttons[0][0])
    messages = await someone.say(description)
    if photos == 1:
        messages = await someone.photo()
    elif photos > 1:
        messages = await someone.album(photos)
    if voice:
        messages = await someone.voice()
    _answer, messages = await someone.press(with_buttons(messages), "完成")
    if location is not None:
        messages = await someone.location(*location)
    else:
        messages = await someone.say("跳过")
    _answer, messages = await someone.press(
        with_buttons(messages), "匿名反映" if anonymous else "实名反映"
    )
    if not anonymous:
        messages = await (someone.contact(phone) if phone else someone.say("跳过"))
    # Submitted as it is, also when a like complaint is offered to join (issue 11 §2).
    summary = with_buttons(messages)
    _answer, messages = await someone.press(summary, submit_data(summary))
    receipt = "\n".join(m.text or "" for m in messages)
    found = NUMBER.search(receipt)
    assert found is not None, receipt
    return someone, found[0]


async def complaint(harness: BotHarness, number: str) -> Complaint:
    """A complaint as the database has it now."""
    async with harness.database.transaction() as session:
        statement = select(Complaint).where(Complaint.number == number)
        return (await session.exec(statement)).one()


async def events(harness: BotHarness, number: str) -> list[TimelineEvent]:
    """A complaint's timeline, oldest first."""
    found = await complaint(harness, number)
    async with harness.database.transaction() as session:
        statement = (
            select(TimelineEvent)
            .where(TimelineEvent.complaint_id == found.id)
            .order_by(col(TimelineEvent.id))
        )
        return list((await session.exec(statement)).all())
