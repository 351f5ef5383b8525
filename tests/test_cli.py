"""The command line a clerk meets: Chinese unless asked for English, quiet (the log goes to a
file), the database named on the first line, help without placeholders, one catalog per
language with the same keys."""

from __future__ import annotations

import ast
import asyncio
import string
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import build_app
from bot.cli.i18n import LANGUAGES, catalog, from_arguments, from_locale
from bot.export import EXPORT_ERRORS
from bot.posters import POSTER_ERRORS
from storage.links import LINK_ERRORS, LINK_TARGETS
from storage.roster.wording import ENGLISH
from tests.helpers.cli import CHINESE, run_xuncha

ROOT = Path(__file__).resolve().parents[1]
# The f-string keys of bot/cli and what fills them.
KEY_HELPERS = ("say", "helps", "_count")
FILLED = {
    "target.{}": ("group", "department", "office"),
    "chat.{}": ("group", "department", "office"),
    "click.heading.{}": ("options", "commands", "arguments"),
    "click.kind.{}": ("argument", "option", "parameter"),
    "roster.problem.{}": tuple(ENGLISH),
    "link.error.{}": tuple(LINK_ERRORS),
    "export.error.{}": tuple(EXPORT_ERRORS),
    "qr.error.{}": tuple(POSTER_ERRORS),
    "roster.kept.{}": ("group", "department", "category"),
    "link.links.{}": tuple(LINK_TARGETS),
}


