"""Roster files: validate a round's YAML with line numbers, then create or update it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import Table, func
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.categories import DEFAULT_CATEGORIES, SENSITIVE_CODES
from storage.db import Database
from storage.models import (
    Category,
    Complaint,
    Department,
    GroupVillage,
    InspectionGroup,
    Round,
    Village,
)

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

# A place in the parsed document: mapping keys and sequence indexes, e.g. ("groups", 0, "code").
Loc = tuple[str | int, ...]


# --- errors -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterProblem:
    """One thing wrong with a roster file, with where it is."""

    source: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        """Render as FILE:LINE: FIELD: problem."""
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class RosterError(Exception):
    """A roster file that cannot be loaded; str() lists every problem, one per line."""

    def __init__(self, problems: Sequence[RosterProblem]) -> None:
        self.problems: list[RosterProblem] = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


# --- the file's shape -------------------------------------------------------------------------


def _matching(pattern: re.Pattern[str]) -> AfterValidator:
    """A validator that a string matches `pattern` in full."""

    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(f"{value!r} must match {pattern.pattern}")
        return value

    return AfterValidator(check)


def _non_empty(value: str) -> str:
    """Refuse an empty text."""
    if not value:
        raise ValueError("must not be empty")
    return value


def _iso_date(value: object) -> object:
    """Accept only YYYY-MM-DD (the YAML loader leaves dates as text so bad ones get a line)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not DATE.fullmatch(value):
        raise ValueError(f"must be a date like 2023-02-27, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a real date") from None


def _time_zone(value: str) -> str:
    """Accept only IANA zone names this system knows."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a known IANA time zone (e.g. Asia/Shanghai)") from None
    return value


def _between(low: float, high: float) -> AfterValidator:
    """A validator that a number lies in [low, high]."""

    def check(value: float | None) -> float | None:
        # Written so that NaN fails too.
        if value is not None and not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")
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
            raise ValueError(f"must not be before starts_on ({starts_on.isoformat()})")
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
            raise ValueError("lat and lon must be given together")
        return self


class GroupSpec(_Spec):
    """One inspection group and the villages it covers."""

    code: Code
    name: Text
    villages: list[VillageSpec]

    @field_validator("villages")
    @classmethod
    def _some_villages(cls, value: list[VillageSpec]) -> list[VillageSpec]:
        """A group without villages could never receive a complaint."""
        if not value:
            raise ValueError("must list at least one village")
        return value


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
            raise ValueError("must be at least 1")
        return value

    @property
    def is_sensitive(self) -> bool:
        """Whether the category is sensitive, by default for conduct and clue."""
        return self.code in SENSITIVE_CODES if self.sensitive is None else self.sensitive


class RosterSpec(_Spec):
    """A whole roster file."""

    round: RoundSpec
    groups: list[GroupSpec]
    departments: list[DepartmentSpec] = []
    # Absent or empty value: the default categories.
    categories: list[CategorySpec] | None = None

    @field_validator("groups")
    @classmethod
    def _some_groups(cls, value: list[GroupSpec]) -> list[GroupSpec]:
        """A round without groups could never receive a complaint."""
        if not value:
            raise ValueError("must list at least one group")
        return value

    @field_validator("categories")
    @classmethod
    def _some_categories(cls, value: list[CategorySpec] | None) -> list[CategorySpec] | None:
        """An empty list would leave residents nothing to choose; omit the key instead."""
        if value is not None and not value:
            raise ValueError("must list at least one category (omit the key for the defaults)")
        return value

    def category_rows(self) -> list[tuple[str, str, str, int, bool]]:
        """(code, zh, en, due_days, sensitive) of the round's categories, in order."""
        if self.categories is None:
            return [(c.code, c.zh, c.en, c.due_days, c.sensitive) for c in DEFAULT_CATEGORIES]
        return [(c.code, c.zh, c.en, c.due_days, c.is_sensitive) for c in self.categories]


@dataclass(frozen=True, slots=True)
class ParsedRoster:
    """A valid roster and the line of every place in it (for errors found later)."""

    source: str
    spec: RosterSpec
    lines: dict[Loc, int]

    def problem(self, loc: Loc, message: str) -> RosterProblem:
        """A problem at `loc`, with the line of the nearest place the file has."""
        return RosterProblem(self.source, _line_of(self.lines, loc), _field_name(loc), message)


