"""What every resident handler shares: the resident as of this update, replies, buttons.

What any chat shares (texts, sending, replacing the pressed message) is handlers/chat.py's.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import filters

from handlers import calls
from handlers.chat import PRIVATE_BUTTONS, ButtonHandler, Chat, PtbCallback, answer_after_commit
from handlers.context import BotContext
from handlers.i18n import language_for
from handlers.resident.updates import typed
from storage import drafts, residents
from storage.blocks import Barrier
from storage.models import Draft, Resident

# Everything here is for new messages in private chats (edits are not answers).
PRIVATE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


@dataclass
class Visit(Chat):
    """One update from a resident: who, their draft, and how to answer them."""

    resident: Resident
    draft: Draft | None
    # An acknowledgement that also takes the reply keyboard away, waiting to lead the next
    # message (`acknowledge`): one message instead of two wherever Telegram allows it.
    note: str | None = None
    # The resident answered with a key of the (one-time) reply keyboard: their app has hidden
    # it, so the note may lead inline buttons too.
    note_used: bool = False

    @property
    def language(self) -> str:
        """The resident's language."""
        return self.resident.language

    def acknowledge(self, text: str, *, used: bool = False) -> None:
        """Say `text` and take the reply keyboard away, with the next message if it can;
        `used`: the resident answered with one of the keyboard's keys."""
        self.flush_note()
        self.note, self.note_used = text, used

    def send(
        self,
        text: str,
        reply_markup: calls.Markup | None = None,
        *,
        reply_to: int | None = None,
    ) -> None:
        """Queue a message; a waiting acknowledgement leads it when its markup lets it take
        the reply keyboard away too (none, or a reply keyboard, which replaces the old one).
        A message carries one markup only: before inline buttons the acknowledgement goes on
        its own, unless the keyboard was used (a one-time keyboard is hidden by then; the next
        reply keyboard replaces it)."""
        note, self.note = self.note, None
        if note is not None and reply_to is None:
            if isinstance(reply_markup, ReplyKeyboardMarkup | ReplyKeyboardRemove | None):
                text, reply_markup = f"{note}\n\n{text}", reply_markup or ReplyKeyboardRemove()
                note = None
            elif self.note_used:
                text, note = f"{note}\n\n{text}", None
        if note is not None:
            super().send(note, ReplyKeyboardRemove())
        super().send(text, reply_markup, reply_to=reply_to)

    def flush_note(self) -> None:
        """Send a waiting acknowledgement on its own (nothing followed it)."""
        note, self.note = self.note, None
        if note is not None:
            super().send(note, ReplyKeyboardRemove())

    def replace(self, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
        """Show new text and buttons in the pressed message (a new message if it is gone)."""
        if self.pressed is None:
            self.send(text, reply_markup)
            return
        super().replace(text, reply_markup)


# A resident handler returns the text to answer a pressed button with (None: no text).
Step = Callable[[Visit], Awaitable[str | None]]


def resident_handler(*, after_expiry: bool) -> Callable[[Step], PtbCallback]:
    """Wrap a step: refresh the resident, expire an idle draft, answer a button once."""
    # An answer to a draft's question (after_expiry=False) that finds the draft expired is
    # only told so; a command (True) is carried out after that.

    def decorate(step: Step) -> PtbCallback:
        @functools.wraps(step)
        async def callback(update: Update, context: BotContext) -> None:
            user, chat = update.effective_user, update.effective_chat
            assert user is not None and chat is not None
            arrival = await residents.arrive(
                session=context.session,
                telegram_id=user.id,
                first_name=user.first_name,
                last_name=user.last_name,
                username=user.username,
                language=language_for(user.language_code, context.scope.default_language),
                now=context.now,
            )
            visit = Visit(update, context, chat.id, arrival.resident, arrival.draft)
            answer: str | None = None
            if arrival.barrier is not None:
                # 屏蔽: told once a day; nothing they send reaches any chat.
                answer = turn_away(visit, arrival.barrier)
                answer_after_commit(context, update.callback_query, answer)
                return
            if arrival.expired:
                visit.acknowledge(visit.text("draft.expired"))
            if arrival.expired and not after_expiry:
                answer = visit.text("button.stale")
            else:
                answer = await step(visit)
            visit.flush_note()
            # Answered after commit, exactly once, whatever the step decided.
            answer_after_commit(context, update.callback_query, answer)

        return callback

    return decorate


def turn_away(visit: Visit, barrier: Barrier) -> str | None:
    """A blocked resident's update: the polite notice (when due) and the office's contact."""
    contact = typed(barrier.contact, 300) if barrier.contact else visit.text("update.no_contact")
    if barrier.notify:
        if barrier.until is None:
            visit.say("block.notice.forever", contact=contact)
        else:
            until = barrier.until.astimezone(ZoneInfo(barrier.timezone))
            visit.say("block.notice.until", contact=contact, until=f"{until:%Y-%m-%d %H:%M}")
    return visit.text("block.button") if visit.pressed is not None else None


# A draft's button: the visit, the draft the button is for, the button's data matched.
ButtonStep = Callable[[Visit, Draft, re.Match[str]], Awaitable[str | None]]


def draft_button(pattern: re.Pattern[str], *steps: str) -> Callable[[ButtonStep], PtbCallback]:
    """Wrap a draft's button (draft id first in its data): stale unless it is for the draft's
    current question (one of `steps`; none: any)."""

    def decorate(step: ButtonStep) -> PtbCallback:
        @resident_handler(after_expiry=False)
        @functools.wraps(step)
        async def pressed(visit: Visit) -> str | None:
            found = visit.match(pattern)
            draft = visit.draft
            if draft is None or not drafts.is_current(draft, int(found[1]), *steps):
                return visit.text("button.stale")
            return await step(visit, draft, found)

        return pressed

    return decorate


def private_button(callback: PtbCallback, pattern: re.Pattern[str] | None = None) -> ButtonHandler:
    """A handler for private-chat buttons matching `pattern` (None: buttons no handler takes)."""
    return PRIVATE_BUTTONS.handler(callback, pattern)
