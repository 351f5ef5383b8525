"""The rules of /readyz (bot/health.py's judge): what makes a process not ready."""

from __future__ import annotations

from typing import Any

from bot.health import judge
from bot.leader import Role

HEAD_TEXT = "0006_chat_lost_at"
HEAD = frozenset({HEAD_TEXT})


def _judge(**observed: Any) -> Any:
    """judge() on a healthy polling leader, with `observed` changed."""
    values: dict[str, Any] = {
        "role": Role.leader.value,
        "polling": True,
        "database_error": None,
        "revisions": HEAD,
        "heads": HEAD,
        "since_intake": 3.0,
        "quiet": 3.0,
        "quiet_limit": 85.0,
    }
    return judge(**(values | observed))


def test_a_healthy_leader_is_ready() -> None:
    readiness = _judge()
    assert readiness.ready and readiness.problems == []
    assert (readiness.role, readiness.mode, readiness.schema) == ("leader", "polling", HEAD_TEXT)


def test_a_polling_leader_that_gets_no_updates_is_not_ready() -> None:
    readiness = _judge(since_intake=None, quiet=86.0)
    assert not readiness.ready
    assert readiness.problems == ["no successful getUpdates for over 85 s"]
    assert readiness.seconds_since_last_intake is None


def test_quiet_intake_does_not_count_for_a_standby_or_in_webhook_mode() -> None:
    # A standby does not poll; Telegram may post nothing to a webhook for hours.
    assert _judge(role=Role.standby.value, quiet=None, since_intake=None).ready
    assert _judge(polling=False, quiet=10_000.0, since_intake=10_000.0).ready


def test_an_unreachable_database_says_so_and_not_a_schema_problem() -> None:
    readiness = _judge(database_error="ConnectionRefusedError: [Errno 111]", revisions=None)
    assert readiness.problems == ["database unreachable: ConnectionRefusedError: [Errno 111]"]
    assert readiness.schema == "" and readiness.schema_head == HEAD_TEXT


def test_an_empty_database_needs_its_migrations() -> None:
    readiness = _judge(revisions=frozenset())
    assert readiness.problems == [
        "database schema is at no revision, this version needs 0006_chat_lost_at "
        "(run xuncha db upgrade)"
    ]