# --- parsing ----------------------------------------------------------------------------------


class _RosterLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so a bad date is a field error with a line."""


# Per-class copy, so yaml.SafeLoader itself keeps resolving timestamps.
_RosterLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _index(
    node: yaml.Node,
    loc: Loc,
    lines: dict[Loc, int],
    duplicates: list[tuple[Loc, int]],
    ancestors: frozenset[int] = frozenset(),
) -> None:
    """Record the line of every place under `node`; note keys given twice in one mapping."""
    if id(node) in ancestors:  # an alias that refers to itself
        return
    ancestors = ancestors | {id(node)}
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = str(key_node.value)
            child = (*loc, key)
            line = key_node.start_mark.line + 1
            if key in seen:
                duplicates.append((child, line))
                continue
            seen.add(key)
            lines[child] = line
            _index(value_node, child, lines, duplicates, ancestors)
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            child = (*loc, position)
            lines[child] = item.start_mark.line + 1
            _index(item, child, lines, duplicates, ancestors)


def _line_of(lines: dict[Loc, int], loc: Loc) -> int:
    """The line of `loc`, or of the nearest enclosing place the file has."""
    for end in range(len(loc), 0, -1):
        line = lines.get(loc[:end])
        if line is not None:
            return line
    return lines.get((), 1)


def _field_name(loc: Iterable[str | int]) -> str:
    """Render a place as groups[0].villages[1].lat."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name


_PLAIN_MESSAGES = {
    "dict_type": "must be a mapping (key: value)",
    "model_type": "must be a mapping (key: value)",
    "list_type": "must be a list",
    "string_type": "must be text (put it in quotes if it looks like a number or a date)",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
}


def _message(error: Any) -> str:
    """A short English message for one pydantic error."""
    kind = error["type"]
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "model_type" and not error["loc"]:
        return "the file must be a mapping with round, groups, departments and categories"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "literal_error":
        return f"must be one of {error['ctx']['expected']}, got {error['input']!r}"
    plain = _PLAIN_MESSAGES.get(kind)
    if plain is None:
        return str(error["msg"])
    if isinstance(error["input"], str | int | float | bool):
        return f"{plain}, got {error['input']!r}"
    return plain


def _scalar_code(item: object) -> str | None:
    """The `code` of a raw list item, when there is a usable one."""
    if isinstance(item, dict):
        code = item.get("code")
        if isinstance(code, str):
            return code.strip()
    return None


def _duplicate_codes(data: object) -> Iterator[tuple[Loc, Loc, str, str]]:
    """(place, first place, kind, code) for every code used twice where codes must be unique."""
    if not isinstance(data, dict):
        return

    def items(value: object) -> list[object]:
        return value if isinstance(value, list) else []

    # Village codes are global, so they must be unique across all groups of the file.
    lists: list[tuple[str, dict[str, Loc], Loc, list[object]]] = []
    villages: dict[str, Loc] = {}
    lists.append(("group", {}, ("groups",), items(data.get("groups"))))
    for g, group in enumerate(items(data.get("groups"))):
        village_list = group.get("villages") if isinstance(group, dict) else None
        lists.append(("village", villages, ("groups", g, "villages"), items(village_list)))
    lists.append(("department", {}, ("departments",), items(data.get("departments"))))
    lists.append(("category", {}, ("categories",), items(data.get("categories"))))
    for kind, seen, base, entries in lists:
        for n, entry in enumerate(entries):
            code = _scalar_code(entry)
            if code is None:
                continue
            loc = (*base, n, "code")
            if code in seen:
                yield loc, seen[code], kind, code
            else:
                seen[code] = loc


