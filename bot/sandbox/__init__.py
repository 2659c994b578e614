"""Try the bot with no Telegram: a local Bot API emulator, the real bot process, and a chat page."""
