"""The card: the message that shows a complaint in its group's chat, or in a department's.

A card is a CardMessage row (which chat, which Telegram message once sent) that complaints point
at (Complaint.group_card_id, department_card_id); what it shows is rendered when sent, from the
state then (handlers/group/cards.py, handlers/department.py, handlers/outbox_views.py).

- rows: making card rows (a new chat gets a new card; a hand-off elsewhere retires the old
  department card);
- posting: cards posted again after a relink or a chat migration;
- sending: the unsent cards of a chat, a burst combined into one message, the message recorded
  (and which message is a complaint's card now: a press on any other is marked out of date).
"""

from __future__ import annotations

from storage.cards.posting import (
    post_department_cards,
    post_open_cards,
    repost_department_cards,
    repost_group_cards,
)
from storage.cards.rows import (
    DEPARTMENT,
    GROUP,
    clear_buttons,
    department_card_chat,
    ensure_group_card,
    has_attachments,
    new_department_card,
    post_group_card,
    retire_department_card,
)
from storage.cards.sending import (
    card_complaint_ids,
    card_message_id,
    card_shown,
    combine_cards,
    current_card_message,
    mark_covered,
    mark_if_stale,
    pending_card_rows,
    record_card_message,
    record_shown,
    unsent_cards,
)

__all__ = [
    "DEPARTMENT",
    "GROUP",
    "card_complaint_ids",
    "card_message_id",
    "card_shown",
    "clear_buttons",
    "combine_cards",
    "current_card_message",
    "department_card_chat",
    "ensure_group_card",
    "has_attachments",
    "mark_covered",
    "mark_if_stale",
    "new_department_card",
    "pending_card_rows",
    "post_department_cards",
    "post_group_card",
    "post_open_cards",
    "record_card_message",
    "record_shown",
    "repost_department_cards",
    "repost_group_cards",
    "retire_department_card",
    "unsent_cards",
]
