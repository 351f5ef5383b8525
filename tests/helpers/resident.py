"""Helpers for the resident e2e tests: a resident who talks to the bot through the emulator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlmodel import col, select

from emulator.models import StoredMessage, User
from storage.models import Complaint, Draft, Resident
from tests.helpers.harness import BotHarness

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DESCRIPTION_ZH = "村里机井水压太低，浇不了地，已经两个月了。"
DESCRIPTION_EN = "The irrigation well has had almost no pressure for two months."


class Person:
    """A resident in a private chat with the bot; every action waits until the bot is done."""

    def __init__(self, harness: BotHarness, user: User) -> None:
        self.harness = harness
        self.user = user
        self.seen = 0

    @property
    def emu(self) -> Any:
        return self.harness.emu

    def new_messages(self) -> list[StoredMessage]:
        """Bot messages sent since the last look."""
        messages = self.emu.bot_messages(self.user.id)
        fresh = messages[self.seen :]
        self.seen = len(messages)
        return fresh

    async def _after(self) -> list[StoredMessage]:
        await self.harness.settle()
        return self.new_messages()

    async def say(self, text: str) -> list[StoredMessage]:
        self.emu.send_text(self.user, text)
        return await self._after()

    async def location(self, latitude: float, longitude: float) -> list[StoredMessage]:
        self.emu.send_location(self.user, latitude, longitude)
        return await self._after()

    async def contact(
        self, phone: str = "+8613800000000", own: bool = True
    ) -> list[StoredMessage]:
        self.emu.send_contact(self.user, phone=phone, own=own)
        return await self._after()

    async def photo(self, caption: str | None = None) -> list[StoredMessage]:
        self.emu.send_photo(self.user, caption=caption)
        return await self._after()

    async def album(self, count: int) -> list[StoredMessage]:
        self.emu.send_album(self.user, count=count)
        return await self._after()

    async def voice(self) -> list[StoredMessage]:
        self.emu.send_voice(self.user)
        return await self._after()

    async def send(self, action: Callable[[User], object]) -> list[StoredMessage]:
        """Any other emulator action by this user (a sticker, a video, a file...)."""
        action(self.user)
        return await self._after()

    async def press(
        self, message: StoredMessage, data: str, *, check: bool = True
    ) -> tuple[str | None, list[StoredMessage]]:
        """Press a button (by data or by its text): the callback answer and new messages."""
        query = self.emu.press_button(self.user, message, data, check=check)
        messages = await self._after()
        answer = self.emu.callback_answers.get(query["id"])
        assert answer is not None, "every button press is answered"
        return answer.text, messages

    def message(self, message_id: int) -> StoredMessage:
        """A bot message as it is now (after edits)."""
        return next(m for m in self.emu.bot_messages(self.user.id) if m.message_id == message_id)


def with_buttons(messages: list[StoredMessage]) -> StoredMessage:
    """The last of the messages that has inline buttons."""
    found = [m for m in messages if m.buttons]
    assert found, f"no message with buttons among {messages}"
    return found[-1]


async def answer_survey(
    someone: Person, survey: StoredMessage, solved: str = "y", satisfied: str = "s"
) -> tuple[str | None, list[StoredMessage]]:
    """Both 回访 questions: `solved` (y/p/n) on `survey`, then `satisfied` (s/b/u) on the
    second question's message; the answer to the second press and what came after it."""
    first = survey.buttons[0][1] or ""
    prefix = first[: first.rindex(":") + 1]
    _answer, messages = await someone.press(survey, prefix + solved)
    second = with_buttons(messages)
    assert (second.buttons[0][1] or "").startswith(prefix), second
    return await someone.press(second, prefix + satisfied)


def texts(messages: list[StoredMessage]) -> str:
    """All visible text of some messages, for `in` checks."""
    return "\n".join(m.text or "" for m in messages)


