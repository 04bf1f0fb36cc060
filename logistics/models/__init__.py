"""Models of the logistics app, one module per concern; each is imported here so Django finds it."""
