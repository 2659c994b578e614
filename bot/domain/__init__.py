"""The health-code rules and the checks on what people declare.

Plain Python on purpose: no Telegram, no database, no I/O at import time, no user-facing sentences.
Everything here returns codes (str enum values) that the bot layer translates.
"""
