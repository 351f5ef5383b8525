"""The shape of a roster file: pydantic specs that refuse what the file must not say."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    ValidationInfo,
    field_validator,
    model_validator,
)

from storage.categories import DEFAULT_CATEGORIES, SENSITIVE_CODES
from storage.ladder import DEFAULT as DEFAULT_LADDER
from storage.ladder import MAX_BEFORE_DAYS, Ladder
from storage.roster.errors import Loc, RosterProblem, field_name, line_of
from storage.roster.wording import RosterValueError

RoundKind = Literal["regular", "special", "targeted", "township-village", "elevated"]
ROUND_KINDS: tuple[str, ...] = get_args(RoundKind)

# Round codes prefix complaint numbers (WD2023-1-0042), so they stay short and plain.
ROUND_CODE = re.compile(r"[A-Za-z0-9-]{1,16}")
# Other codes end up in button data, where Telegram allows 64 bytes in all.
CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")
# A village code ends up in the deep link's start parameter "v_<code>", which Telegram limits
# to 64 characters of A-Z, a-z, 0-9, _ and -.
VILLAGE_CODE = re.compile(r"[A-Za-z0-9_-]{1,62}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


def _matching(pattern: re.Pattern[str]) -> AfterValidator:
    """A validator that a string matches `pattern` in full."""

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise RosterValueError("match", value=value, pattern=pattern.pattern)
        return value

    return AfterValidator(check)


def _non_empty(value: str) -> str:
    """Refuse an empty text."""
    if not value:
        raise RosterValueError("not_empty")
    return value


def _iso_date(value: object) -> object:
    """Accept only YYYY-MM-DD (the YAML loader leaves dates as text so bad ones get a line)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not DATE.fullmatch(value):
        raise RosterValueError("date_format", value=value)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RosterValueError("not_a_date", value=value) from None


def _time_zone(value: str) -> str:
    """Accept only IANA zone names this system knows."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise RosterValueError("time_zone", value=value) from None
    return value


def _between(low: float, high: float) -> AfterValidator:
    """A validator that a number lies in [low, high]."""

    def check(value: float | None) -> float | None:
        # Written so that NaN fails too.
        if value is not None and not low <= value <= high:
            raise RosterValueError("between", low=low, high=high)
        return value

    return AfterValidator(check)


def _some(code: str) -> AfterValidator:
    """A validator that a list, when given, is not empty; `code` is the problem when it is."""

    def check(value: list[Any] | None) -> list[Any] | None:
        if value is not None and not value:
            raise RosterValueError(code)
        return value

    return AfterValidator(check)


RoundCode = Annotated[str, _matching(ROUND_CODE)]
Code = Annotated[str, _matching(CODE)]
VillageCode = Annotated[str, _matching(VILLAGE_CODE)]
Text = Annotated[str, AfterValidator(_non_empty)]
Day = Annotated[date, BeforeValidator(_iso_date)]
StrictBool = Annotated[bool, Strict()]
Latitude = Annotated[Annotated[float, Strict()] | None, _between(-90, 90)]
Longitude = Annotated[Annotated[float, Strict()] | None, _between(-180, 180)]


class _Spec(BaseModel):
    """Unknown keys are errors: a typo must not silently drop a setting."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class RoundSpec(_Spec):
    """The `round:` mapping."""

    code: RoundCode
    name: Text
    kind: RoundKind = "regular"
    organizer: str = ""
    starts_on: Day
    ends_on: Day
    timezone: Annotated[str, AfterValidator(_time_zone)]
    contact: str = ""

    @field_validator("ends_on")
    @classmethod
    def _not_before_start(cls, value: date, info: ValidationInfo) -> date:
        """A round ends on or after the day it starts."""
        starts_on = info.data.get("starts_on")
        if isinstance(starts_on, date) and value < starts_on:
            raise RosterValueError("before_start", starts_on=starts_on.isoformat())
        return value


class VillageSpec(_Spec):
    """One village or community of a group."""

    code: VillageCode
    name: Text
    township: Text
    lat: Latitude = None
    lon: Longitude = None

    @model_validator(mode="after")
    def _both_coordinates(self) -> VillageSpec:
        """A point needs both coordinates; one alone is a typo."""
        if (self.lat is None) != (self.lon is None):
            raise RosterValueError("lat_lon")
        return self


class GroupSpec(_Spec):
    """One inspection group and the villages it covers."""

    code: Code
    name: Text
    # A group without villages could never receive a complaint.
    villages: Annotated[list[VillageSpec], _some("some_village")]


class DepartmentSpec(_Spec):
    """A department that hand-offs (or, with receives_clues, transfers) go to."""

    code: Code
    name: Text
    receives_clues: StrictBool = False


