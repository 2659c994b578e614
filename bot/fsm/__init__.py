"""Conversation (FSM) state storage that survives a restart of the bot."""
