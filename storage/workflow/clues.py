"""A clue transferred to the discipline commission (移交问题线索), from the commission's chat:
签收 (storage/workflow/handoffs.py's `sign`), 已受理 and 已办结 (销号), each with a short note.

The group hears each under its card; the resident hears only that it was handled as the rules
require (销号's event is public, and every resident-facing text of it leaves the note out). No
other chat is told.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.lifecycle import Act
from storage.models import Handoff
from storage.workflow import dispatches, steps
from storage.workflow.base import Action, Actor, Outcome, Refusal, S
from storage.workflow.handoffs import as_department, at_department, sign_implied

# A clue's notes are short: what the commission says, not its file.
CLUE_NOTE_MAX = 500


def _short(note: str) -> str | Outcome:
    """The note as stored, or why not (empty, too long)."""
    cleaned = steps.clean(note)
    if isinstance(cleaned, Outcome):
        return cleaned
    if len(cleaned) > CLUE_NOTE_MAX:
        return Outcome(None, Refusal.invalid, "too_long")
    return cleaned


async def receive_clue(
    *,
    session: AsyncSession,
    complaint_id: int,
    department_chat_id: int,
    note: str,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """已受理: the commission has taken the clue up (once; nothing_to_do after that)."""
    cleaned = _short(note)
    if isinstance(cleaned, Outcome):
        return cleaned
    found = await at_department(session, complaint_id, department_chat_id, Act.clue_receive)
    if isinstance(found, Outcome):
        return found
    assert found.handoff.id is not None
    made = await dispatches.guarded(
        session, found.handoff.id, col(Handoff.received_at).is_(None), received_at=now
    )
    if not made:
        return Outcome(found.complaint, Refusal.nothing_to_do, "received")
    await sign_implied(session, found, actor, now)
    return await as_department(
        session,
        found,
        actor,
        Action.clue_received,
        now,
        public=False,
        note=cleaned,
    )


async def close_clue(
    *,
    session: AsyncSession,
    complaint_id: int,
    department_chat_id: int,
    note: str,
    actor: Actor,
    now: datetime,
) -> Outcome:
    """已办结 (销号): transferred → closed; the group sees the note, the resident only that it
    was handled as the rules require."""
    cleaned = _short(note)
    if isinstance(cleaned, Outcome):
        return cleaned
    found = await at_department(session, complaint_id, department_chat_id, Act.clue_close)
    if isinstance(found, Outcome):
        return found
    complaint = found.complaint
    refused = await steps.move(
        session, complaint, S.transferred, S.closed, now, {"closed_at": now}
    )
    if refused is not None:
        return refused
    await sign_implied(session, found, actor, now)
    assert complaint.id is not None
    await dispatches.end(session, complaint.id, now, done=True)
    return await as_department(
        session,
        found,
        actor,
        Action.clue_closed,
        now,
        public=True,
        from_status=S.transferred,
        to_status=S.closed,
        note=cleaned,
    )
