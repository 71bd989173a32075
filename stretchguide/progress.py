"""Progress bars for long stages: on stderr, only when it is a terminal and the build is not quiet."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def progress(total: int, label: str, enabled: bool) -> Iterator[Callable[[], None]]:
    """Show a progress bar on stderr when it is a terminal; yield the function that advances it."""
    if not (enabled and total > 1 and sys.stderr.isatty()):
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)
