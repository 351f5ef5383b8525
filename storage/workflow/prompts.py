"""Prompts: the next text of one user in one chat answers what the bot asked them for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Prompt
from storage.workflow.base import PROMPT_LIFETIME


async def open_prompt(
    *,
    session: AsyncSession,
    chat_id: int,
    user_id: int,
    complaint_id: int,
    action: str,
    details: dict[str, Any],
    now: datetime,
) -> Prompt:
    """Wait for this user's next text in this chat (replaces theirs; expires in an hour)."""
    await session.exec(
        delete(Prompt).where(col(Prompt.chat_id) == chat_id, col(Prompt.user_id) == user_id)
    )
    prompt = Prompt(
        chat_id=chat_id,
        user_id=user_id,
        complaint_id=complaint_id,
        action=action,
        details=dict(details),
        created_at=now,
        expires_at=now + PROMPT_LIFETIME,
    )
    session.add(prompt)
    await session.flush()
    return prompt


async def peek_prompt(*, session: AsyncSession, chat_id: int, user_id: int) -> Prompt | None:
    """The user's prompt in this chat as it is (even an expired one), without taking it."""
    statement = select(Prompt).where(Prompt.chat_id == chat_id, Prompt.user_id == user_id)
    return (await session.exec(statement)).first()


async def take_prompt(
    *, session: AsyncSession, chat_id: int, user_id: int, now: datetime
) -> Prompt | None:
    """Remove and return the user's prompt in this chat; None when none or expired."""
    statement = select(Prompt).where(Prompt.chat_id == chat_id, Prompt.user_id == user_id)
    prompt = (await session.exec(statement)).first()
    if prompt is None:
        return None
    await session.delete(prompt)
    await session.flush()
    if prompt.expires_at <= now:
        return None
    return prompt
