"""Imports point down: bot/ → console/ → handlers/ → storage/, and the emulator stands beside
them.

Read from the syntax trees (nothing is imported), so an import inside a function or under
`if TYPE_CHECKING:` counts as much as one at the top of a module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What each product package must never import (a top-level name and everything under it).
FORBIDDEN = {
    "storage": {"telegram", "handlers", "bot", "emulator", "console"},
    "handlers": {"bot", "emulator", "console"},
    # The console (web edge) uses the handlers' catalogs, ledger file and membership cache,
    # never the runtime.
    "console": {"bot", "emulator"},
    # The Bot API emulator is Telegram's stand-in: it knows nothing of the bot it talks to.
    "emulator": {"bot", "handlers", "storage", "console"},
}


def module_name(path: Path, root: Path) -> str:
    """`storage.workflow.base` for storage/workflow/base.py (a package for its __init__)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path, root: Path) -> Iterator[tuple[int, str]]:
    """Every module a file imports (line, absolute dotted name), relative imports resolved."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            yield node.lineno, target


def violations(root: Path, forbidden: dict[str, set[str]]) -> list[str]:
    """`file:line imports name` for each import that points where it must not."""
    found = []
    for package, banned in forbidden.items():
        for path in sorted((root / package).rglob("*.py")):
            for line, target in imported(path, root):
                if target.split(".")[0] in banned:
                    found.append(f"{path.relative_to(root)}:{line} imports {target}")
    return found


def test_imports_point_down() -> None:
    present = {
        package: banned for package, banned in FORBIDDEN.items() if (ROOT / package).is_dir()
    }
    assert {"storage", "handlers", "console"} <= set(present)
    assert not violations(ROOT, present)


def test_the_walk_sees_every_kind_of_import(tmp_path: Path) -> None:
    package = tmp_path / "storage" / "inner"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from . import deep\nfrom .. import models\n")
    (package / "deep.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import telegram.ext\n"
        "from ..models import Thing\n"
        "if TYPE_CHECKING:\n"
        "    from bot.config import Settings\n"
        "def later() -> None:\n"
        "    from handlers import i18n\n"
    )
    assert list(imported(package / "__init__.py", tmp_path)) == [
        (1, "storage.inner"),
        (2, "storage"),
    ]
    assert [name for _, name in imported(package / "deep.py", tmp_path)] == [
        "typing",
        "telegram.ext",
        "storage.models",
        "bot.config",
        "handlers",
    ]
    assert violations(tmp_path, {"storage": {"telegram", "handlers", "bot"}}) == [
        "storage/inner/deep.py:2 imports telegram.ext",
        "storage/inner/deep.py:5 imports bot.config",
        "storage/inner/deep.py:7 imports handlers",
    ]
