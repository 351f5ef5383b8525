"""Getting into the console: one-time login links, and the sessions they open.

A link is valid 10 minutes and works once (a guarded UPDATE claims it, so two tabs opening it
at once get one session). A session lasts 12 hours, or until logout. Only a token's SHA-256
is stored. Which view a link or session opens is the group, department or office it names.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.console.viewer import Viewer, viewer_of
from storage.links import find_target
from storage.models import ConsoleToken, Department, InspectionGroup, Round
from storage.serving import linked_to

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=12)


def _hash(token: str) -> str:
    """What is stored for a token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def _issue(
    session: AsyncSession,
    *,
    kind: str,
    target: str,
    target_id: int,
    user_id: int | None,
    language: str,
    now: datetime,
) -> str:
    """A new token of `kind` for the view of a group, department or office."""
    token = secrets.token_urlsafe(32)
    lifetime = LINK_LIFETIME if kind == "link" else SESSION_LIFETIME
    session.add(
        ConsoleToken(
            token_hash=_hash(token),
            kind=kind,
            target=target,
            target_id=target_id,
            user_id=user_id,
            language=language,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    await session.flush()
    return token


async def issue_link(
    *,
    session: AsyncSession,
    target: str,
    target_id: int,
    now: datetime,
    user_id: int | None = None,
    language: str = "zh",
) -> str:
    """A one-time login link's token (10 minutes) for a group's, department's or office's view."""
    return await _issue(
        session,
        kind="link",
        target=target,
        target_id=target_id,
        user_id=user_id,
        language=language,
        now=now,
    )


async def issue_operator_link(
    *,
    session: AsyncSession,
    target: str,
    round_code: str | None,
    code: str | None,
    now: datetime,
) -> tuple[str, str]:
    """A login link's token for an operator (`xuncha console-link`), and what it opens;
    storage.links.LinkError when there is no such group, department or round."""
    target_id, what = await find_target(
        session=session, target=target, round_code=round_code, code=code
    )
    token = await issue_link(session=session, target=target, target_id=target_id, now=now)
    return token, what


async def issue_link_for_chat(
    *, session: AsyncSession, chat_id: int, user_id: int, language: str, now: datetime
) -> str | None:
    """A login link for the view of what a linked chat serves (None: the chat serves nothing)."""
    served = await linked_to(session, chat_id)
    if len(served) != 1:
        return None
    row = served[0]
    assert row.id is not None
    target = (
        "office"
        if isinstance(row, Round)
        else "group"
        if isinstance(row, InspectionGroup)
        else "department"
    )
    return await issue_link(
        session=session,
        target=target,
        target_id=row.id,
        user_id=user_id,
        language=language,
        now=now,
    )


async def redeem_link(*, session: AsyncSession, token: str, now: datetime) -> str | None:
    """A session's token for an unused, unexpired link (which is used up); None otherwise."""
    link = await _find(session, token, "link")
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    claimed = await session.exec(
        update(ConsoleToken)
        .where(col(ConsoleToken.id) == link.id, col(ConsoleToken.used_at).is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast("CursorResult[Any]", claimed).rowcount != 1:
        return None
    return await open_session(
        session=session,
        target=link.target,
        target_id=link.target_id,
        user_id=link.user_id,
        language=link.language,
        now=now,
    )


async def open_session(
    *,
    session: AsyncSession,
    target: str,
    target_id: int,
    now: datetime,
    user_id: int | None = None,
    language: str = "zh",
) -> str:
    """A new session's token (for a checked Mini App login, or a redeemed link)."""
    return await _issue(
        session,
        kind="session",
        target=target,
        target_id=target_id,
        user_id=user_id,
        language=language,
        now=now,
    )


async def session_viewer(*, session: AsyncSession, token: str, now: datetime) -> Viewer | None:
    """Who a session cookie stands for; None when unknown, expired or logged out."""
    found = await _find(session, token, "session")
    if found is None or found.used_at is not None or found.expires_at <= now:
        return None
    return await viewer_of(
        session, found.target, found.target_id, user_id=found.user_id, language=found.language
    )


async def logout(*, session: AsyncSession, token: str, now: datetime) -> None:
    """End a session (nothing happens for an unknown one)."""
    found = await _find(session, token, "session")
    if found is not None and found.used_at is None:
        found.used_at = now
        session.add(found)


async def _find(session: AsyncSession, token: str, kind: str) -> ConsoleToken | None:
    """The row of a token of the given kind."""
    statement = select(ConsoleToken).where(
        ConsoleToken.token_hash == _hash(token), ConsoleToken.kind == kind
    )
    return (await session.exec(statement)).first()


async def linked_chats(*, session: AsyncSession) -> list[tuple[int, str, int]]:
    """(chat id, target, target id) of every linked chat: offices first, then groups and
    departments (a Mini App login finds the one its user is a member of)."""
    found: list[tuple[int, str, int]] = []
    for round_ in (await session.exec(select(Round))).all():
        if round_.office_chat_id is not None and round_.id is not None:
            found.append((round_.office_chat_id, "office", round_.id))
    for model, target in ((InspectionGroup, "group"), (Department, "department")):
        rows: Any = (
            await session.exec(select(model).where(col(model.chat_id).is_not(None)))
        ).all()
        found.extend((row.chat_id, target, row.id) for row in rows)
    return found
