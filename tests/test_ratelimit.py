"""The sender's flood-limit windows."""

from __future__ import annotations

from bot.ratelimit import RateLimits, Window


class Ticker:
    """A monotonic clock moved by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_group_chat_window_blocks_the_21st_message_within_a_minute() -> None:
    tick = Ticker()
    limits = RateLimits(group=Window(20, 60.0), monotonic=tick)
    for _ in range(20):
        assert limits.wait(-100) == 0
        limits.record(-100)
        tick.now += 0.5
    assert 49 < limits.wait(-100) <= 50.5
    tick.now = 60.01
    assert limits.wait(-100) == 0


def test_private_chats_are_limited_separately_but_share_the_overall_limit() -> None:
    tick = Ticker()
    limits = RateLimits(overall=Window(3, 1.0), private=Window(1, 1.0), monotonic=tick)
    limits.record(1)
    assert limits.wait(1) > 0
    assert limits.wait(2) == 0
    limits.record(2)
    limits.record(3)
    assert limits.wait(4) > 0
    tick.now = 1.01
    assert limits.wait(1) == 0
    assert limits.wait(4) == 0
