"""督办 from the console: the office or the group reminds the chats of an overdue complaint.

The reminder is the sweeps' own `due` notice (storage/schedule/due.py, worded by
handlers/notices.py), to the group's chat and, for a hand-off, the department's; it is written
in the same transaction as an internal `reminded` event on the timeline. A complaint is
reminded from the console at most once an hour (REMIND_EVERY): 督办 pressed again, by the same
person or another, sends nothing and is answered so (RemindedRecently).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox
from storage.console.detail import visible_complaint
from storage.console.listing import is_overdue
from storage.console.viewer import Viewer
from storage.models import ComplaintStatus, Department, InspectionGroup, TimelineEvent
from storage.notices import NoticeKind

# Who may remind from the console: not a department (it is the one reminded).
REMINDERS = ("office", "group")
# At most one 督办 of a complaint from the console in this long.
REMIND_EVERY = timedelta(hours=1)


class RemindedRecently(Exception):
    """督办 again within REMIND_EVERY of the last one: nothing is sent."""

    def __init__(self, last: datetime) -> None:
        """`last`: when the complaint was last reminded."""
        super().__init__(f"reminded at {last.isoformat()}")
        self.last = last


async def remind(
    *, session: AsyncSession, viewer: Viewer, number: str, now: datetime
) -> bool | None:
    """Remind the chats of an overdue complaint: True when reminded, False when it is not
    overdue (nothing written), None when the viewer may not; RemindedRecently when it was
    reminded less than REMIND_EVERY ago (nothing written)."""
    if viewer.target not in REMINDERS:
        return None
    complaint = await visible_complaint(session=session, viewer=viewer, number=number)
    if complaint is None:
        return None
    today = now.astimezone(ZoneInfo(viewer.timezone)).date()
    if not is_overdue(complaint, today):
        return False
    assert complaint.due_on is not None and complaint.id is not None
    # The complaint's row locked (PostgreSQL; SQLite writes one at a time): two presses at
    # once send one reminder.
    await session.refresh(complaint, with_for_update=True)
    latest: Any = sa_select(func.max(col(TimelineEvent.at))).where(
        col(TimelineEvent.complaint_id) == complaint.id,
        col(TimelineEvent.action) == "reminded",
    )
    last = (await session.exec(latest)).one()[0]
    if last is not None and now - last < REMIND_EVERY:
        raise RemindedRecently(last)
    payload = {
        "complaint_id": complaint.id,
        "due_on": complaint.due_on.isoformat(),
        "days": (today - complaint.due_on).days,
    }
    chats: list[tuple[int, str]] = []
    group = await session.get(InspectionGroup, complaint.group_id)
    if group is not None and group.chat_id is not None:
        chats.append((group.chat_id, "group"))
    if complaint.status == ComplaintStatus.handed_off and complaint.department_id is not None:
        department = await session.get(Department, complaint.department_id)
        if department is not None and department.chat_id is not None:
            chats.append((department.chat_id, "department"))
    for chat_id, audience in chats:
        outbox.enqueue_notice(
            session=session,
            chat_id=chat_id,
            kind=NoticeKind.due,
            payload={**payload, "audience": audience},
            now=now,
            complaint_id=complaint.id,
        )
    session.add(
        TimelineEvent(
            complaint_id=complaint.id,
            at=now,
            actor=viewer.target,
            actor_telegram_id=viewer.user_id,
            actor_name=viewer.name,
            action="reminded",
            note=", ".join(audience for _chat, audience in chats) or None,
            public=False,
        )
    )
    await session.flush()
    return True
