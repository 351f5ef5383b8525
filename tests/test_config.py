"""Settings and the command line's first contact with an operator."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings


@pytest.mark.parametrize(
    "given",
    ["http://127.0.0.1:8081", "http://127.0.0.1:8081/", "http://127.0.0.1:8081/bot"],
)
def test_api_base_url_accepts_root_or_bot_suffix(given: str) -> None:
    settings = Settings(_env_file=None, telegram_api_base_url=given)  # type: ignore[call-arg]
    assert settings.base_url == "http://127.0.0.1:8081/bot"
    assert settings.base_file_url == "http://127.0.0.1:8081/file/bot"


def test_settings_read_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "11, 22")
    monkeypatch.setenv("DEFAULT_LANGUAGE", "EN")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.admin_ids == [11, 22]
    assert settings.default_language == "en"
    assert settings.database_url == "postgresql://u@h/db"


def test_unknown_default_language_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_LANGUAGE", "fr")
    with pytest.raises(ValueError, match="zh or en"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_run_without_token_explains_and_points_to_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2
    assert "TELEGRAM_BOT_TOKEN" in result.output
    assert "xuncha demo" in result.output
    assert not (tmp_path / "data").exists()
