"""The console: the round's web pages (also a Telegram Mini App), an edge beside handlers/.

It reads through storage/console and acts only through storage's workflow and the outbox;
who may see what is storage's Viewer (docs/DESIGN.md "The console").
"""
