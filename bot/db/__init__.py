"""Storage: typed models, the engine factory and the repositories (which never commit)."""
