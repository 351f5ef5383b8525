"""The kinds of scheduled message (notice): one name for the sweep that writes it and the text
that words it.

A notice is an outbox row of kind "notice" whose payload names its kind (`{"notice": kind,
...}`, `storage.outbox.enqueue_notice`); storage/schedule decides when each is due (and
storage/workflow writes handed_elsewhere), handlers/notices.py words each kind in the chat's
language when it is sent.
"""

from __future__ import annotations

from enum import StrEnum


class NoticeKind(StrEnum):
    """What a notice says; the payload's "notice" field, and the kind of its `SentNotice`."""

    # A complaint due tomorrow or overdue (督办), to the group chat and a department's chat.
    due = "due"
    # 督办通报: the round's long-overdue hand-offs by department, to the office's chat.
    escalation = "escalation"
    # A group's daily digest.
    digest = "digest"
    # The weekly report and the final report, to each group chat and the office chat.
    weekly = "weekly"
    final = "final"
    # The round has started; it ends tomorrow (group chats).
    round_open = "round_open"
    round_warn = "round_warn"
    # The survey again, to a resident who has not answered it.
    survey_reminder = "survey_reminder"
    # 催签: a dispatch not signed for in time, to the department's chat and the group chat.
    sign_reminder = "sign_reminder"
    # To a department whose hand-off went to another department.
    handed_elsewhere = "handed_elsewhere"
    # To the round office: the bot was removed from a group's (department's) chat; it is back.
    chat_lost = "chat_lost"
    chat_back = "chat_back"
    # 热点提示: a hot spot across villages (storage/schedule/hotspots.py), office and groups.
    hotspot = "hotspot"
