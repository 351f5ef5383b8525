"""What every workflow call takes and returns: who acts, the press, the outcome, the refusals."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Concatenate, Generic, ParamSpec, overload

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Complaint, ComplaintStatus


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who makes a change."""

    kind: str  # "inspector" | "department" | "resident" | "system"
    telegram_id: int | None = None
    name: str | None = None


@dataclasses.dataclass(frozen=True)
class Press:
    """A press on a complaint's card: in which chat, by whom, when, on which status.

    `chat_id` None: a change by the system (a scheduled sweep), which needs no chat.
    `expected`: the status the card showed ("" for the buttons that move no status).
    """

    session: AsyncSession
    complaint_id: int
    chat_id: int | None
    actor: Actor
    now: datetime
    expected: str = ""


class Refusal(StrEnum):
    """Why a change was not made."""

    not_found = "not_found"
    # The chat does not own the complaint (another group, a department, a private chat).
    wrong_chat = "wrong_chat"
    # The complaint is no longer in the expected status (detail: the current status).
    moved_on = "moved_on"
    # The lifecycle does not allow it (or a sensitive hand-off, a transfer to a non-clue
    # department, someone else's complaint).
    not_allowed = "not_allowed"
    # Bad input (detail: what is wrong, e.g. "empty", "too_long", "unknown_number", "self",
    # "target_closed", "unknown_department", "satisfaction").
    invalid = "invalid"
    # Nothing to change (e.g. taking a complaint one has already taken; no open question).
    nothing_to_do = "nothing_to_do"


@dataclasses.dataclass
class Outcome:
    """What a workflow call did."""

    complaint: Complaint | None
    refusal: Refusal | None = None
    detail: str | None = None
    # The timeline event written, when a change was made.
    event_id: int | None = None

    @property
    def ok(self) -> bool:
        """Whether the change was made."""
        return self.refusal is None


class Action(StrEnum):
    """TimelineEvent.action values written by the workflow."""

    accepted = "accepted"
    taken = "taken"
    immediate = "immediate"
    handed_off = "handed_off"
    transferred = "transferred"
    rejected = "rejected"
    merged = "merged"
    merged_in = "merged_in"
    follow_up_asked = "follow_up_asked"
    follow_up_answered = "follow_up_answered"
    resolved = "resolved"
    closed = "closed"
    reopened = "reopened"
    note = "note"
    # The department's side of a dispatch and who is on it (issue 10).
    signed = "signed"
    returned = "returned"
    insisted = "insisted"
    extension_requested = "extension_requested"
    extension_approved = "extension_approved"
    extension_refused = "extension_refused"
    progress = "progress"
    clue_received = "clue_received"
    clue_closed = "clue_closed"
    assigned = "assigned"
    # 回访 said 部分解决: the group is asked whether to reopen it (issue 10 §3).
    partly_solved = "partly_solved"
    # The resident after filing (issue 11): 群众撤回 (note: the reason), 补充材料 (internal,
    # to the group; note: the text; photo_file_ids, voice_file_id).
    withdrawn = "withdrawn"
    supplemented = "supplemented"
    # 加入关注: a resident joined instead of filing the same (internal; issue 11 §2).
    followed = "followed"
    # A follower's (or merged duplicate's resident's) 回访 answers: internal, they inform only
    # (storage/workflow/follower_survey.py; issue 11 §2).
    follower_resolution = "follower_resolution"
    follower_rated = "follower_rated"


S = ComplaintStatus
# Statuses in which nothing more happens to a complaint (no take, no question).
FINISHED = frozenset({S.merged, S.closed, S.withdrawn})

SATISFACTIONS = ("satisfied", "basic", "unsatisfied")
# 回访's first question, 问题解决了吗.
RESOLUTION_STATES = ("solved", "partly", "unsolved")
# Reasons, notes, questions and answers: as long as a complaint's description may be.
TEXT_MAX = 2000
PROMPT_LIFETIME = timedelta(hours=1)
PROMPT_LIFETIME_SECONDS = int(PROMPT_LIFETIME.total_seconds())

P = ParamSpec("P")
_KEYWORD = inspect.Parameter.KEYWORD_ONLY
# A Press's fields, as keyword parameters of an action.
PRESS_FIELDS = [
    inspect.Parameter(field.name, _KEYWORD, annotation=field.type)
    if field.default is dataclasses.MISSING
    else inspect.Parameter(field.name, _KEYWORD, annotation=field.type, default=field.default)
    for field in dataclasses.fields(Press)
]


class PressAction(Generic[P]):
    """An action on a card, called with a Press (or with the press's fields as keywords)."""

    def __init__(self, action: Callable[Concatenate[Press, P], Awaitable[Outcome]]) -> None:
        self.action = action
        functools.update_wrapper(self, action)
        # The keyword form, as inspect shows it: the press's fields, then the action's own.
        own = list(inspect.signature(action).parameters.values())[1:]
        self.__signature__ = inspect.Signature([*PRESS_FIELDS, *own])

    @overload
    def __call__(self, press: Press, /, *args: P.args, **kwargs: P.kwargs) -> Awaitable[Outcome]:
        pass

    @overload
    def __call__(
        self,
        *,
        session: AsyncSession,
        complaint_id: int,
        chat_id: int | None,
        actor: Actor,
        now: datetime,
        expected: str = "",
        **details: Any,
    ) -> Awaitable[Outcome]:
        pass

    # mypy cannot match an implementation against an overload with a ParamSpec.
    def __call__(  # type: ignore[misc]
        self, press: Press | None = None, /, *args: Any, **kwargs: Any
    ) -> Any:
        """The action, on a Press built from the keywords when none is given."""
        if press is None:
            fields = [field.name for field in PRESS_FIELDS]
            press = Press(**{name: kwargs.pop(name) for name in fields if name in kwargs})
        return self.action(press, *args, **kwargs)


def press_action(
    action: Callable[Concatenate[Press, P], Awaitable[Outcome]],
) -> PressAction[P]:
    """Make an action on a Press callable with the press's fields as keywords too."""
    return PressAction(action)