class CategorySpec(_Spec):
    """A complaint category overriding the defaults."""

    code: Code
    zh: Text
    en: Text
    due_days: Annotated[int, Strict()]
    sensitive: StrictBool | None = None

    @field_validator("due_days")
    @classmethod
    def _positive(cls, value: int) -> int:
        """A due date is at least a day away."""
        if value < 1:
            raise RosterValueError("at_least", low=1)
        return value

    @property
    def is_sensitive(self) -> bool:
        """Whether the category is sensitive, by default for conduct and clue."""
        return self.code in SENSITIVE_CODES if self.sensitive is None else self.sensitive


def _at_least(low: int) -> AfterValidator:
    """A validator that a whole number is at least `low`."""

    def check(value: int) -> int:
        if value < low:
            raise RosterValueError("at_least", low=low)
        return value

    return AfterValidator(check)


Days = Annotated[int, Strict(), _at_least(1)]


class LadderSpec(_Spec):
    """The `ladder:` mapping (督办阶梯); what it leaves out keeps storage/ladder.py's defaults."""

    before_days: Days = DEFAULT_LADDER.before_days
    at: Annotated[str, _matching(CLOCK)] = DEFAULT_LADDER.at.strftime("%H:%M")
    daily_days: Annotated[int, Strict(), _at_least(0)] = DEFAULT_LADDER.daily_days
    then_every: Days = DEFAULT_LADDER.then_every
    office_from: Days = DEFAULT_LADDER.office_from
    flag_from: Days = DEFAULT_LADDER.flag_from

    @field_validator("before_days")
    @classmethod
    def _not_too_early(cls, value: int) -> int:
        """The sweep looks at most a month ahead."""
        if value > MAX_BEFORE_DAYS:
            raise RosterValueError("at_most", high=MAX_BEFORE_DAYS)
        return value

    def ladder(self) -> Ladder:
        """The ladder these values make."""
        return Ladder(
            before_days=self.before_days,
            at=time.fromisoformat(self.at),
            daily_days=self.daily_days,
            then_every=self.then_every,
            office_from=self.office_from,
            flag_from=self.flag_from,
        )


class HandoffSpec(_Spec):
    """The `handoff:` mapping: the department's side of a hand-off."""

    # A hand-off not signed for (签收) within this many hours gets one 催签 reminder.
    sign_within_hours: Annotated[int, Strict(), _at_least(1)] = 24


class DispatchSpec(_Spec):
    """One entry of `dispatch:` (派单目录): a category's default department and due time."""

    department: Code
    due_days: Days | None = None


class RosterSpec(_Spec):
    """A whole roster file."""

    round: RoundSpec
    # A round without groups could never receive a complaint.
    groups: Annotated[list[GroupSpec], _some("some_group")]
    departments: list[DepartmentSpec] = []
    # Absent: the default categories. An empty list would leave residents nothing to choose.
    categories: Annotated[list[CategorySpec] | None, _some("some_category")] = None
    # Absent: storage/ladder.py's defaults.
    ladder: LadderSpec | None = None
    # Absent: 签收 within 24 hours.
    handoff: HandoffSpec = HandoffSpec()
    # Category code -> its default department (and due days); see parsing.dispatch_problems.
    dispatch: dict[Code, DispatchSpec] = {}

    def category_rows(self) -> list[tuple[str, str, str, int, bool]]:
        """(code, zh, en, due_days, sensitive) of the round's categories, in order."""
        if self.categories is None:
            return [(c.code, c.zh, c.en, c.due_days, c.sensitive) for c in DEFAULT_CATEGORIES]
        return [(c.code, c.zh, c.en, c.due_days, c.is_sensitive) for c in self.categories]

    def dispatched(self) -> list[tuple[str, str, str, int, bool, str | None]]:
        """category_rows() with the 派单目录 applied: its due days, and the default department."""
        rows: list[tuple[str, str, str, int, bool, str | None]] = []
        for code, zh, en, due_days, sensitive in self.category_rows():
            entry = self.dispatch.get(code)
            if entry is None:
                rows.append((code, zh, en, due_days, sensitive, None))
            else:
                days = entry.due_days if entry.due_days is not None else due_days
                rows.append((code, zh, en, days, sensitive, entry.department))
        return rows


@dataclass(frozen=True, slots=True)
class ParsedRoster:
    """A valid roster and the line of every place in it (for errors found later)."""

    source: str
    spec: RosterSpec
    lines: dict[Loc, int]

    def problem(self, loc: Loc, code: str, /, **values: Any) -> RosterProblem:
        """The problem `code` at `loc`, with the line of the nearest place the file has."""
        return RosterProblem.of(
            self.source, line_of(self.lines, loc), field_name(loc), code, **values
        )
