"""Ops UI of the marketplaces app."""
