"""bench/hot_statements.py still runs the statements every update runs, three ways: it reaches
into storage's private builders, so a change there must not break it unnoticed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_it_measures_all_three_ways_on_sqlite() -> None:
    command = [sys.executable, str(ROOT / "bench" / "hot_statements.py"), "--db", "sqlite"]
    done = subprocess.run(
        [*command, "--runs", "1", "--updates", "50"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    for side in ("sqlalchemy", "bot", "raw"):
        line = re.search(rf"^\s+{side}\s+([\d.]+) /", done.stdout, re.MULTILINE)
        assert line is not None and float(line.group(1)) > 0, done.stdout
