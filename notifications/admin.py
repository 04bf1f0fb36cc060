"""Ops UI of the notifications app."""
