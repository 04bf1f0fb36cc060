"""Models of the marketplaces app."""
