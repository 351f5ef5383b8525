"""督办 from the console: the office or the group reminds the chats of an overdue complaint.

The reminder is the sweeps' own `due` notice (storage/schedule/due.py, worded by
handlers/notices.py), to the group's chat and, for a hand-off, the department's; it is written
in the same transaction as an internal `reminded` event on the timeline.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox
from storage.console.detail import visible_complaint
from storage.console.listing import is_overdue
from storage.console.viewer import Viewer
from storage.models import ComplaintStatus, Department, InspectionGroup, TimelineEvent
from storage.notices import NoticeKind

# Who may remind from the console: not a department (it is the one reminded).
REMINDERS = ("office", "group")


async def remind(
    *, session: AsyncSession, viewer: Viewer, number: str, now: datetime
) -> bool | None:
    """Remind the chats of an overdue complaint: True when reminded, False when it is not
    overdue (nothing written), None when the viewer may not."""
    if viewer.target not in REMINDERS:
        return None
    complaint = await visible_complaint(session=session, viewer=viewer, number=number)
    if complaint is None:
        return None
    today = now.astimezone(ZoneInfo(viewer.timezone)).date()
    if not is_overdue(complaint, today):
        return False
    assert complaint.due_on is not None and complaint.id is not None
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
