"""A person's own daily check-in reminder (/remindme) and the evening warning before a missed day."""
