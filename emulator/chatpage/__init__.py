"""A chat simulator page over the emulator: people write, share, press buttons in a browser.

    page = ChatPage(emu, personas=[Persona(alice.id, "resident")], places=[Place(...)])
    await page.start(port=8090)          # http://127.0.0.1:8090/

It is Telegram's front end for the emulator: it reads the emulator's chats and acts through
its simulation API (Acting), and knows nothing of the bot behind it. Its labels are its own
(static/strings.json, Chinese by default, English by a toggle), not the bot's catalogs.
"""

from emulator.chatpage.server import ChatPage, Persona, Place

__all__ = ["ChatPage", "Persona", "Place"]
