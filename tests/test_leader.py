"""The role a process holds among replicas, and who is told when it changes."""

from __future__ import annotations

import pytest

from bot.leader import Role, RoleWatch


def test_listeners_hear_every_change_once_and_the_log_names_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    watch = RoleWatch()
    heard: list[Role] = []
    unsubscribe = watch.subscribe(heard.append)
    assert watch.role is Role.standby and not watch.is_leader

    watch.change(Role.leader, "took the lock")
    watch.change(Role.leader, "still holding it")
    watch.change(Role.standby, "lost the lock")
    unsubscribe()
    watch.change(Role.leader, "took it again")

    assert heard == [Role.leader, Role.standby]
    assert watch.is_leader
    changes = [r.getMessage() for r in caplog.records if r.getMessage().startswith("role:")]
    assert changes == [
        "role: leader (was standby): took the lock",
        "role: standby (was leader): lost the lock",
        "role: leader (was standby): took it again",
    ]


def test_a_failing_listener_does_not_stop_the_others() -> None:
    watch = RoleWatch()
    heard: list[Role] = []

    def broken(_role: Role) -> None:
        raise RuntimeError("boom")

    watch.subscribe(broken)
    watch.subscribe(heard.append)
    watch.change(Role.leader, "took the lock")
    assert heard == [Role.leader]
