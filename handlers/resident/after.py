"""The resident after filing (issue 11): 补充材料 and 撤回 on their own complaint.

Buttons under the receipt and under /status (`ra:<id>:s` 补充材料, `ra:<id>:w` 撤回). 撤回
asks to confirm (`rw:<id>:<status shown>`, or `rk:<id>` to keep it); a text sent meanwhile
is the reason, and withdraws it. 补充材料 opens a prompt for an hour: each text, photo or voice
message sent then goes to the group under the card, within the filing's limits (5 photos, one
voice message, 2000 characters); /cancel ends it. The prompts are rows (storage.workflow's
prompts, in the resident's private chat), so a restart loses nothing. These handlers go into
the handler group before the conversation's, as the answer to a question (followup.py) does.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, CommandHandler, MessageHandler
from telegram.ext import filters as tg_filters

from handlers.context import BotContext
from handlers.i18n import t
from handlers.resident import render
from handlers.resident.base import PRIVATE, Visit, private_button, resident_handler
from storage import lifecycle, workflow
from storage.lifecycle import Act, Role
from storage.models import Prompt
from storage.workflow import Outcome, Refusal

START = re.compile(r"^ra:(\d{1,18}):([ws])$")
CONFIRM = re.compile(r"^rw:(\d{1,18}):([a-z_]{1,16})$")
KEEP = re.compile(r"^rk:(\d{1,18})$")
# Prompt.action values of a resident's private chat.
WITHDRAW = "withdraw"
SUPPLEMENT = "supplement"
# Statuses after which nothing more can be added: the way to a new complaint is given.
CLOSED = frozenset({"resolved", "closed", "merged", "withdrawn", "rejected"})
# What to say when the workflow finds the material or the reason wrong.
INVALID = {
    "too_long": "after.invalid.too_long",
    "empty": "after.invalid.empty",
    "too_many_photos": "after.supplement.too_many_photos",
}


def buttons(language: str, complaint_id: int, status: str) -> InlineKeyboardMarkup | None:
    """补充材料 and 撤回, as far as the complaint's status allows them (none: closed)."""
    row = []
    if lifecycle.allows(status, Role.resident, Act.supplement):
        row.append(
            InlineKeyboardButton(
                t(language, "after.button.supplement"), callback_data=f"ra:{complaint_id}:s"
            )
        )
    if lifecycle.allows(status, Role.resident, Act.withdraw):
        row.append(
            InlineKeyboardButton(
                t(language, "after.button.withdraw"), callback_data=f"ra:{complaint_id}:w"
            )
        )
    return InlineKeyboardMarkup([row]) if row else None


def refused(visit: Visit, outcome: Outcome, act: Act) -> str:
    """Why 撤回 or 补充材料 was refused, in the resident's words."""
    complaint = outcome.complaint
    if outcome.refusal == Refusal.not_found or complaint is None:
        return visit.text("button.stale")
    number = escape(complaint.number)
    status = render.status_name(visit.language, complaint.status)
    if complaint.status == "withdrawn" and act == Act.withdraw:
        return visit.text("after.withdraw.twice", number=number)
    if outcome.refusal == Refusal.invalid:
        key = INVALID.get(outcome.detail or "", "after.invalid.empty")
        return visit.text(key, max=workflow.TEXT_MAX, photos=workflow.SUPPLEMENT_PHOTOS_MAX)
    if complaint.status in CLOSED:
        return visit.text("after.closed", number=number, status=status)
    key = "after.withdraw.not_now" if act == Act.withdraw else "after.supplement.not_now"
    return visit.text(key, number=number, status=status)


