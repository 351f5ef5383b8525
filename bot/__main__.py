"""`python -m bot` runs the xuncha command line."""

from bot.cli import main

main()
