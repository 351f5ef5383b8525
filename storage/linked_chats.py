"""Every linked chat and how its last delivery went (what `xuncha doctor` asks the database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Department, InspectionGroup, OutboxMessage, OutboxStatus, Round
from storage.serving import chat_of


@dataclass(frozen=True)
class LinkedChat:
    """A chat a group, a department or a round office is linked to, and its last delivery."""

    chat_id: int
    target: str  # "group" | "department" | "office"
    name: str
    round_code: str
    # The last row sent or failed for good (None: nothing delivered yet).
    last_status: str | None = None
    last_error: str | None = None
    last_at: datetime | None = None


async def linked_chats(*, session: AsyncSession) -> list[LinkedChat]:
    """Every linked chat, by round, then groups, departments and the office."""
    rounds = {r.id: r for r in (await session.exec(select(Round))).all()}
    rows: list[tuple[str, InspectionGroup | Department | Round]] = []
    groups = select(InspectionGroup).where(col(InspectionGroup.chat_id).is_not(None))
    rows += [("group", g) for g in (await session.exec(groups.order_by(col(InspectionGroup.id))))]
    departments = select(Department).where(col(Department.chat_id).is_not(None))
    rows += [
        ("department", d) for d in (await session.exec(departments.order_by(col(Department.id))))
    ]
    rows += [("office", r) for r in rounds.values() if r.office_chat_id is not None]
    found = []
    for target, row in rows:
        chat_id = chat_of(row)
        assert chat_id is not None
        round_ = row if isinstance(row, Round) else rounds[row.round_id]
        last = await _last_delivery(session, chat_id)
        found.append(
            LinkedChat(
                chat_id=chat_id,
                target=target,
                name=row.name,
                round_code=round_.code,
                last_status=last.status if last else None,
                last_error=last.last_error if last else None,
                last_at=last.sent_at if last else None,
            )
        )
    return found


async def _last_delivery(session: AsyncSession, chat_id: int) -> OutboxMessage | None:
    """The chat's latest outbox row that is no longer pending."""
    statement = (
        select(OutboxMessage)
        .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status != OutboxStatus.pending)
        .order_by(col(OutboxMessage.id).desc())
        .limit(1)
    )
    return (await session.exec(statement)).first()