def button_data(message: StoredMessage, text: str) -> str:
    """The callback data of the button with this text."""
    found = [d for t, d in message.buttons if t == text and d is not None]
    assert len(found) == 1, f"no single button {text!r} in {message.buttons}"
    return found[0]


def submit_data(summary: StoredMessage) -> str:
    """The data of the summary's submit button: 提交, or 我的问题不一样，继续提交 when an open
    complaint like it is offered to join (issue 11 §2)."""
    (found,) = [d for _t, d in summary.buttons if d and d.startswith("sm:") and d.endswith(":ok")]
    return found


def removes_keyboard(message: StoredMessage) -> bool:
    """Whether a message takes the reply keyboard away."""
    return bool((message.reply_markup or {}).get("remove_keyboard"))


def requests_location(message: StoredMessage) -> bool:
    """Whether a message shows Telegram's location button."""
    rows = (message.reply_markup or {}).get("keyboard", [])
    return any(isinstance(b, dict) and b.get("request_location") for row in rows for b in row)


def requests_contact(message: StoredMessage) -> bool:
    """Whether a message shows Telegram's contact button."""
    rows = (message.reply_markup or {}).get("keyboard", [])
    return any(isinstance(b, dict) and b.get("request_contact") for row in rows for b in row)


async def complaints_of(harness: BotHarness, telegram_id: int) -> list[Complaint]:
    async with harness.database.transaction() as session:
        statement = (
            select(Complaint)
            .join(Resident, col(Resident.id) == col(Complaint.resident_id))
            .where(Resident.telegram_id == telegram_id)
        )
        return list((await session.exec(statement)).all())


async def draft_of(harness: BotHarness, telegram_id: int) -> Draft | None:
    async with harness.database.transaction() as session:
        statement = (
            select(Draft)
            .join(Resident, col(Resident.id) == col(Draft.resident_id))
            .where(Resident.telegram_id == telegram_id)
        )
        return (await session.exec(statement)).first()


def person(
    harness: BotHarness, first_name: str = "张", language: str = "zh", **kwargs: Any
) -> Person:
    """A new Telegram user, ready to talk."""
    user = harness.emu.add_user(first_name=first_name, language_code=language, **kwargs)
    return Person(harness, user)


# Button labels by language, for walking through a conversation.
LABELS = {
    "zh": {
        "done": "完成",
        "skip": "跳过",
        "anonymous": "匿名反映",
        "named": "实名反映",
        "yes": "是的",
        "submit": "提交",
    },
    "en": {
        "done": "Done",
        "skip": "Skip",
        "anonymous": "Anonymous",
        "named": "With my name",
        "yes": "Yes",
        "submit": "Submit",
    },
}


def labels_of(someone: Person) -> dict[str, str]:
    """The button labels in the person's language."""
    return LABELS["en" if someone.user.language_code == "en" else "zh"]


async def walk_from_category(
    someone: Person,
    messages: list[StoredMessage],
    *,
    description: str = DESCRIPTION_ZH,
    anonymous: bool = True,
) -> StoredMessage:
    """From the category question: first category, a text, no location, identity: the summary."""
    labels = labels_of(someone)
    categories = with_buttons(messages)
    _answer, messages = await someone.press(categories, categories.buttons[0][0])
    messages = await someone.say(description)
    _answer, messages = await someone.press(with_buttons(messages), labels["done"])
    messages = await someone.say(labels["skip"])
    identity = labels["anonymous" if anonymous else "named"]
    _answer, messages = await someone.press(with_buttons(messages), identity)
    if not anonymous:
        messages = await someone.say(labels["skip"])
    return with_buttons(messages)


async def walk_to_summary(
    someone: Person,
    *,
    start: str = "/start v_xiaodian",
    description: str = DESCRIPTION_ZH,
    anonymous: bool = True,
) -> StoredMessage:
    """A deep link, then walk_from_category: the summary message."""
    messages = await someone.say(start)
    return await walk_from_category(
        someone, messages, description=description, anonymous=anonymous
    )
