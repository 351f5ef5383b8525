"""Webhook delivery: while a webhook is set, pending updates are POSTed to its url.

As Telegram does: one update per request, with the secret in X-Telegram-Bot-Api-Secret-Token.
Deliveries go strictly one at a time in update_id order (so one chat's updates can never
overtake each other); an update leaves the queue only when the bot answered 2xx. A non-2xx
answer, a timeout or an unreachable bot is recorded in getWebhookInfo's last_error_* and
retried after `retry_delay` seconds. setWebhook, deleteWebhook and getWebhookInfo themselves
are in api_other.py; getUpdates answers 409 while a webhook is set.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from emulator.state import EmulatorState

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# How long one delivery may take before it counts as failed.
DELIVERY_TIMEOUT = 30.0


@dataclass(frozen=True)
class Delivery:
    """One attempt to POST an update: its id, the HTTP status (0: no answer) and any error."""

    update_id: int
    url: str
    status: int
    error: str | None
    at: float

    @property
    def ok(self) -> bool:
        """Whether the bot accepted the update (2xx)."""
        return self.error is None


class WebhookDelivery:
    """The loop that pushes queued updates to the webhook, and the log of its attempts."""

    def __init__(self, state: EmulatorState, retry_delay: float = 0.5) -> None:
        """Deliver the updates of `state`; failed deliveries are retried after `retry_delay`."""
        self.state = state
        self.retry_delay = retry_delay
        self.deliveries: list[Delivery] = []

    def _next(self) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The webhook and the oldest deliverable update, or None."""
        hook = self.state.webhook
        if hook is None:
            return None
        pending = self.state.deliverable(self.state.allowed_updates)
        if not pending:
            return None
        return hook, min(pending, key=lambda update: int(update["update_id"]))

    async def run(self) -> None:
        """Deliver until the emulator closes."""
        state = self.state
        async with aiohttp.ClientSession() as session:
            while not state.closing:
                found = self._next()
                if found is None:
                    await state.wait_changed(1.0)
                    continue
                hook, update = found
                status, error = await self._post(session, hook, update)
                self.deliveries.append(
                    Delivery(update["update_id"], hook["url"], status, error, time.time())
                )
                if error is None:
                    # Accepted: the bot has it, whatever happened to the webhook meanwhile.
                    state.updates = [u for u in state.updates if u is not update]
                    state.notify()
                    continue
                hook["last_error_date"] = int(time.time())
                hook["last_error_message"] = error
                state.notify()
                log.debug("webhook delivery of %s failed: %s", update["update_id"], error)
                if state.webhook is hook:
                    await asyncio.sleep(self.retry_delay)

    @staticmethod
    async def _post(
        session: aiohttp.ClientSession, hook: dict[str, Any], update: dict[str, Any]
    ) -> tuple[int, str | None]:
        """POST one update: (status, None) when accepted, else (status or 0, error text)."""
        headers = {}
        if hook.get("secret_token"):
            headers[SECRET_HEADER] = str(hook["secret_token"])
        try:
            async with session.post(
                hook["url"],
                json=update,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=DELIVERY_TIMEOUT),
            ) as response:
                await response.read()
                if 200 <= response.status < 300:
                    return response.status, None
                reason = f"{response.status} {response.reason or ''}".strip()
                return response.status, f"Wrong response from the webhook: {reason}"
        except (aiohttp.ClientError, TimeoutError, ValueError, OSError) as exc:
            return 0, f"Connection failed: {exc.__class__.__name__}"