async def test_db_upgrade_is_quiet_and_names_the_database(tmp_path: Path) -> None:
    env = {"XUNCHA_HOME": str(tmp_path / "home"), **CHINESE}
    done = await asyncio.to_thread(run_xuncha, "db", "upgrade", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [f"数据库：{tmp_path / 'home' / 'xuncha.db'}"]
    assert done.stdout.splitlines() == ["数据库已是最新结构。"]
    # Alembic's INFO lines went to the log file.
    log = (tmp_path / "home" / "xuncha.log").read_text(encoding="utf-8")
    assert "alembic.runtime.migration" in log
    verbose = await asyncio.to_thread(
        run_xuncha, "--verbose", "db", "upgrade", env=env, cwd=tmp_path
    )
    assert "alembic.runtime.migration" in verbose.stderr


async def test_english_with_lang_or_an_english_locale(tmp_path: Path) -> None:
    env = {"XUNCHA_HOME": str(tmp_path / "home"), **CHINESE}
    asked = await asyncio.to_thread(run_xuncha, "--lang", "en", "--help", env=env, cwd=tmp_path)
    assert "Start the bot" in asked.stdout and "启动机器人" not in asked.stdout
    env = {"XUNCHA_HOME": str(tmp_path / "home"), "LANG": "en_US.UTF-8"}
    located = await asyncio.to_thread(run_xuncha, "doctor", "--help", env=env, cwd=tmp_path)
    assert "Check everything the bot needs" in located.stdout
    chinese = await asyncio.to_thread(run_xuncha, "--help", env={}, cwd=tmp_path)
    assert "启动机器人" in chinese.stdout


async def test_clicks_own_words_are_chinese_in_zh_and_english_in_en(tmp_path: Path) -> None:
    env = {"XUNCHA_HOME": str(tmp_path / "home"), **CHINESE}
    for args in (["--help"], ["roster", "--help"], ["roster", "check", "--help"]):
        zh = await asyncio.to_thread(run_xuncha, *args, env=env, cwd=tmp_path)
        assert zh.returncode == 0, zh.stderr
        assert zh.stdout.startswith("用法："), zh.stdout
        assert "选项：" in zh.stdout and "显示本帮助并退出。" in zh.stdout
        for english in ("Usage:", "Options:", "Commands:", "Show this message", "[OPTIONS]"):
            assert english not in zh.stdout, (args, zh.stdout)
    top = await asyncio.to_thread(run_xuncha, "--help", env=env, cwd=tmp_path)
    assert "命令：" in top.stdout and "[选项] 命令 [参数]...\n" in top.stdout
    assert "  try           不注册机器人，在浏览器里试用（模拟 Telegram）\n" in top.stdout
    en = await asyncio.to_thread(
        run_xuncha, "--lang", "en", "roster", "--help", env=env, cwd=tmp_path
    )
    assert en.stdout.startswith("Usage: "), en.stdout
    assert "roster [OPTIONS] COMMAND [ARGS]...\n" in en.stdout
    assert "Options:" in en.stdout and "Commands:" in en.stdout
    assert "Show this message and exit." in en.stdout and "用法" not in en.stdout


async def test_usage_errors_are_told_in_the_operators_language(tmp_path: Path) -> None:
    env = {"XUNCHA_HOME": str(tmp_path / "home"), **CHINESE}
    unknown = await asyncio.to_thread(run_xuncha, "--bogus", env=env, cwd=tmp_path)
    assert unknown.returncode == 2
    assert (
        unknown.stderr.splitlines()[-1] == "错误：没有这个选项：--bogus（您是不是要写：--verbose）"
    )
    assert unknown.stderr.startswith("用法：")
    assert unknown.stderr.splitlines()[1].endswith(" --help 查看帮助。")
    assert "Error" not in unknown.stderr and "Traceback" not in unknown.stderr
    missing = await asyncio.to_thread(run_xuncha, "roster", "check", env=env, cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.splitlines()[-1] == "错误：缺少参数 '文件'。"
    assert missing.stderr.startswith("用法：") and "roster check [选项]" in missing.stderr
    command = await asyncio.to_thread(run_xuncha, "rooster", env=env, cwd=tmp_path)
    assert command.returncode == 2
    assert (
        command.stderr.splitlines()[-1] == "错误：没有这个命令：rooster。您是不是要写 'roster'？"
    )
    en = await asyncio.to_thread(run_xuncha, "--lang", "en", "--bogus", env=env, cwd=tmp_path)
    assert en.returncode == 2
    assert (
        en.stderr.splitlines()[-1]
        == "Error: No such option: --bogus (Possible options: --verbose)"
    )
    assert en.stderr.startswith("Usage: ") and " --help' for help." in en.stderr


def test_language_choice() -> None:
    assert from_locale({}) == "zh"
    assert from_locale({"LANG": "en_US.UTF-8"}) == "en"
    assert from_locale({"LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"}) == "zh"
    assert from_locale({"LANG": "C.UTF-8"}) == "zh"
    assert from_arguments(["--lang", "en", "run"], {}) == "en"
    assert from_arguments(["--lang=zh"], {"LANG": "en_GB.UTF-8"}) == "zh"


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_has_no_placeholders(language: str) -> None:
    app = build_app(language)
    runner = CliRunner()
    commands = [
        [],
        ["run"],
        ["demo"],
        ["doctor"],
        ["db", "upgrade"],
        ["roster"],
        ["roster", "load"],
    ]
    commands += [["roster", "check"], ["link-code"], ["export"], ["qr"], ["outbox", "status"]]
    commands += [["block"], ["block", "list"], ["unblock"], ["try"], ["console-link"]]
    for args in commands:
        result = runner.invoke(app, [*args, "--help"])
        assert result.exit_code == 0, result.output
        for placeholder in ("<str>", "<bool>", "<path>", "TEXT", "PATH", "BOOLEAN"):
            assert placeholder not in result.output, (args, result.output)
        # No help text cut short (click cuts Chinese, which has no spaces, with "...").
        rows = result.output.splitlines()
        rows = [row for row in rows if not row.startswith(("Usage:", "用法："))]
        assert not any(row.endswith("...") for row in rows), (args, result.output)
    assert "--group 代码" in runner.invoke(build_app("zh"), ["link-code", "--help"]).output


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_catalogs_have_the_same_keys_and_placeholders() -> None:
    zh, en = catalog("zh"), catalog("en")
    assert set(zh) == set(en)
    for key in zh:
        assert _fields(zh[key]) == _fields(en[key]), key


def used_keys() -> dict[str, str]:
    """Every key bot/cli passes to say() or helps(): literals, and f-strings listed in FILLED."""
    used: dict[str, str] = {}
    for path in sorted((ROOT / "bot" / "cli").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # Inside the helpers that pass their own key parameter on, keys are names.
        passing = {
            id(inner)
            for function in ast.walk(tree)
            if isinstance(function, ast.FunctionDef) and function.name in KEY_HELPERS
            for inner in ast.walk(function)
        }
        for node in ast.walk(tree):
            if id(node) in passing:
                continue
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in ("say", "helps", "_count") or not node.args:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            for arg in node.args[: 3 if node.func.id == "_count" else 1]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    used[arg.value] = where
                elif isinstance(arg, ast.JoinedStr):
                    shape = "".join(
                        str(v.value) if isinstance(v, ast.Constant) else "{}" for v in arg.values
                    )
                    for value in FILLED[shape]:
                        used[shape.format(value)] = where
                elif node.func.id != "_count" or arg is not node.args[0]:
                    used[f"<not a literal: {ast.unparse(arg)}>"] = where
    return used


def test_every_key_the_command_line_uses_is_in_both_catalogs() -> None:
    used = used_keys()
    assert len(used) > 100
    for language in LANGUAGES:
        missing = {key: where for key, where in used.items() if key not in catalog(language)}
        assert not missing, f"missing from bot/cli/locales/{language}: {missing}"