def parse_roster(text: str, source: str) -> ParsedRoster:
    """Validate a roster file's text; raise RosterError listing every problem with its line."""
    loader = _RosterLoader(text)
    lines: dict[Loc, int] = {}
    duplicate_keys: list[tuple[Loc, int]] = []
    try:
        node = loader.get_single_node()
        if node is None:
            raise RosterError([RosterProblem(source, 1, "", "the file is empty")])
        lines[()] = node.start_mark.line + 1
        _index(node, (), lines, duplicate_keys)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = " ".join(part for part in (exc.context, exc.problem) if part) or str(exc)
        raise RosterError([RosterProblem(source, line, "", f"YAML syntax: {what}")]) from None
    except yaml.YAMLError as exc:
        raise RosterError([RosterProblem(source, 1, "", f"YAML: {exc}")]) from None
    finally:
        loader.dispose()

    def at(loc: Loc, message: str, line: int | None = None) -> RosterProblem:
        return RosterProblem(source, line or _line_of(lines, loc), _field_name(loc), message)

    problems = [at(loc, "is given twice in this mapping", line) for loc, line in duplicate_keys]
    for loc, first, kind, code in _duplicate_codes(data):
        problems.append(
            at(loc, f"{kind} code {code!r} is used twice (first at line {_line_of(lines, first)})")
        )
    spec: RosterSpec | None = None
    try:
        spec = RosterSpec.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            # A missing field has no line of its own: name the mapping it is missing from.
            line_loc = loc[:-1] if error["type"] == "missing" else loc
            problems.append(at(loc, _message(error), _line_of(lines, line_loc)))
    if problems or spec is None:
        raise RosterError(_sorted_unique(problems))
    return ParsedRoster(source, spec, lines)


def _sorted_unique(problems: Iterable[RosterProblem]) -> list[RosterProblem]:
    """Problems in file order, each once."""
    return sorted(dict.fromkeys(problems), key=lambda p: (p.line or 0, p.field))


# --- loading into the database ----------------------------------------------------------------


@dataclass(slots=True)
class RosterSummary:
    """What loading a roster did, for the operator."""

    round_code: str
    created: bool
    changed: bool
    groups: int
    villages: int
    departments: int
    categories: int
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        """A short English summary for the command line."""
        counts = ", ".join(
            _plural(n, word)
            for n, word in (
                (self.groups, "group"),
                (self.villages, "village"),
                (self.departments, "department"),
                (self.categories, "category"),
            )
        )
        if self.created:
            head = f"round {self.round_code} created: {counts}"
        elif self.changed:
            head = f"round {self.round_code} updated: {counts}"
        else:
            head = f"round {self.round_code}: no changes"
        return "\n".join([head, *(f"note: {note}" for note in self.notes)])


def _plural(n: int, word: str) -> str:
    """'1 group', '2 groups', '11 categories'."""
    if n == 1:
        return f"1 {word}"
    return f"{n} {word[:-1]}ies" if word.endswith("y") else f"{n} {word}s"


