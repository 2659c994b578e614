"""The Telegram Mini App's server side: the live code page, the checkpoint scanner, and the JSON API they call."""
