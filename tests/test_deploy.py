"""deploy/: the systemd unit, its environment file and the alerting rules name real things."""

from __future__ import annotations

import re
from configparser import ConfigParser
from pathlib import Path

import yaml
from prometheus_client import Metric

from bot.app import build_application
from bot.cli import app as cli
from bot.config import Settings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
# The suffixes under which each kind of metric's samples are exported.
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "gauge": ("",),
    "stateset": ("",),
}


def _exported(family: Metric) -> set[str]:
    """The sample names a metric family is scraped under."""
    return {family.name + suffix for suffix in SUFFIXES[family.type]}


def test_every_series_an_alert_names_is_one_the_bot_exports() -> None:
    application = build_application(Settings(_env_file=None, telegram_bot_token="1:T"))
    exported = {
        name for family in application.metrics.registry.collect() for name in _exported(family)
    }
    rules = yaml.safe_load((DEPLOY / "alerts.yml").read_text(encoding="utf-8"))
    (group,) = rules["groups"]
    names = {rule["alert"] for rule in group["rules"]}
    assert {"XunchaNotReady", "XunchaNoLeader", "XunchaOutboxBehind", "XunchaRateLimited"} <= names
    assert "XunchaFailedRows" in names
    for rule in group["rules"]:
        for series in re.findall(r"\bxuncha_\w+", rule["expr"]):
            assert series in exported, (rule["alert"], series, sorted(exported))


def test_the_environment_example_sets_only_real_settings() -> None:
    known = {name.upper() for name in Settings.model_fields}
    text = (DEPLOY / "xuncha.env.example").read_text(encoding="utf-8")
    given = re.findall(r"^#? ?([A-Z_]+)=", text, flags=re.MULTILINE)
    assert {"TELEGRAM_BOT_TOKEN", "DATABASE_URL", "METRICS_LISTEN"} <= set(given)
    assert set(given) <= known, set(given) - known
    assert re.search(r"^DATABASE_URL=postgresql://", text, flags=re.MULTILINE)


def test_the_systemd_unit_runs_the_bot_with_the_environment_file() -> None:
    unit = ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(DEPLOY / "xuncha.service", encoding="utf-8")
    service = unit["Service"]
    assert service["EnvironmentFile"] == "/etc/xuncha/xuncha.env"
    program, *options, command = service["ExecStart"].split()
    assert program.endswith("/.venv/bin/xuncha") and command == "run"
    # --verbose puts the log in the journal as well as in the data folder's xuncha.log.
    assert options == ["--verbose"]
    assert command in {c.name for c in cli.registered_commands}
    assert service["Restart"] == "always"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
