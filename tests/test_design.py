"""docs/DESIGN.md stays true of the code: its lifecycle table and the files it names."""

from __future__ import annotations

import re
from pathlib import Path

from storage import lifecycle
from storage.models import ComplaintStatus

ROOT = Path(__file__).resolve().parents[1]
DESIGN = (ROOT / "docs" / "DESIGN.md").read_text(encoding="utf-8")
# A path in backticks: `storage/cards/`, `handlers/group/keyboards.py`.
NAMED_PATH = re.compile(r"`((?:bot|handlers|storage|emulator|tests|examples|docs)/[\w./{},-]*)`")


def design_moves() -> dict[str, set[str]]:
    """The lifecycle table of docs/DESIGN.md: status → the statuses it can move to."""
    section = DESIGN.split("## The lifecycle", 1)[1].split("\n## ", 1)[0]
    statuses = {s.value for s in ComplaintStatus}
    moves: dict[str, set[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 3 and cells[0] in statuses:
            targets = re.sub(r"\([^)]*\)", "", cells[2])
            moves[cells[0]] = {word for word in re.findall(r"\w+", targets) if word in statuses}
    return moves


def test_the_lifecycle_table_is_the_code() -> None:
    assert design_moves() == {s: set(t) for s, t in lifecycle.moves().items()}


def test_every_file_the_design_names_exists() -> None:
    named = set(NAMED_PATH.findall(DESIGN))
    assert len(named) > 20
    missing = sorted(path for path in named if "{" not in path and not (ROOT / path).exists())
    assert not missing, f"docs/DESIGN.md names files that are not there: {missing}"