def _assign(row: SQLModel, **values: Any) -> bool:
    """Set the attributes that differ; return whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


async def _check_overlaps(session: AsyncSession, parsed: ParsedRoster) -> None:
    """Refuse villages that another round with intersecting dates already covers."""
    spec = parsed.spec
    where: dict[str, Loc] = {}
    for g, group in enumerate(spec.groups):
        for v, village in enumerate(group.villages):
            where[village.code] = ("groups", g, "villages", v)
    statement = (
        select(col(Village.code), col(Round.code), col(Round.starts_on), col(Round.ends_on))
        .join(GroupVillage, col(GroupVillage.village_id) == col(Village.id))
        .join(InspectionGroup, col(InspectionGroup.id) == col(GroupVillage.group_id))
        .join(Round, col(Round.id) == col(InspectionGroup.round_id))
        .where(
            col(Village.code).in_(list(where)),
            col(Round.code) != spec.round.code,
            col(Round.starts_on) <= spec.round.ends_on,
            col(Round.ends_on) >= spec.round.starts_on,
        )
        .order_by(col(Village.code), col(Round.code))
    )
    problems = [
        parsed.problem(
            where[village_code],
            f"village {village_code!r} is already covered by round {round_code} "
            f"({starts_on.isoformat()} to {ends_on.isoformat()}), whose dates overlap",
        )
        for village_code, round_code, starts_on, ends_on in (await session.exec(statement)).all()
    ]
    if problems:
        raise RosterError(_sorted_unique(problems))


async def _references(session: AsyncSession, table: Table, row_id: int, *, skip: str = "") -> int:
    """How many rows of other tables point at one row (so it must not be deleted)."""
    count = 0
    for other in SQLModel.metadata.sorted_tables:
        if other.name == skip:
            continue
        for foreign_key in other.foreign_keys:
            if foreign_key.column.table is table:
                statement = (
                    select(func.count()).select_from(other).where(foreign_key.parent == row_id)
                )
                count += (await session.exec(statement)).one()
    return count


class _Sync:
    """Makes one round's rows match a parsed roster, noting whether anything changed."""

    def __init__(self, session: AsyncSession, parsed: ParsedRoster) -> None:
        self.session = session
        self.spec = parsed.spec
        self.changed = False
        self.notes: list[str] = []

    async def round(self) -> tuple[Round, bool]:
        """Create or update the round by its code; the complaint counter is left alone."""
        spec = self.spec.round
        values: dict[str, Any] = {
            "name": spec.name,
            "kind": spec.kind,
            "organizer": spec.organizer,
            "starts_on": spec.starts_on,
            "ends_on": spec.ends_on,
            "timezone": spec.timezone,
            "contact": spec.contact,
        }
        statement = select(Round).where(Round.code == spec.code)
        row = (await self.session.exec(statement)).first()
        if row is None:
            row = Round(code=spec.code, **values)
            self.session.add(row)
            await self.session.flush()
            self.changed = True
            return row, True
        if _assign(row, **values):
            self.changed = True
        return row, False

    async def groups(self, round_id: int) -> dict[str, InspectionGroup]:
        """Create or update the round's groups; return them by code, including retired ones."""
        statement = select(InspectionGroup).where(InspectionGroup.round_id == round_id)
        rows = {row.code: row for row in (await self.session.exec(statement)).all()}
        for group in self.spec.groups:
            row = rows.get(group.code)
            if row is None:
                row = InspectionGroup(round_id=round_id, code=group.code, name=group.name)
                self.session.add(row)
                rows[group.code] = row
                self.changed = True
            elif _assign(row, name=group.name):
                self.changed = True
        await self.session.flush()
        return rows

    async def villages(self) -> dict[str, Village]:
        """Create or update the file's villages by their global code."""
        specs = [village for group in self.spec.groups for village in group.villages]
        statement = select(Village).where(col(Village.code).in_([v.code for v in specs]))
        rows = {row.code: row for row in (await self.session.exec(statement)).all()}
        for village in specs:
            values: dict[str, Any] = {
                "name": village.name,
                "township": village.township,
                "latitude": village.lat,
                "longitude": village.lon,
            }
            row = rows.get(village.code)
            if row is None:
                row = Village(code=village.code, **values)
                self.session.add(row)
                rows[village.code] = row
                self.changed = True
            elif _assign(row, **values):
                self.changed = True
        await self.session.flush()
        return rows

    async def links(
        self, groups: dict[str, InspectionGroup], villages: dict[str, Village]
    ) -> None:
        """Make the round's group-village links exactly the file's."""
        wanted = {
            (_id(groups[group.code]), _id(villages[village.code]))
            for group in self.spec.groups
            for village in group.villages
        }
        group_ids = [_id(row) for row in groups.values()]
        statement = select(GroupVillage).where(col(GroupVillage.group_id).in_(group_ids))
        existing = {
            (link.group_id, link.village_id): link
            for link in (await self.session.exec(statement)).all()
        }
        for key, link in existing.items():
            if key not in wanted:
                await self.session.delete(link)
                self.changed = True
        for group_id, village_id in wanted - existing.keys():
            self.session.add(GroupVillage(group_id=group_id, village_id=village_id))
            self.changed = True
        await self.session.flush()

    async def retire_groups(self, groups: dict[str, InspectionGroup]) -> None:
        """Delete groups no longer in the file, unless something refers to them."""
        listed = {group.code for group in self.spec.groups}
        for code, row in sorted(groups.items()):
            if code in listed:
                continue
            table = InspectionGroup.__table__  # type: ignore[attr-defined]
            # Its links are gone already (links()), so only real uses count.
            if await _references(self.session, table, _id(row), skip="group_village"):
                self.notes.append(
                    f"group {code} is no longer in the file but is kept: complaints refer to it"
                )
                continue
            await self.session.delete(row)
            self.changed = True
        await self.session.flush()

    async def departments(self, round_id: int) -> None:
        """Create, update and retire the round's departments."""
        statement = select(Department).where(Department.round_id == round_id)
        rows = {row.code: row for row in (await self.session.exec(statement)).all()}
        for department in self.spec.departments:
            row = rows.pop(department.code, None)
            values: dict[str, Any] = {
                "name": department.name,
                "receives_clues": department.receives_clues,
            }
            if row is None:
                self.session.add(Department(round_id=round_id, code=department.code, **values))
                self.changed = True
            elif _assign(row, **values):
                self.changed = True
        table = Department.__table__  # type: ignore[attr-defined]
        for code, row in sorted(rows.items()):
            if await _references(self.session, table, _id(row)):
                self.notes.append(
                    f"department {code} is no longer in the file but is kept: "
                    "complaints refer to it"
                )
                continue
            await self.session.delete(row)
            self.changed = True
        await self.session.flush()

    async def categories(self, round_id: int) -> None:
        """Create, update and retire the round's categories; position is the file's order."""
        statement = select(Category).where(Category.round_id == round_id)
        rows = {row.code: row for row in (await self.session.exec(statement)).all()}
        for position, (code, zh, en, due_days, sensitive) in enumerate(self.spec.category_rows()):
            row = rows.pop(code, None)
            values: dict[str, Any] = {
                "name_zh": zh,
                "name_en": en,
                "due_days": due_days,
                "sensitive": sensitive,
                "position": position,
            }
            if row is None:
                self.session.add(Category(round_id=round_id, code=code, **values))
                self.changed = True
            elif _assign(row, **values):
                self.changed = True
        for code, row in sorted(rows.items()):
            # Complaints name their category by code, not by a foreign key.
            statement_used = (
                select(func.count())
                .select_from(Complaint)
                .where(Complaint.round_id == round_id, Complaint.category_code == code)
            )
            if (await self.session.exec(statement_used)).one():
                self.notes.append(
                    f"category {code} is no longer in the file but is kept: complaints use it"
                )
                continue
            await self.session.delete(row)
            self.changed = True
        await self.session.flush()


