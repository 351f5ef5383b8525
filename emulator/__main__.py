"""Run the emulator standalone: python -m emulator --port 8081 --token 123456:TEST."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from emulator.chatpage import ChatPage
from emulator.emulator import BotApiEmulator


def _arguments() -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description="Local Telegram Bot API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--enforce-limits", action="store_true", help="content limits")
    parser.add_argument("--flood-limits", action="store_true", help="answer 429 on floods")
    parser.add_argument(
        "--page-port",
        type=int,
        default=None,
        help="also serve the chat page (act as residents in a browser) on this port",
    )
    return parser.parse_args()


async def _serve(args: argparse.Namespace) -> None:
    """Serve until cancelled."""
    emulator = BotApiEmulator(
        args.token,
        host=args.host,
        port=args.port,
        enforce_limits=args.enforce_limits,
        flood_limits=args.flood_limits,
    )
    async with emulator:
        print(f"Bot API emulator on {emulator.base_url} (token {emulator.token})", flush=True)
        print(f"  TELEGRAM_API_BASE_URL={emulator.base_url}", flush=True)
        if args.page_port is None:
            await asyncio.Event().wait()
            return
        page = ChatPage(emulator)
        url = await page.start(args.host, args.page_port)
        print(f"Chat page on {url} (add a resident there, then write to the bot)", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await page.stop()


def main() -> None:
    """Entry point."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(_arguments()))


if __name__ == "__main__":
    main()
