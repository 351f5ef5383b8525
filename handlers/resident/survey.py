"""The satisfaction survey under a resolved complaint: satisfied / basic / not satisfied.

`sv:<complaint id>:<s|b|u>`. Satisfied and basically satisfied close the complaint; not
satisfied reopens it and alerts the inspection group (the workflow queues both the group's
alert and the resident's update). The survey's buttons go away once it is answered, and a
press on an old survey (the complaint has moved on) is told so.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler

from handlers.context import BotContext
from handlers.resident import updates
from handlers.resident.base import Visit, private_button, resident_handler
from handlers.resident.updates import SATISFACTIONS, SURVEY
from storage import workflow
from storage.workflow import Refusal


@resident_handler(after_expiry=True)
async def _rate(visit: Visit) -> str | None:
    """Record the resident's answer; the answer to the press says what became of it."""
    found = visit.match(SURVEY)
    complaint_id, satisfaction = int(found[1]), SATISFACTIONS[found[2]]
    outcome = await workflow.rate(
        session=visit.session,
        complaint_id=complaint_id,
        resident_telegram_id=visit.resident.telegram_id,
        satisfaction=satisfaction,
        now=visit.now,
    )
    if outcome.ok:
        visit.set_buttons(None)
        key = "survey.reopened" if satisfaction == "unsatisfied" else "survey.thanks"
        return visit.text(key)
    if outcome.refusal == Refusal.moved_on:
        # Rated already (here or from another device), or closed since: the survey is over.
        visit.set_buttons(None)
        complaint = outcome.complaint
        if complaint is not None and complaint.satisfaction:
            return visit.text("survey.already")
        return visit.text("survey.expired")
    # Not the resident's own complaint, no such complaint, forged data.
    return visit.text("button.stale")


async def on_survey(update: Update, context: BotContext) -> None:
    """A survey button (handler group -1): handled here, and by no later handler."""
    await _rate(update, context)
    raise ApplicationHandlerStop


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The survey's button handler (private chats)."""
    return [private_button(on_survey, updates.SURVEY)]
