"""Cards posted again: in a chat newly linked to a group or department, and in a chat's new id.

A relink posts every open complaint's card (a card already in that chat is refreshed in place);
a chat migration posts fresh cards in the new chat for what is open or was on its way, and
queues nothing that is there or queued already.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import outbox
from storage.cards.rows import (
    ensure_group_card,
    has_attachments,
    new_department_card,
    post_group_card,
)
from storage.models import (
    CardMessage,
    Complaint,
    ComplaintStatus,
    Department,
    InspectionGroup,
    OutboxStatus,
)
from storage.triage import NOT_OPEN


async def post_open_cards(session: AsyncSession, group: InspectionGroup, now: datetime) -> None:
    """Cards (and attachments) in a newly linked group chat for complaints still open."""
    assert group.chat_id is not None
    statement = (
        select(Complaint)
        .where(Complaint.group_id == group.id, col(Complaint.status).not_in(NOT_OPEN))
        .order_by(col(Complaint.filed_at), col(Complaint.id))
    )
    for complaint in (await session.exec(statement)).all():
        assert complaint.id is not None
        chat_id = group.chat_id
        # A card already in this chat (linked here before) is refreshed in place; one that
        # was never sent (its row dropped on unlink) goes out now.
        card = await post_group_card(
            session=session, complaint=complaint, chat_id=chat_id, now=now
        )
        if has_attachments(complaint) and not (
            card.message_id is not None
            and await outbox.has_row(
                session=session,
                chat_id=chat_id,
                complaint_id=complaint.id,
                kind=outbox.ATTACHMENTS,
                statuses=(OutboxStatus.sent,),
            )
        ):
            outbox.enqueue_attachments(
                session=session, complaint=complaint, chat_id=chat_id, now=now
            )


async def post_department_cards(
    session: AsyncSession, department: Department, now: datetime
) -> None:
    """Cards in a newly linked department chat for what is handed off to it now."""
    assert department.chat_id is not None
    statement = (
        select(Complaint)
        .where(
            Complaint.department_id == department.id,
            Complaint.status == ComplaintStatus.handed_off,
        )
        .order_by(col(Complaint.filed_at), col(Complaint.id))
    )
    for complaint in (await session.exec(statement)).all():
        if complaint.department_card_id is not None:
            card = await session.get(CardMessage, complaint.department_card_id)
            if card is not None and card.chat_id == department.chat_id:
                # Linked here before: refreshed in place, or sent if it never went out.
                outbox.enqueue_department_card(
                    session=session, complaint=complaint, chat_id=department.chat_id, now=now
                )
                continue
        await new_department_card(session, complaint, department.chat_id, now)
        outbox.enqueue_department_card(
            session=session, complaint=complaint, chat_id=department.chat_id, now=now
        )


async def repost_group_cards(session: AsyncSession, group: InspectionGroup, now: datetime) -> int:
    """Fresh cards in a group's new chat: its open complaints, and complaints whose card
    refresh was on its way. Nothing that is there or queued already is queued again."""
    chat_id = group.chat_id
    assert chat_id is not None
    in_flight = await outbox.pending_complaints(session=session, chat_id=chat_id, kind=outbox.CARD)
    statement = (
        select(Complaint)
        .where(
            Complaint.group_id == group.id,
            or_(col(Complaint.status).not_in(NOT_OPEN), col(Complaint.id).in_(in_flight)),
        )
        .order_by(col(Complaint.filed_at), col(Complaint.id))
    )
    queued = 0
    for complaint in (await session.exec(statement)).all():
        assert complaint.id is not None
        card = await ensure_group_card(
            session=session, complaint=complaint, chat_id=chat_id, now=now
        )
        session.add(complaint)
        if card.message_id is None and not await outbox.has_row(
            session=session, chat_id=chat_id, complaint_id=complaint.id, kind=outbox.CARD
        ):
            outbox.enqueue_card(session=session, complaint=complaint, chat_id=chat_id, now=now)
            queued += 1
        if (
            complaint.status not in NOT_OPEN
            and has_attachments(complaint)
            and not await outbox.has_row(
                session=session,
                chat_id=chat_id,
                complaint_id=complaint.id,
                kind=outbox.ATTACHMENTS,
                statuses=(OutboxStatus.pending, OutboxStatus.sent),
            )
        ):
            outbox.enqueue_attachments(
                session=session, complaint=complaint, chat_id=chat_id, now=now
            )
    return queued


async def repost_department_cards(
    session: AsyncSession, department: Department, now: datetime
) -> int:
    """Fresh cards in a department's new chat: hand-offs still open, and complaints whose card
    refresh was on its way."""
    chat_id = department.chat_id
    assert chat_id is not None
    in_flight = await outbox.pending_complaints(
        session=session, chat_id=chat_id, kind=outbox.DEPARTMENT_CARD
    )
    statement = (
        select(Complaint)
        .where(
            Complaint.department_id == department.id,
            or_(
                col(Complaint.status) == ComplaintStatus.handed_off,
                col(Complaint.id).in_(in_flight),
            ),
        )
        .order_by(col(Complaint.filed_at), col(Complaint.id))
    )
    queued = 0
    for complaint in (await session.exec(statement)).all():
        assert complaint.id is not None
        card = None
        if complaint.department_card_id is not None:
            card = await session.get(CardMessage, complaint.department_card_id)
        if card is None or card.chat_id != chat_id:
            card = await new_department_card(session, complaint, chat_id, now)
            session.add(complaint)
        if card.message_id is None and not await outbox.has_row(
            session=session,
            chat_id=chat_id,
            complaint_id=complaint.id,
            kind=outbox.DEPARTMENT_CARD,
        ):
            outbox.enqueue_department_card(
                session=session, complaint=complaint, chat_id=chat_id, now=now
            )
            queued += 1
    return queued
