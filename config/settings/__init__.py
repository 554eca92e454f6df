"""Settings: one base read from the environment; dev, test and production adjust it."""
