"""A department's linked chat (责任单位): its hand-off and clue cards (cards), its buttons
(buttons) and its replies to the bot's questions (reports). Everything here acts only in a
chat that serves a department."""

from __future__ import annotations

from handlers.department.buttons import handlers, on_button, on_stray_button
from handlers.department.cards import (
    DONE,
    department_keyboard,
    department_notice,
    department_text,
    render_department_card,
    status_name,
)
from handlers.department.reports import REPORT, on_done, on_reply

__all__ = [
    "DONE",
    "REPORT",
    "department_keyboard",
    "department_notice",
    "department_text",
    "handlers",
    "on_button",
    "on_done",
    "on_reply",
    "on_stray_button",
    "render_department_card",
    "status_name",
]
