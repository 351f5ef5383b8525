"""A department's linked chat (责任单位): its hand-off cards (cards) and reporting one done
(reports). Everything here acts only in a chat that serves a department."""

from __future__ import annotations

from handlers.department.cards import (
    DONE,
    department_notice,
    department_text,
    done_keyboard,
    render_department_card,
    status_name,
)
from handlers.department.reports import REPORT, handlers, on_done, on_reply, on_stray_button

__all__ = [
    "DONE",
    "REPORT",
    "department_notice",
    "department_text",
    "done_keyboard",
    "handlers",
    "on_done",
    "on_reply",
    "on_stray_button",
    "render_department_card",
    "status_name",
]
