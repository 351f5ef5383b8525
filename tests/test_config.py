"""Settings and the command line's first contact with an operator."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings
from tests.helpers.cli import ENGLISH


@pytest.mark.parametrize(
    "given",
    ["http://127.0.0.1:8081", "http://127.0.0.1:8081/", "http://127.0.0.1:8081/bot"],
)
def test_api_base_url_accepts_root_or_bot_suffix(given: str) -> None:
    settings = Settings(_env_file=None, telegram_api_base_url=given)
    assert settings.base_url == "http://127.0.0.1:8081/bot"
    assert settings.base_file_url == "http://127.0.0.1:8081/file/bot"


def test_settings_read_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "11, 22")
    monkeypatch.setenv("DEFAULT_LANGUAGE", "EN")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    settings = Settings(_env_file=None)
    assert settings.admin_ids == [11, 22]
    assert settings.default_language == "en"
    assert settings.database_url == "postgresql://u@h/db"


def test_unknown_default_language_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_LANGUAGE", "fr")
    with pytest.raises(ValueError, match="zh or en"):
        Settings(_env_file=None)


def test_run_without_token_explains_and_points_to_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["run"], env=ENGLISH)
    assert result.exit_code == 2
    assert "TELEGRAM_BOT_TOKEN" in result.output
    assert "xuncha demo" in result.output
    assert not (tmp_path / "data").exists()


def test_webhook_url_without_secret_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="WEBHOOK_SECRET is required when WEBHOOK_URL is set"):
        Settings(_env_file=None, webhook_url="https://bot.example.org/tg")


@pytest.mark.parametrize("secret", ["has space", "ünïcode", "semi;colon", "x" * 257])
def test_webhook_secret_outside_telegrams_charset_is_refused(secret: str) -> None:
    with pytest.raises(ValueError, match="WEBHOOK_SECRET must be 1-256 characters"):
        Settings(_env_file=None, webhook_url="https://bot.example.org/tg", webhook_secret=secret)


def test_webhook_settings_give_mode_route_and_listen_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    polling = Settings(_env_file=None)
    assert not polling.webhook_mode
    assert (polling.webhook_host, polling.webhook_port) == ("0.0.0.0", 8443)
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/tg/updates")
    monkeypatch.setenv("WEBHOOK_SECRET", "Abc_123-" * 32)
    monkeypatch.setenv("WEBHOOK_LISTEN", "[::1]:9000")
    settings = Settings(_env_file=None)
    assert settings.webhook_mode and settings.webhook_path == "/tg/updates"
    assert (settings.webhook_host, settings.webhook_port) == ("::1", 9000)


@pytest.mark.parametrize("listen", ["8443", "0.0.0.0", "host:port", "0.0.0.0:70000"])
def test_a_bad_webhook_listen_is_refused(listen: str) -> None:
    with pytest.raises(ValueError, match="WEBHOOK_LISTEN must be host:port"):
        Settings(_env_file=None, webhook_listen=listen)


def test_the_metrics_endpoint_is_off_unless_metrics_listen_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert not Settings(_env_file=None).metrics_on
    monkeypatch.setenv("METRICS_LISTEN", " 127.0.0.1:9090 ")
    settings = Settings(_env_file=None)
    assert settings.metrics_on and not settings.metrics_shares_webhook
    assert (settings.metrics_host, settings.metrics_port) == ("127.0.0.1", 9090)
    # The webhook's address: one server for both.
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/tg")
    monkeypatch.setenv("WEBHOOK_SECRET", "s")
    monkeypatch.setenv("WEBHOOK_LISTEN", "127.0.0.1:9090")
    assert Settings(_env_file=None).metrics_shares_webhook


@pytest.mark.parametrize("listen", ["9090", "localhost", "127.0.0.1:port"])
def test_a_bad_metrics_listen_is_refused(listen: str) -> None:
    with pytest.raises(ValueError, match="METRICS_LISTEN must be host:port such as 127"):
        Settings(_env_file=None, metrics_listen=listen)


def test_a_webhook_url_must_be_a_url() -> None:
    with pytest.raises(ValueError, match="WEBHOOK_URL must be an https URL"):
        Settings(_env_file=None, webhook_url="bot.example.org/tg", webhook_secret="s")


def test_run_with_webhook_url_but_no_secret_explains(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-TOKEN")
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.org/tg")
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    result = CliRunner().invoke(app, ["run"], env=ENGLISH)
    assert result.exit_code == 2
    assert "WEBHOOK_SECRET is required when WEBHOOK_URL is set" in result.output
    assert "SECRET-TOKEN" not in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "data").exists()
