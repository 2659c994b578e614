"""Data access. Repositories take a session and never commit: the use case that calls them does, once."""
