"""Ops UI of the alerts app."""
