"""The group's call on a 部分解决 (回访 said partly solved): reopen it, or close it.

The prompt is the `partly_solved` event told in the group chat (handlers/event_rows.py) with
`rv:<complaint id>:<r|c>`; the workflow checks the chat owns the complaint and that it still
waits on the group (storage/workflow/survey.py), so a second press, or a press in another
chat, changes nothing and is answered.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.group.base import Desk, group_handler
from handlers.group.refusals import refusal_text
from handlers.i18n import t
from storage import workflow
from storage.workflow import Press

REVIEW = re.compile(r"^rv:(\d{1,18}):([rc])$")


def review_keyboard(language: str, complaint_id: int) -> InlineKeyboardMarkup:
    """重新办理 / 办结归档 under the group's 部分解决 prompt."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(language, "review.button.reopen"), callback_data=f"rv:{complaint_id}:r"
                ),
                InlineKeyboardButton(
                    t(language, "review.button.close"), callback_data=f"rv:{complaint_id}:c"
                ),
            ]
        ]
    )


@group_handler
async def on_review(desk: Desk) -> str | None:
    """A press on the prompt: the workflow decides whether it may; the prompt loses its buttons."""
    found = desk.match(REVIEW)
    complaint_id, reopen = int(found[1]), found[2] == "r"
    outcome = await workflow.review_partly(
        Press(desk.session, complaint_id, desk.chat_id, desk.actor, desk.now), reopen=reopen
    )
    if not outcome.ok:
        return refusal_text(desk, outcome)
    desk.set_buttons(None)
    number = outcome.complaint.number if outcome.complaint is not None else ""
    return desk.text("review.reopened" if reopen else "review.closed", number=number)