@resident_handler(after_expiry=True)
async def _start(visit: Visit) -> str | None:
    """补充材料 or 撤回 pressed: ask for the material, or for a confirmation."""
    found = visit.match(START)
    complaint_id, act = int(found[1]), Act.withdraw if found[2] == "w" else Act.supplement
    outcome = await workflow.may(
        session=visit.session,
        resident_telegram_id=visit.resident.telegram_id,
        complaint_id=complaint_id,
        act=act,
    )
    if not outcome.ok or outcome.complaint is None:
        answer = refused(visit, outcome, act)
        visit.send(answer)
        return answer
    complaint = outcome.complaint
    number = escape(complaint.number)
    await workflow.open_prompt(
        session=visit.session,
        chat_id=visit.chat_id,
        user_id=visit.resident.telegram_id,
        complaint_id=complaint_id,
        action=WITHDRAW if act == Act.withdraw else SUPPLEMENT,
        details={"expected": complaint.status, "photos": 0, "voice": False},
        now=visit.now,
    )
    if act == Act.withdraw:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        visit.text("after.button.confirm_withdraw"),
                        callback_data=f"rw:{complaint_id}:{complaint.status}",
                    ),
                    InlineKeyboardButton(
                        visit.text("after.button.keep"), callback_data=f"rk:{complaint_id}"
                    ),
                ]
            ]
        )
        visit.say("after.withdraw.ask", keyboard, number=number)
    else:
        visit.say(
            "after.supplement.ask",
            ForceReply(input_field_placeholder=visit.text("after.supplement.placeholder")[:64]),
            number=number,
            photos=workflow.SUPPLEMENT_PHOTOS_MAX,
            max=workflow.TEXT_MAX,
        )
    return None


async def _withdraw(visit: Visit, prompt: Prompt, reason: str | None) -> None:
    """Withdraw the prompt's complaint; the resident hears it from the outbox (the event)."""
    outcome = await workflow.withdraw(
        session=visit.session,
        resident_telegram_id=visit.resident.telegram_id,
        complaint_id=prompt.complaint_id,
        expected=str(prompt.details.get("expected", "")),
        reason=reason,
        now=visit.now,
    )
    if not outcome.ok:
        visit.send(refused(visit, outcome, Act.withdraw))


@resident_handler(after_expiry=True)
async def _confirm(visit: Visit) -> str | None:
    """确认撤回: withdraw without a reason (the status the button showed is expected)."""
    found = visit.match(CONFIRM)
    prompt = await workflow.take_prompt(
        session=visit.session,
        chat_id=visit.chat_id,
        user_id=visit.resident.telegram_id,
        now=visit.now,
    )
    if prompt is None or prompt.action != WITHDRAW or prompt.complaint_id != int(found[1]):
        # The question was answered (a reason was typed) or it expired: ask the status again.
        prompt = Prompt(
            chat_id=visit.chat_id,
            user_id=visit.resident.telegram_id,
            complaint_id=int(found[1]),
            action=WITHDRAW,
            details={"expected": found[2]},
            created_at=visit.now,
            expires_at=visit.now,
        )
    visit.set_buttons(None)
    await _withdraw(visit, prompt, None)
    return None


@resident_handler(after_expiry=True)
async def _keep(visit: Visit) -> str | None:
    """不撤回: nothing changes."""
    await workflow.take_prompt(
        session=visit.session,
        chat_id=visit.chat_id,
        user_id=visit.resident.telegram_id,
        now=visit.now,
    )
    visit.set_buttons(None)
    visit.say("after.withdraw.kept")
    return None


@resident_handler(after_expiry=True)
async def _message(visit: Visit) -> None:
    """A message while a prompt is open: 撤回's reason, or one piece of 补充材料."""
    message = visit.message
    assert message is not None
    prompt = await workflow.peek_prompt(
        session=visit.session, chat_id=visit.chat_id, user_id=visit.resident.telegram_id
    )
    assert prompt is not None
    if prompt.action == WITHDRAW:
        await workflow.take_prompt(
            session=visit.session,
            chat_id=visit.chat_id,
            user_id=visit.resident.telegram_id,
            now=visit.now,
        )
        if message.text is None:
            visit.say("after.withdraw.reason_text")
            return
        await _withdraw(visit, prompt, message.text)
        return
    await _supplement(visit, prompt)


