"""The round's clock: its local times, "today" on it, and the hours residents are written to."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.models import Round

# Local times of the round's clock.
REMINDER_AT = time(9, 0)
DIGEST_AT = time(8, 30)
WEEKLY_AT = time(9, 0)
WARNING_AT = time(9, 0)
# Residents are reminded (and told of a closing) only between these hours.
DAYTIME = (time(9, 0), time(21, 0))


def zone(round_: Round) -> ZoneInfo:
    """The round's time zone."""
    return ZoneInfo(round_.timezone)


def local_today(round_: Round, now: datetime) -> date:
    """Today on the round's clock."""
    return now.astimezone(zone(round_)).date()


def at_local(round_: Round, day: date, clock: time) -> datetime:
    """A local date and time of the round, as an aware moment."""
    return datetime.combine(day, clock, tzinfo=zone(round_))


def round_start(round_: Round) -> datetime:
    """starts_on 00:00 on the round's clock."""
    return at_local(round_, round_.starts_on, time(0))


def round_end(round_: Round) -> datetime:
    """ends_on 24:00 on the round's clock."""
    return at_local(round_, round_.ends_on + timedelta(days=1), time(0))


def daytime(round_: Round, when: datetime) -> bool:
    """Whether a moment is within the hours residents are written to."""
    clock = when.astimezone(zone(round_)).time()
    return DAYTIME[0] <= clock < DAYTIME[1]


def next_daytime(round_: Round, when: datetime) -> datetime:
    """The moment itself if it is in the day's hours, else the next 09:00."""
    local = when.astimezone(zone(round_))
    if local.time() < DAYTIME[0]:
        return at_local(round_, local.date(), DAYTIME[0])
    if local.time() >= DAYTIME[1]:
        return at_local(round_, local.date() + timedelta(days=1), DAYTIME[0])
    return when


def stamp(moment: datetime) -> str:
    """A moment in a key: UTC to the second."""
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%S")
