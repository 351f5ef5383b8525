"""What a change tells the chats: the group and department cards refreshed, the residents told.

The card rows themselves (which card message in which chat) are storage/cards.py's.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import cards, outbox, triage
from storage.models import (
    Complaint,
    InspectionGroup,
    TimelineEvent,
)


async def _group_chat(session: AsyncSession, complaint: Complaint) -> int | None:
    """The linked chat of the complaint's group.

    Share-locked (PostgreSQL): a chat migration (chat_migration.migrate_chat) moving that chat
    either waits for this transaction's outbox rows, which it then moves, or goes first, and the
    chat read here is the new one. Never a row for the old id after the move.
    """
    group = await session.get(
        InspectionGroup, complaint.group_id, with_for_update={"read": True}, populate_existing=True
    )
    return group.chat_id if group is not None else None


async def publish(
    session: AsyncSession,
    complaint: Complaint,
    event: TimelineEvent,
    now: datetime,
    *,
    tell_group: bool = False,
    tell_department: bool = False,
    new_department_card: bool = False,
    department_card: bool = True,
) -> None:
    """Outbox rows for a change: cards refreshed, residents told of public events.

    `tell_group`: the event itself also goes into the group chat (as a reply to the card);
    `tell_department`: into the department's chat, when its card is there.
    """
    group_chat = await _group_chat(session, complaint)
    if group_chat is not None:
        await cards.post_group_card(
            session=session, complaint=complaint, chat_id=group_chat, now=now
        )
    if department_card:
        department_chat = await cards.department_card_chat(
            session, complaint, now, create=new_department_card
        )
        if department_chat is not None:
            outbox.enqueue_department_card(
                session=session, complaint=complaint, chat_id=department_chat, now=now
            )
            if tell_department:
                outbox.enqueue_event(
                    session=session,
                    event=event,
                    chat_id=department_chat,
                    now=now,
                    complaint_id=complaint.id,
                )
    if event.public:
        await _tell_residents(session, complaint, event, now)
    if tell_group and group_chat is not None:
        outbox.enqueue_event(
            session=session, event=event, chat_id=group_chat, now=now, complaint_id=complaint.id
        )
    await session.flush()


async def _tell_residents(
    session: AsyncSession,
    complaint: Complaint,
    event: TimelineEvent,
    now: datetime,
) -> None:
    """The event to the complaint's resident and to the residents of duplicates merged into it."""
    assert complaint.id is not None
    for resident in await triage.complaint_residents(session=session, complaint_id=complaint.id):
        outbox.enqueue_event(
            session=session,
            event=event,
            chat_id=resident.telegram_id,
            now=now,
            complaint_id=complaint.id,
        )
