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


def test_a_send_counts_until_answered_and_from_when_it_was_answered() -> None:
    tick = Ticker()
    limits = RateLimits(overall=Window(1, 1.0), private=Window(10, 1.0), monotonic=tick)
    first = limits.record(1, in_flight=True)
    tick.now = 5.0
    # The first is still on its way: it may arrive any moment, so the window stays full.
    assert limits.wait(3) > 0
    first.done()
    # Answered at 5.0: it counts until 6.0, not from when it left.
    tick.now = 5.9
    assert limits.wait(3) > 0
    tick.now = 6.01
    assert limits.wait(3) == 0


def test_sends_seeded_from_the_database_fill_a_new_leaders_window() -> None:
    tick = Ticker()
    tick.now = 100.0
    limits = RateLimits(group=Window(3, 60.0), monotonic=tick)
    limits.seed([(-100, 50.0), (-100, 20.0), (-100, 10.0), (-100, 70.0)])
    # Three sends of the last minute (the one 70 s ago no longer counts): wait for the oldest.
    assert 9.9 < limits.wait(-100) <= 10.0
    assert limits.remaining(-100) == 0
