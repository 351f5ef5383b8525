"""Running the `xuncha` command line in tests: in English, or as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

# An English locale: the command line speaks English (LC_ALL wins over LANG).
ENGLISH = {"LC_ALL": "en_US.UTF-8"}
CHINESE = {"LC_ALL": "zh_CN.UTF-8"}


def run_xuncha(
    *args: str, env: Mapping[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`xuncha ARGS` as the operator runs it: its own process, the terminal's stdout and stderr,
    the exit code (nothing from the test's environment but PATH and HOME-like basics)."""
    base = {key: os.environ[key] for key in ("PATH", "SYSTEMROOT") if key in os.environ}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
