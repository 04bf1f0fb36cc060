"""Retry delays of SPEC 4: 30 s, doubling, at most 5 minutes."""

BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 300


def retry_delay_seconds(retry_number: int) -> int:
    """Delay before retry ``retry_number`` (1 = the first retry after the first try)."""
    if retry_number < 1:
        raise ValueError("retry_number starts at 1")
    return min(BASE_DELAY_SECONDS * 2 ** (retry_number - 1), MAX_DELAY_SECONDS)
