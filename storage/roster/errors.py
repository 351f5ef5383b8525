"""Problems with a roster file, and how a place in the parsed document is named and found."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from storage.roster.wording import Values, english

# A place in the parsed document: mapping keys and sequence indexes, e.g. ("groups", 0, "code").
Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class RosterProblem:
    """One thing wrong with a roster file, with where it is."""

    source: str
    line: int | None
    field: str
    # What is wrong, for the command line's catalog (roster.problem.CODE) and its values.
    code: str
    values: Values = ()

    @property
    def message(self) -> str:
        """What is wrong, in English."""
        return english(self.code, self.values)

    @classmethod
    def of(
        cls, source: str, line: int | None, field: str, code: str, /, **values: Any
    ) -> RosterProblem:
        """The problem `code` with its values."""
        return cls(source, line, field, code, tuple(values.items()))

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


def line_of(lines: dict[Loc, int], loc: Loc) -> int:
    """The line of `loc`, or of the nearest enclosing place the file has."""
    for end in range(len(loc), 0, -1):
        line = lines.get(loc[:end])
        if line is not None:
            return line
    return lines.get((), 1)


def field_name(loc: Iterable[str | int]) -> str:
    """Render a place as groups[0].villages[1].lat."""
    name = ""
    for part in loc:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name


def sorted_unique(problems: Iterable[RosterProblem]) -> list[RosterProblem]:
    """Problems in file order, each once."""
    return sorted(dict.fromkeys(problems), key=lambda p: (p.line or 0, p.field))