def _id(row: SQLModel) -> int:
    """The primary key of a flushed row."""
    value = getattr(row, "id", None)
    if value is None:
        raise RuntimeError(f"{type(row).__name__} has no id: flush before use")
    return int(value)


async def apply_roster(*, session: AsyncSession, parsed: ParsedRoster) -> RosterSummary:
    """Create or update a validated roster's round in the caller's transaction."""
    await _check_overlaps(session, parsed)
    sync = _Sync(session, parsed)
    round_row, created = await sync.round()
    round_id = _id(round_row)
    groups = await sync.groups(round_id)
    villages = await sync.villages()
    await sync.links(groups, villages)
    await sync.retire_groups(groups)
    await sync.departments(round_id)
    await sync.categories(round_id)
    if sync.changed and not created:
        # Any change to the roster counts as a change of the round, not just its own fields.
        round_row.updated_at = datetime.now(UTC)
        await session.flush()
    spec = parsed.spec
    return RosterSummary(
        round_code=spec.round.code,
        created=created,
        changed=sync.changed,
        groups=len(spec.groups),
        villages=len(villages),
        departments=len(spec.departments),
        categories=len(spec.category_rows()),
        notes=sync.notes,
    )


async def load_roster(*, session: AsyncSession, text: str, source: str) -> RosterSummary:
    """Validate a roster file's text and create or update its round; RosterError on problems."""
    return await apply_roster(session=session, parsed=parse_roster(text, source))


def _read(path: Path) -> str:
    """A roster file's text; RosterError naming the file when it cannot be read."""
    try:
        # utf-8-sig: editors on Windows like to start files with a byte-order mark.
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        problem = "cannot be read: it is not UTF-8 text"
    except OSError as exc:
        problem = f"cannot be read: {exc.strerror or exc}"
    raise RosterError([RosterProblem(str(path), None, "", problem)])


async def load_roster_path(database_url: str, path: Path) -> RosterSummary:
    """Load a roster file into the database at `database_url` in one transaction."""
    source = str(path)
    text = await asyncio.to_thread(_read, path)
    # Validate before touching the database: a broken file needs no connection.
    parsed = parse_roster(text, source)
    database = Database(database_url)
    try:
        async with database.transaction() as session:
            return await apply_roster(session=session, parsed=parsed)
    finally:
        await database.dispose()


__all__ = [
    "ROUND_KINDS",
    "ParsedRoster",
    "RosterError",
    "RosterProblem",
    "RosterSpec",
    "RosterSummary",
    "apply_roster",
    "load_roster",
    "load_roster_path",
    "parse_roster",
]
