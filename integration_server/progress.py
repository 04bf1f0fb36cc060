"""The progress line of the long management commands (DESIGN: counts, a bar, then a one-line summary).

One line rewritten in place (``\\r``): a bar filled to ``done / total`` when the total is known, a bar that
fills and starts again every 10 steps when it is not (Zoho, Eccang and Amazon give no total up front),
then what the caller counts. ``close()`` ends the line so the summary starts on its own.

    with ProgressLine(self.stdout) as line:
        for page in pages:
            line.update(done, total, f"{read} items read")
"""

from __future__ import annotations

WIDTH = 30


class ProgressLine:
    def __init__(self, stream, width: int = WIDTH):
        self.stream = stream
        self.width = width
        self.steps = 0

    def bar(self, done: int | None, total: int | None) -> str:
        if total:
            filled = min(self.width, int(self.width * (done or 0) / total))
        else:
            filled = (self.steps % 10 or 10) * self.width // 10
        return f"[{'#' * filled}{'.' * (self.width - filled)}]"

    def update(self, done: int | None = None, total: int | None = None, detail: str = "") -> None:
        self.steps += 1
        count = f" {done}/{total}" if total else ""
        self.stream.write(f"\r{self.bar(done, total)}{count} {detail}".rstrip(), ending="")
        self.stream.flush()

    def close(self) -> None:
        """End the line (only if something was written)."""
        if self.steps:
            self.stream.write("")
            self.steps = 0

    def __enter__(self) -> ProgressLine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
