"""Making one round's rows match a parsed roster: create, update, and retire what is unused."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import Table, func
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    Category,
    Complaint,
    Department,
    GroupVillage,
    InspectionGroup,
    Round,
    Village,
)
from storage.roster.shape import ParsedRoster

RowT = TypeVar("RowT", bound=SQLModel)


def _assign(row: SQLModel, **values: Any) -> bool:
    """Set the attributes that differ; return whether any did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


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


def row_id(row: SQLModel) -> int:
    """The primary key of a flushed row."""
    value = getattr(row, "id", None)
    if value is None:
        raise RuntimeError(f"{type(row).__name__} has no id: flush before use")
    return int(value)


class Sync:
    """Makes one round's rows match a parsed roster, noting whether anything changed."""

    def __init__(self, session: AsyncSession, parsed: ParsedRoster) -> None:
        self.session = session
        self.spec = parsed.spec
        self.changed = False
        self.notes: list[str] = []
        # The same notes as (kind, code), for the command line to say in its own words.
        self.kept: list[tuple[str, str]] = []

    def _put(
        self, model: type[RowT], row: RowT | None, keys: dict[str, Any], values: dict[str, Any]
    ) -> RowT:
        """Give `row` the `values`, or add a new row of `model` with `keys` when there is none."""
        if row is None:
            row = model(**keys, **values)
            self.session.add(row)
            self.changed = True
        elif _assign(row, **values):
            self.changed = True
        return row

    async def _retire(
        self,
        kind: str,
        rows: dict[str, RowT],
        uses: Callable[[str, RowT], Awaitable[int]],
        users: str,
    ) -> None:
        """Delete the rows no longer in the file, keeping (with a note) those still in use."""
        for code, row in sorted(rows.items()):
            if await uses(code, row):
                self.notes.append(f"{kind} {code} is no longer in the file but is kept: {users}")
                self.kept.append((kind, code))
                continue
            await self.session.delete(row)
            self.changed = True
        await self.session.flush()

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
            "ladder": self.spec.ladder.ladder().stored() if self.spec.ladder else None,
            "sign_within_hours": self.spec.handoff.sign_within_hours,
        }
        statement = select(Round).where(Round.code == spec.code)
        existing = (await self.session.exec(statement)).first()
        row = self._put(Round, existing, {"code": spec.code}, values)
        if existing is None:
            await self.session.flush()
        return row, existing is None

    async def groups(self, round_id: int) -> dict[str, InspectionGroup]:
        """Create or update the round's groups; return them by code, including retired ones."""
        statement = select(InspectionGroup).where(InspectionGroup.round_id == round_id)
        rows = {row.code: row for row in (await self.session.exec(statement)).all()}
        for group in self.spec.groups:
            keys = {"round_id": round_id, "code": group.code}
            rows[group.code] = self._put(
                InspectionGroup, rows.get(group.code), keys, {"name": group.name}
            )
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
            rows[village.code] = self._put(
                Village, rows.get(village.code), {"code": village.code}, values
            )
        await self.session.flush()
        return rows

    async def links(
        self, groups: dict[str, InspectionGroup], villages: dict[str, Village]
    ) -> None:
        """Make the round's group-village links exactly the file's."""
        wanted = {
            (row_id(groups[group.code]), row_id(villages[village.code]))
            for group in self.spec.groups
            for village in group.villages
        }
        group_ids = [row_id(row) for row in groups.values()]
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
        table = InspectionGroup.__table__  # type: ignore[attr-defined]

        async def uses(code: str, row: InspectionGroup) -> int:
            # Its links are gone already (links()), so only real uses count.
            return await _references(self.session, table, row_id(row), skip="group_village")

        gone = {code: row for code, row in groups.items() if code not in listed}
        await self._retire("group", gone, uses, "complaints refer to it")

    async def departments(self, round_id: int) -> None:
        """Create, update and retire the round's departments."""
        statement = select(Department).where(Department.round_id == round_id)
        rows = {row.code: row for row in (await self.session.exec(statement)).all()}
        for department in self.spec.departments:
            keys = {"round_id": round_id, "code": department.code}
            values: dict[str, Any] = {
                "name": department.name,
                "receives_clues": department.receives_clues,
            }
            self._put(Department, rows.pop(department.code, None), keys, values)
        table = Department.__table__  # type: ignore[attr-defined]

        async def uses(code: str, row: Department) -> int:
            return await _references(self.session, table, row_id(row))

        await self._retire("department", rows, uses, "complaints refer to it")

    async def categories(self, round_id: int) -> None:
        """Create, update and retire the round's categories; position is the file's order."""
        statement = select(Category).where(Category.round_id == round_id)
        rows = {row.code: row for row in (await self.session.exec(statement)).all()}
        for position, (code, zh, en, due_days, sensitive, department) in enumerate(
            self.spec.dispatched()
        ):
            values: dict[str, Any] = {
                "name_zh": zh,
                "name_en": en,
                "due_days": due_days,
                "sensitive": sensitive,
                "position": position,
                "department_code": department,
            }
            keys = {"round_id": round_id, "code": code}
            self._put(Category, rows.pop(code, None), keys, values)

        async def uses(code: str, row: Category) -> int:
            # Complaints name their category by code, not by a foreign key.
            statement_used = (
                select(func.count())
                .select_from(Complaint)
                .where(Complaint.round_id == round_id, Complaint.category_code == code)
            )
            return (await self.session.exec(statement_used)).one()

        await self._retire("category", rows, uses, "complaints use it")
