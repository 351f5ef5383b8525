"""What the printed posters (巡察公告) of a round say: one per village, read from the roster.

Storage only: the deep link, the layout and the files are the bot's (bot/posters.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import GroupVillage, InspectionGroup, Round, Village


class UnknownRound(LookupError):
    """No round with the code asked for; `known` lists the codes there are."""

    def __init__(self, round_code: str, known: list[str]) -> None:
        self.round_code = round_code
        self.known = known
        there = f" (rounds: {', '.join(known)})" if known else " (load a roster first)"
        super().__init__(f"no round {round_code!r} in the database{there}")


@dataclass(frozen=True)
class PosterInfo:
    """One village's poster: the village, the group that inspects it, and its round."""

    village_code: str
    village_name: str
    township: str
    group_code: str
    group_name: str
    round_code: str
    round_name: str
    organizer: str
    starts_on: date
    ends_on: date
    timezone: str
    contact: str


async def poster_data(*, session: AsyncSession, round_code: str) -> list[PosterInfo]:
    """A poster's facts for every village of the round, by group and village in roster order.

    The code is matched without regard to case or surrounding spaces; UnknownRound if no
    round has it.
    """
    wanted = round_code.strip().upper()
    round_ = (
        await session.exec(select(Round).where(func.upper(col(Round.code)) == wanted))
    ).first()
    if round_ is None:
        codes = select(Round.code).order_by(col(Round.starts_on).desc(), col(Round.code))
        raise UnknownRound(round_code, list((await session.exec(codes)).all()))
    statement = (
        select(Village, InspectionGroup)
        .join(GroupVillage, col(GroupVillage.village_id) == col(Village.id))
        .join(InspectionGroup, col(InspectionGroup.id) == col(GroupVillage.group_id))
        .where(col(InspectionGroup.round_id) == round_.id)
        .order_by(col(InspectionGroup.id), col(Village.id))
    )
    return [
        PosterInfo(
            village_code=village.code,
            village_name=village.name,
            township=village.township,
            group_code=group.code,
            group_name=group.name,
            round_code=round_.code,
            round_name=round_.name,
            organizer=round_.organizer,
            starts_on=round_.starts_on,
            ends_on=round_.ends_on,
            timezone=round_.timezone,
            contact=round_.contact,
        )
        for village, group in (await session.exec(statement)).all()
    ]


__all__ = ["PosterInfo", "UnknownRound", "poster_data"]
