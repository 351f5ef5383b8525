"""Loading a parsed roster into the database: overlap checks, the sync, and the summary."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.models import GroupVillage, InspectionGroup, Round, Village
from storage.roster import facts
from storage.roster.errors import Loc, RosterError, RosterProblem, sorted_unique
from storage.roster.parsing import parse_roster
from storage.roster.shape import ParsedRoster
from storage.roster.sync import Sync, row_id


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
    # What the notes are about: (kind, code) of a group, department or category kept in use.
    kept: list[tuple[str, str]] = field(default_factory=list)

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
            "overlap",
            village=village_code,
            round=round_code,
            starts=starts_on.isoformat(),
            ends=ends_on.isoformat(),
        )
        for village_code, round_code, starts_on, ends_on in (await session.exec(statement)).all()
    ]
    if problems:
        raise RosterError(sorted_unique(problems))


async def apply_roster(*, session: AsyncSession, parsed: ParsedRoster) -> RosterSummary:
    """Create or update a validated roster's round in the caller's transaction."""
    await _check_overlaps(session, parsed)
    sync = Sync(session, parsed)
    round_row, created = await sync.round()
    round_id = row_id(round_row)
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
    if sync.changed or created:
        # Every process's cache of the roster's facts reads them again once this commits.
        await facts.bump(session, datetime.now(UTC))
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
        kept=sync.kept,
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
        problem = RosterProblem.of(str(path), None, "", "not_utf8")
    except FileNotFoundError:
        problem = RosterProblem.of(str(path), None, "", "no_file")
    except OSError as exc:
        problem = RosterProblem.of(str(path), None, "", "unreadable", reason=exc.strerror or exc)
    raise RosterError([problem])


def parse_roster_path(path: Path) -> ParsedRoster:
    """Read and validate a roster file without a database (RosterError lists its problems)."""
    return parse_roster(_read(path), str(path))


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
