"""The complaint workflow: every change to a complaint after it was filed.

Each function runs in the caller's transaction and writes, together: the change (a guarded
UPDATE ... WHERE status = expected, so two presses at once make one change), a TimelineEvent,
and the outbox rows that tell the chats about it (see storage/outbox.py). A refusal changes
nothing and says why (`Outcome.refusal`). An action on a card takes a `Press` (session,
complaint, chat, expected status, actor, now), or the same as keywords.

Timeline actions written here (TimelineEvent.action; public ones reach the resident):
accepted (also after reconsidering a rejection), taken (internal), immediate, handed_off
(note: the department's name), transferred (no note: the resident is told only that it was
passed on), rejected (note: the reason), merged (on the duplicate; note: the target's number),
merged_in (internal, on the target; note: the duplicate's number), follow_up_asked (note: the
question; follow_up_id), follow_up_answered (internal; note: the answer; follow_up_id),
resolved (note: what was done; photo_file_id: the inspectors' photo, if any; actor
"department" when a department reported it done, with photo_file_ids), closed (note: the
satisfaction), reopened (note: "unsatisfied", "unsolved", or "partly" when the group reopens a
部分解决), partly_solved (internal, to the group chat: the 回访 said 部分解决; note: the
satisfaction), note (internal), followed (internal: a resident joined it instead of filing the
same; following.py).

The department's side of a dispatch (storage/workflow/handoffs.py, handoff_decisions.py,
clues.py; the `Handoff` row holds its state): signed (internal), returned (public, no note:
the resident hears only that it is being re-assigned; the reason is on the Handoff row),
insisted (internal; note: the group's note), extension_requested (internal; note: the reason),
extension_approved (public; note: the new due date), extension_refused (internal; note: the
reason), progress (public; note: the text; photo_file_ids), clue_received (internal; note),
clue_closed (public; note, never shown to the resident).

Outbox rows per change: the group card (kind "card") whenever the group has a chat; the
department card ("dept_card") on a hand-off and on later changes while the department's chat
holds its card; an "event" row to every resident of the complaint (and of duplicates merged
into it) for public events; and an "event" row to the group chat for a resident's answer,
an "unsatisfied" rating and a department's report.
"""

from __future__ import annotations

from storage.workflow.assigning import assign
from storage.workflow.base import (
    FINISHED,
    PROMPT_LIFETIME,
    PROMPT_LIFETIME_SECONDS,
    SATISFACTIONS,
    TEXT_MAX,
    Action,
    Actor,
    Outcome,
    Press,
    PressAction,
    Refusal,
)
from storage.workflow.clues import CLUE_NOTE_MAX, close_clue, receive_clue
from storage.workflow.departments import report_done
from storage.workflow.following import Joined, JoinOutcome, join
from storage.workflow.handoff_decisions import approve_extension, insist, refuse_extension
from storage.workflow.handoffs import (
    EXTENSION_MAX_DAYS,
    PHOTOS_MAX,
    post_progress,
    request_extension,
    send_back,
    sign,
)
from storage.workflow.inspectors import (
    accept,
    add_note,
    ask_resident,
    close,
    hand_off,
    merge,
    order_immediate,
    reconsider,
    reject,
    resolve,
    take,
    transfer,
)
from storage.workflow.prompts import open_prompt, peek_prompt, take_prompt
from storage.workflow.resident_after import (
    SUPPLEMENT_PHOTOS_MAX,
    WITHDRAW_REASON_MAX,
    may,
    supplement,
    withdraw,
)
from storage.workflow.residents import (
    answer_follow_up,
    answering,
    start_answer,
    stop_answering,
)
from storage.workflow.steps import ALLOWED
from storage.workflow.survey import (
    answer_resolution,
    ask_group,
    rate,
    review_partly,
    waits_on_group,
)

__all__ = [
    "ALLOWED",
    "CLUE_NOTE_MAX",
    "EXTENSION_MAX_DAYS",
    "FINISHED",
    "PHOTOS_MAX",
    "PROMPT_LIFETIME",
    "PROMPT_LIFETIME_SECONDS",
    "SATISFACTIONS",
    "SUPPLEMENT_PHOTOS_MAX",
    "TEXT_MAX",
    "WITHDRAW_REASON_MAX",
    "Action",
    "Actor",
    "JoinOutcome",
    "Joined",
    "Outcome",
    "Press",
    "PressAction",
    "Refusal",
    "accept",
    "add_note",
    "answer_follow_up",
    "answer_resolution",
    "answering",
    "approve_extension",
    "ask_group",
    "ask_resident",
    "assign",
    "close",
    "close_clue",
    "hand_off",
    "insist",
    "join",
    "may",
    "merge",
    "open_prompt",
    "order_immediate",
    "peek_prompt",
    "post_progress",
    "rate",
    "receive_clue",
    "reconsider",
    "refuse_extension",
    "reject",
    "report_done",
    "request_extension",
    "resolve",
    "review_partly",
    "send_back",
    "sign",
    "start_answer",
    "stop_answering",
    "supplement",
    "take",
    "take_prompt",
    "transfer",
    "waits_on_group",
    "withdraw",
]
