"""Telegram's limits: message sizes, inline keyboards, and flood control with sliding windows."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

from emulator.errors import ApiError, bad_request, too_many_requests

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def check_text(text: str) -> None:
    """A message text may have at most 4096 visible characters."""
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")


def check_caption(caption: str) -> None:
    """A caption may have at most 1024 visible characters."""
    if len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")


def check_inline_keyboard(markup: dict[str, Any]) -> None:
    """Validate an InlineKeyboardMarkup like Telegram does."""
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('can\'t parse inline keyboard: field "inline_keyboard" must be an Array')
    for row in rows:
        for button in row:
            if not isinstance(button, dict):
                raise bad_request("can't parse inline keyboard button: Object expected")
            if not isinstance(button.get("text"), str) or not button["text"]:
                raise bad_request(
                    'can\'t parse inline keyboard button: Field "text" must be of type String'
                )
            actions = [a for a in _BUTTON_ACTIONS if button.get(a) is not None]
            if not actions:
                raise bad_request(
                    "can't parse inline keyboard button: Text buttons are unallowed in the "
                    "inline keyboard"
                )
            if len(actions) > 1:
                raise bad_request(
                    "can't parse inline keyboard button: exactly one of the optional fields "
                    "must be used"
                )
            data = button.get("callback_data")
            if data is not None and (
                not isinstance(data, str)
                or not data
                or len(data.encode("utf-8")) > MAX_CALLBACK_DATA
            ):
                raise bad_request("BUTTON_DATA_INVALID")
            url = button.get("url")
            if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
                raise bad_request("BUTTON_URL_INVALID")


@dataclass
class FloodConfig:
    """Flood-control windows; defaults follow Telegram's documented limits."""

    overall_limit: int = 30
    overall_window: float = 1.0
    private_limit: int = 3
    private_window: float = 3.0
    group_limit: int = 20
    group_window: float = 60.0
    count_edits: bool = False


class _Window:
    """Timestamps of accepted sends within a sliding window."""

    def __init__(self) -> None:
        """Start empty."""
        self.times: deque[float] = deque()

    def retry_after(self, now: float, limit: int, window: float) -> float | None:
        """Seconds until one more send fits, or None if it fits now."""
        while self.times and self.times[0] <= now - window:
            self.times.popleft()
        if len(self.times) < limit:
            return None
        return self.times[len(self.times) - limit] + window - now


class FloodLimiter:
    """Counts accepted sends and says how long to wait when a window is full."""

    def __init__(self, config: FloodConfig) -> None:
        """Use `config` (which may be changed later) for all decisions."""
        self.config = config
        self._overall = _Window()
        self._chats: dict[int | str, _Window] = {}

    def check(self, chat_key: int | str, is_private: bool, now: float) -> ApiError | None:
        """The 429 error to answer for one more send to `chat_key` now, or None."""
        cfg = self.config
        waits = [self._overall.retry_after(now, cfg.overall_limit, cfg.overall_window)]
        window = self._chats.setdefault(chat_key, _Window())
        if is_private:
            waits.append(window.retry_after(now, cfg.private_limit, cfg.private_window))
        else:
            waits.append(window.retry_after(now, cfg.group_limit, cfg.group_window))
        longest = max((w for w in waits if w is not None), default=None)
        if longest is None:
            return None
        return too_many_requests(max(1, math.ceil(longest)))

    def record(self, chat_key: int | str, now: float) -> None:
        """Count one accepted send."""
        self._overall.times.append(now)
        self._chats.setdefault(chat_key, _Window()).times.append(now)
