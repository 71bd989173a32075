"""Write outputs atomically: build beside the target, swap in only when complete."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _leftovers(out_dir: Path, kind: str) -> list[Path]:
    return sorted(out_dir.parent.glob(f".{out_dir.name}.{kind}-*"))


def recover(out_dir: Path) -> None:
    """Restore the previous output if a swap was interrupted, and clear stale stages."""
    old = _leftovers(out_dir, "old")
    if not out_dir.exists() and old:
        os.rename(old[-1], out_dir)
        old = old[:-1]
    for leftover in old + _leftovers(out_dir, "new"):
        shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def staged_output(out_dir: Path) -> Iterator[Path]:
    """Yield an empty folder beside `out_dir`; replace `out_dir` with it if the block succeeds.

    Why: a failed or interrupted build must leave the previous site complete.
    """
    out_dir = out_dir.absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    stage.chmod(0o755)
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if out_dir.exists():
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
        os.rename(out_dir, old)
        os.rename(stage, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(stage, out_dir)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text with Unix newlines, creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
