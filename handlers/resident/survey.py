"""回访 under a resolved complaint: 问题解决了吗 (solved / partly / not), then 您满意吗.

`sv:<complaint id>:<y|p|n>` answers the first question; the pressed message loses its buttons
and the second question comes as a new message, `sv:<complaint id>:<s|b|u>`. What the answers
do is the workflow's (storage/workflow/survey.py): 未解决 or 不满意 reopens the complaint and
alerts the group, 部分解决 asks the group whether to reopen it, otherwise it closes. A press on
an old survey (answered already, or the complaint has moved on) is told so.
"""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler

from handlers.context import BotContext
from handlers.resident import updates
from handlers.resident.base import Visit, private_button, resident_handler
from handlers.resident.updates import RESOLUTION_STATES, SATISFACTIONS, SURVEY
from storage import workflow
from storage.workflow import Outcome, Refusal

# The answer to the press, by what the workflow did with the satisfaction.
RATED_ANSWERS = {
    "recorded": "survey.thanks",
    "partly": "survey.partly",
    "follower": "survey.thanks_follower",
}


@resident_handler(after_expiry=True)
async def _answer(visit: Visit) -> str | None:
    """Record the resident's answer; the answer to the press says what became of it."""
    found = visit.match(SURVEY)
    complaint_id, code = int(found[1]), found[2]
    if code in RESOLUTION_STATES:
        return await _resolution(visit, complaint_id, RESOLUTION_STATES[code])
    satisfaction = SATISFACTIONS[code]
    outcome = await workflow.rate(
        session=visit.session,
        complaint_id=complaint_id,
        resident_telegram_id=visit.resident.telegram_id,
        satisfaction=satisfaction,
        now=visit.now,
    )
    if outcome.ok:
        visit.set_buttons(None)
        if outcome.detail in RATED_ANSWERS:
            return visit.text(RATED_ANSWERS[outcome.detail])
        key = "survey.reopened" if satisfaction == "unsatisfied" else "survey.thanks"
        return visit.text(key)
    return _refused(visit, outcome)


async def _resolution(visit: Visit, complaint_id: int, state: str) -> str | None:
    """The first answer; then the second question, as a message of its own."""
    outcome = await workflow.answer_resolution(
        session=visit.session,
        complaint_id=complaint_id,
        resident_telegram_id=visit.resident.telegram_id,
        state=state,
        now=visit.now,
    )
    if not outcome.ok or outcome.complaint is None:
        return _refused(visit, outcome)
    visit.set_buttons(None)
    number = escape(outcome.complaint.number)
    visit.send(
        visit.text("survey.ask_satisfaction", number=number),
        updates.survey_keyboard(visit.language, complaint_id),
    )
    if state == "unsolved" and outcome.detail != "follower":
        return visit.text("survey.reopened_unsolved")
    return visit.text("survey.noted")


def _refused(visit: Visit, outcome: Outcome) -> str:
    """Why the answer changed nothing."""
    if outcome.refusal == Refusal.moved_on:
        # Answered already (here or from another device), or closed since: the survey is over.
        visit.set_buttons(None)
        complaint = outcome.complaint
        answered = outcome.detail == "answered"  # a follower's second press
        if answered or (
            complaint is not None
            and complaint.resident_id == visit.resident.id
            and (complaint.satisfaction or complaint.resolution_state)
        ):
            return visit.text("survey.already")
        return visit.text("survey.expired")
    # Not the resident's own complaint, no such complaint, forged data.
    return visit.text("button.stale")


async def on_survey(update: Update, context: BotContext) -> None:
    """A survey button (handler group -1): handled here, and by no later handler."""
    await _answer(update, context)
    raise ApplicationHandlerStop


def handlers() -> list[BaseHandler[Any, Any, Any]]:
    """The survey's button handler (private chats)."""
    return [private_button(on_survey, updates.SURVEY)]
