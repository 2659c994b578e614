"""Health Code Bot: a Telegram bot that issues green, yellow and red health codes."""
