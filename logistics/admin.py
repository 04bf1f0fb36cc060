"""Ops UI of the logistics app."""