async def _supplement(visit: Visit, prompt: Prompt) -> None:
    """One text, photo or voice message of 补充材料, within the filing's limits."""
    message = visit.message
    assert message is not None
    details: dict[str, Any] = dict(prompt.details)
    photos = [message.photo[-1].file_id] if message.photo else []
    voice = message.voice.file_id if message.voice is not None else None
    if photos and int(details.get("photos", 0)) + len(photos) > workflow.SUPPLEMENT_PHOTOS_MAX:
        visit.say("after.supplement.too_many_photos", photos=workflow.SUPPLEMENT_PHOTOS_MAX)
        return
    if voice is not None and details.get("voice"):
        visit.say("after.supplement.voice_taken")
        return
    outcome = await workflow.supplement(
        session=visit.session,
        resident_telegram_id=visit.resident.telegram_id,
        complaint_id=prompt.complaint_id,
        text=message.text if message.text is not None else message.caption,
        photo_file_ids=photos,
        voice_file_id=voice,
        now=visit.now,
    )
    if not outcome.ok or outcome.complaint is None:
        if outcome.refusal != Refusal.invalid:
            await workflow.take_prompt(
                session=visit.session,
                chat_id=visit.chat_id,
                user_id=visit.resident.telegram_id,
                now=visit.now,
            )
        visit.send(refused(visit, outcome, Act.supplement))
        return
    details["photos"] = int(details.get("photos", 0)) + len(photos)
    details["voice"] = bool(details.get("voice")) or voice is not None
    # A new dict: the JSON column does not notice changes made in place.
    prompt.details = details
    if not visit.album_follows:
        visit.say("after.supplement.sent", number=escape(outcome.complaint.number))


async def _open_prompt(update: Update, context: BotContext) -> Prompt | None:
    """The sender's open (unexpired) 撤回 or 补充材料 prompt in their private chat."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    prompt = await workflow.peek_prompt(session=context.session, chat_id=chat.id, user_id=user.id)
    if prompt is None or prompt.action not in (WITHDRAW, SUPPLEMENT):
        return None
    if prompt.expires_at <= context.now:
        return None
    return prompt


async def on_button(update: Update, context: BotContext) -> None:
    """补充材料 / 撤回 / 确认撤回 / 不撤回 (handler group -1): handled here only."""
    query = update.callback_query
    data = query.data if query is not None else None
    if isinstance(data, str) and CONFIRM.match(data):
        await _confirm(update, context)
    elif isinstance(data, str) and KEEP.match(data):
        await _keep(update, context)
    else:
        await _start(update, context)
    raise ApplicationHandlerStop


async def on_message(update: Update, context: BotContext) -> None:
    """A private message (handler group -1): taken when a prompt of ours is open."""
    if await _open_prompt(update, context) is None:
        return
    await _message(update, context)
    raise ApplicationHandlerStop


@resident_handler(after_expiry=True)
async def _cancel(visit: Visit) -> None:
    """/cancel with a prompt open: it ends, nothing else changes."""
    await workflow.take_prompt(
        session=visit.session,
        chat_id=visit.chat_id,
        user_id=visit.resident.telegram_id,
        now=visit.now,
    )
    visit.say("after.cancelled")


async def on_cancel(update: Update, context: BotContext) -> None:
    """/cancel (handler group -1): ends an open prompt; otherwise the conversation's runs."""
    if await _open_prompt(update, context) is None:
        return
    await _cancel(update, context)
    raise ApplicationHandlerStop


MESSAGES = PRIVATE & (
    (tg_filters.TEXT & ~tg_filters.COMMAND) | tg_filters.PHOTO | tg_filters.VOICE
)


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """补充材料 and 撤回 handlers for private chats, in a handler group before the conversation."""
    return [
        CommandHandler("cancel", on_cancel, filters=PRIVATE),
        private_button(on_button, START),
        private_button(on_button, CONFIRM),
        private_button(on_button, KEEP),
        MessageHandler(MESSAGES, on_message),
    ]
