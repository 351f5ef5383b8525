"""Card rows: which message shows a complaint in the group chat and in a department's chat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox
from storage.models import CardMessage, Complaint, Department, OutboxMessage, OutboxStatus
from storage.notices import NoticeKind

# CardMessage.kind values.
GROUP = "group"
DEPARTMENT = "department"


async def ensure_group_card(
    *, session: AsyncSession, complaint: Complaint, chat_id: int, now: datetime
) -> CardMessage:
    """The complaint's card message in the group chat; a new (unsent) one if there is none there.

    A group moved to another chat gets a new card there: the old chat is no longer written to.
    """
    if complaint.group_card_id is not None:
        card = await session.get(CardMessage, complaint.group_card_id)
        if card is not None and card.chat_id == chat_id:
            return card
    card = CardMessage(chat_id=chat_id, kind=GROUP, message_id=None, created_at=now)
    session.add(card)
    await session.flush()
    complaint.group_card_id = card.id
    return card


async def post_group_card(
    *, session: AsyncSession, complaint: Complaint, chat_id: int, now: datetime
) -> CardMessage:
    """The complaint's card in the group chat (a new one if none is there), queued to show."""
    card = await ensure_group_card(session=session, complaint=complaint, chat_id=chat_id, now=now)
    outbox.enqueue_card(session=session, complaint=complaint, chat_id=chat_id, now=now)
    return card


def has_attachments(complaint: Complaint) -> bool:
    """Whether a complaint has anything to send under its card (location, address, media)."""
    return bool(
        complaint.latitude is not None
        or complaint.address
        or complaint.photo_file_ids
        or complaint.voice_file_id
    )


async def new_department_card(
    session: AsyncSession, complaint: Complaint, chat_id: int, now: datetime
) -> CardMessage:
    """A new (unsent) card of the complaint in a department's chat."""
    card = CardMessage(chat_id=chat_id, kind=DEPARTMENT, created_at=now)
    session.add(card)
    await session.flush()
    complaint.department_card_id = card.id
    return card


async def department_card_chat(
    session: AsyncSession, complaint: Complaint, now: datetime, *, create: bool
) -> int | None:
    """The chat of the complaint's department card, if it has one in the department's chat now.

    With `create` (a hand-off, also a second one to the same department after a reopen), a
    new card message is always made, so a fresh card is sent; a card the previous department
    still shows loses its "done" button.
    """
    if complaint.department_id is None:
        return None
    # Share-locked, as the group chat is in workflow/publish.py.
    department = await session.get(
        Department, complaint.department_id, with_for_update={"read": True}, populate_existing=True
    )
    old: CardMessage | None = None
    if complaint.department_card_id is not None:
        old = await session.get(CardMessage, complaint.department_card_id)
    if not create:
        if department is None or department.chat_id is None:
            return None
        if old is not None and old.chat_id == department.chat_id:
            return department.chat_id
        return None
    if old is not None and (department is None or old.chat_id != department.chat_id):
        await retire_department_card(session, complaint, old, now, department)
    if department is None or department.chat_id is None:
        complaint.department_card_id = None
        return None
    await new_department_card(session, complaint, department.chat_id, now)
    return department.chat_id


async def retire_department_card(
    session: AsyncSession,
    complaint: Complaint,
    card: CardMessage,
    now: datetime,
    moved_to: Department | None,
) -> None:
    """The previous department's card: its "done" button goes and its chat is told, under the
    card, who has it now; unsent rows for it are dropped (they would render the new
    department's card)."""
    assert complaint.id is not None
    await session.exec(
        update(OutboxMessage)
        .where(
            col(OutboxMessage.chat_id) == card.chat_id,
            col(OutboxMessage.complaint_id) == complaint.id,
            col(OutboxMessage.kind) == outbox.DEPARTMENT_CARD,
            col(OutboxMessage.status) == OutboxStatus.pending,
        )
        .values(status=OutboxStatus.failed, last_error="handed to another department", sent_at=now)
        .execution_options(synchronize_session=False)
    )
    if card.message_id is not None:
        clear_buttons(session, card, now, complaint.id)
        # The department that chat serves now: only it is told (not a chat relinked before
        # the notice goes out).
        serving = select(Department.id).where(
            Department.chat_id == card.chat_id, Department.round_id == complaint.round_id
        )
        outbox.enqueue_notice(
            session=session,
            chat_id=card.chat_id,
            kind=NoticeKind.handed_elsewhere,
            payload={
                "department_id": (await session.exec(serving)).first(),
                "number": complaint.number,
                "department": moved_to.name if moved_to is not None else None,
                "reply_to": card.message_id,
            },
            now=now,
            complaint_id=complaint.id,
        )


def clear_buttons(
    session: AsyncSession, card: CardMessage, now: datetime, complaint_id: int
) -> None:
    """Queue the removal of a sent card message's buttons (rendered when sent)."""
    assert card.message_id is not None
    outbox.enqueue_clear_buttons(session=session, card=card, now=now, complaint_id=complaint_id)
