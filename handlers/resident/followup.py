"""Answering an inspector's question (追问) about one's own complaint.

The question arrives with an "answer" button (`fq:<follow-up id>`); pressing it makes the
resident's next text the answer. That text is taken before the resident conversation sees it
(these handlers go into an earlier handler group), stored, and sent into the group chat as a
reply to the card, without the resident's identity when the complaint is anonymous (the group
side renders it). /cancel while answering stops answering; commands are never taken as answers.
"""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import ForceReply, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers.context import BotContext
from handlers.resident import render
from handlers.resident.base import PRIVATE, Visit, private_button, resident_handler
from handlers.resident.updates import ANSWER
from storage import workflow
from storage.workflow import TEXT_MAX, Refusal


@resident_handler(after_expiry=True)
async def _start(visit: Visit) -> str | None:
    """The "answer" button: the next text answers this question."""
    follow_up_id = int(visit.match(ANSWER)[1])
    outcome = await workflow.start_answer(
        session=visit.session,
        resident_telegram_id=visit.resident.telegram_id,
        follow_up_id=follow_up_id,
        now=visit.now,
    )
    if outcome.ok and outcome.complaint is not None:
        prompt = visit.text("followup.type_answer", number=escape(outcome.complaint.number))
        placeholder = visit.text("followup.placeholder")
        visit.send(prompt, ForceReply(input_field_placeholder=placeholder))
        return None
    if outcome.refusal == Refusal.nothing_to_do:
        visit.set_buttons(None)
        return visit.text("followup.already_answered")
    if outcome.refusal == Refusal.not_allowed and outcome.complaint is not None:
        # A finished complaint: refused, with the way to file a new one (issue 11 §4).
        visit.set_buttons(None)
        status = render.status_name(visit.language, outcome.complaint.status)
        answer = visit.text("after.closed", number=escape(outcome.complaint.number), status=status)
        visit.send(answer)
        return answer
    return visit.text("button.stale")


@resident_handler(after_expiry=True)
async def _answer(visit: Visit) -> None:
    """The resident's text while answering: to the inspection group."""
    message = visit.message
    assert message is not None and message.text is not None
    outcome = await workflow.answer_follow_up(
        session=visit.session,
        resident_telegram_id=visit.resident.telegram_id,
        text=message.text,
        now=visit.now,
    )
    if outcome.ok and outcome.complaint is not None:
        visit.say("followup.sent", number=escape(outcome.complaint.number))
    elif outcome.refusal == Refusal.invalid and outcome.detail == "too_long":
        visit.say("followup.too_long", max=TEXT_MAX)
    elif outcome.refusal == Refusal.invalid:
        visit.say("followup.empty")
    elif outcome.detail == "answered":
        visit.say("followup.already_answered")
    else:
        visit.say("followup.gone")


@resident_handler(after_expiry=True)
async def _cancel(visit: Visit) -> None:
    """/cancel while answering: the question stays open; the next text is no longer the answer."""
    await workflow.stop_answering(
        session=visit.session, resident_telegram_id=visit.resident.telegram_id
    )
    visit.say("followup.cancelled")


async def on_answer_button(update: Update, context: BotContext) -> None:
    """The "answer" button (handler group -1): handled here, and by no later handler."""
    await _start(update, context)
    raise ApplicationHandlerStop


async def _is_answering(update: Update, context: BotContext) -> bool:
    """Whether the sender is answering a question (their next text is the answer)."""
    user = update.effective_user
    if user is None:
        return False
    found = await workflow.answering(session=context.session, resident_telegram_id=user.id)
    return found is not None


async def on_text(update: Update, context: BotContext) -> None:
    """Any private text (handler group -1): the answer, if one is awaited; else left alone."""
    if not await _is_answering(update, context):
        return
    await _answer(update, context)
    raise ApplicationHandlerStop


async def on_cancel(update: Update, context: BotContext) -> None:
    """/cancel (handler group -1): stops answering; otherwise the conversation's /cancel runs."""
    if not await _is_answering(update, context):
        return
    await _cancel(update, context)
    raise ApplicationHandlerStop


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """Follow-up handlers for private chats, for a handler group before the conversation's."""
    return [
        CommandHandler("cancel", on_cancel, filters=PRIVATE),
        private_button(on_answer_button, ANSWER),
        MessageHandler(PRIVATE & filters.TEXT & ~filters.COMMAND, on_text),
    ]
