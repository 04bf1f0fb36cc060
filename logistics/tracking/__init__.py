"""Parcel tracking behind a provider interface (17TRACK first): registration, pushes, polling, statuses."""
