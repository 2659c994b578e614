"""Registration: the step-by-step declaration (the seed's "fill in the boxes"), its summary and submission."""
