"""Which round and which complaints a ledger is about."""

from __future__ import annotations

from typing import Any, TypeVar, cast

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Complaint, Round

_Query = TypeVar("_Query")


def scoped(statement: _Query, round_id: int, group_id: int | None) -> _Query:
    """Only the round's complaints (and only the group's, when given)."""
    query: Any = statement
    query = query.where(col(Complaint.round_id) == round_id)
    if group_id is not None:
        query = query.where(col(Complaint.group_id) == group_id)
    return cast(_Query, query)


async def round_by_code(*, session: AsyncSession, code: str) -> Round | None:
    """A round by its code (case and surrounding spaces do not matter)."""
    wanted = code.strip().upper()
    statement = select(Round).where(func.upper(col(Round.code)) == wanted)
    return (await session.exec(statement)).first()


async def round_codes(*, session: AsyncSession) -> list[str]:
    """Every round's code, newest start first (to tell an operator what there is)."""
    statement = select(Round.code).order_by(col(Round.starts_on).desc(), col(Round.code))
    return list((await session.exec(statement)).all())


async def round_of(session: AsyncSession, round_id: int) -> Round:
    """The round, or LookupError."""
    round_ = await session.get(Round, round_id)
    if round_ is None:
        raise LookupError(f"no round with id {round_id}")
    return round_
