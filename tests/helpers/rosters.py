"""Roster texts for tests: the example round, optionally moved to other dates."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLE_ROSTER_PATH = REPOSITORY / "examples" / "roster.example.yaml"
FIXTURES = REPOSITORY / "tests" / "fixtures"


def example_roster() -> str:
    """The example roster (round WD2023-1, 2023-02-27 to 2023-04-12, Asia/Shanghai)."""
    fixture = FIXTURES / "roster_wd2023.yaml"
    path = fixture if fixture.exists() else EXAMPLE_ROSTER_PATH
    return path.read_text(encoding="utf-8")


def roster_with_dates(starts_on: date, ends_on: date, text: str | None = None) -> str:
    """A roster whose round runs between the given dates."""
    text = text if text is not None else example_roster()
    text = re.sub(r"starts_on: \S+", f"starts_on: {starts_on.isoformat()}", text, count=1)
    return re.sub(r"ends_on: \S+", f"ends_on: {ends_on.isoformat()}", text, count=1)


# The 派单目录 and a ladder, as a roster's last sections (tests of issue 10's ladder).
DISPATCH_AND_LADDER = """
dispatch:
  water: {department: water, due_days: 3}
  environment: {department: housing}

ladder:
  daily_days: 3
  then_every: 2
  office_from: 3
  flag_from: 7
"""


def roster_with_dispatch(text: str | None = None, extra: str = DISPATCH_AND_LADDER) -> str:
    """The example roster with a 派单目录 (water → 区水利局, 3 days) and a ladder appended."""
    return (text if text is not None else example_roster()) + extra
