"""Ops UI of the inventory app."""
